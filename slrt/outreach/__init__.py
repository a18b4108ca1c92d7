"""The facilitator's day: my villages, follow-up tasks, outreach visits (penjangkauan)."""

# The sentences of its events on a case's timeline, registered with the cases.
from slrt.outreach import timeline  # noqa: F401
