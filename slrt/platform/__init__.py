"""What every feature stands on and that imports no feature: the database
unit of work and its locks (more moves here with the layering work)."""
