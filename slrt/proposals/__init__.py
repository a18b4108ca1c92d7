# The sentences of its events on a case's timeline, registered with the cases.
from slrt.proposals import timeline  # noqa: F401
