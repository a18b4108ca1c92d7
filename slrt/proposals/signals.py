"""What the proposals ask of the features above them, without importing them
(a reaction across features is a signal, never an import upward)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent when a proposal's event is written on the timelines of the cases it
# came from and it has no case of its own: each receiver returns the cases
# it knows the proposal by (the outreach: the case of the visit that raised
# it). Arguments: the proposal as sender.
proposal_cases = _signals.signal("proposal-cases")
