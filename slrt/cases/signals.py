"""What other features may react to, without the cases layer importing them
(a reaction across features is a signal, never an import upward)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent inside the registration's transaction, once the case row exists:
# receivers write in that same transaction (the status page's check code).
# Arguments: case_id.
case_registered = _signals.signal("case-registered")
