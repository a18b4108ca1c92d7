"""The case life cycle, as data in one place.

A case is registered "terbuka"; it is "dirujuk" while any of its referrals
is open, goes back to the desk ("terbuka") when every referral ended without
delivering anything, and is "selesai" when settled at the desk or when its
referrals delivered. The desk closes an open case (`close_at_desk`); the
other moves follow the referrals (`slrt/referrals/services.refresh_case_status`)
from whatever status the case has, since its status is a summary of theirs.
Both move only through this table; pages read its flags.

Sides: "desk" is an operator or facilitator of the case's village or the
regency supervisor; "referrals" is the system following the referrals.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from slrt.common.lifecycle import Lifecycle, State, move

CASE_FLOW = Lifecycle(_l("Kasus"), [
    State("terbuka", _l("Terbuka"), badge="terbuka"),
    State("dirujuk", _l("Dirujuk"), badge="dirujuk"),
    State("selesai", _l("Selesai"), badge="selesai", is_open=False),
], [
    move("tutup", _l("Selesaikan di desa"), {"terbuka", "dirujuk"}, "selesai", {"desk"}),
    move("rujuk", _l("Dirujuk ke program"), {"terbuka", "selesai"}, "dirujuk", {"referrals"}),
    move("kembali_ke_desa", _l("Kembali ke desa: tidak ada rujukan yang tersalurkan"),
         {"dirujuk", "selesai"}, "terbuka", {"referrals"}),
    move("rujukan_selesai", _l("Selesai lewat rujukan"), {"terbuka", "dirujuk"}, "selesai",
         {"referrals"}),
])

OPEN_STATUSES = CASE_FLOW.open_codes
CLOSED_STATUSES = tuple(c for c in CASE_FLOW.states if c not in OPEN_STATUSES)


def is_open(status: str) -> bool:
    return CASE_FLOW.state(status).is_open


def can_close_at_desk(case) -> bool:
    """The desk settles a case itself only while no referral of it is open
    (an open referral closes the case when it ends)."""
    return (CASE_FLOW.allows(case.status, "tutup")
            and not any(r.is_open for r in case.referrals))
