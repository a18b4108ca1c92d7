"""What other features may react to, without the cases layer importing them
(a reaction across features is a signal, never an import upward)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent inside the registration's transaction, once the case row exists:
# receivers write in that same transaction (the status page's check code).
# Arguments: case_id.
case_registered = _signals.signal("case-registered")

# Sent inside the transaction of the change, after a case's status moved
# (the desk closed it, or its referrals moved it): receivers write in that
# same transaction (the API queues its webhooks), so a change rolled back
# tells no one. Arguments: case, previous, action, now.
case_status_changed = _signals.signal("case-status-changed")
