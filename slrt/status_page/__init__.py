"""The public status page: a resident asks about a case without logging in."""
