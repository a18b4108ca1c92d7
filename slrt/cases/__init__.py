# The sentences of the cases' own events, registered with the timeline.
from slrt.cases import sentences  # noqa: F401
