"""The role matrix: which role may open which page, and the address of every page
in the world of tests/security/conftest.py."""

from __future__ import annotations

import re

ROLES = ["operator", "fasilitator", "handler", "supervisor", "admin", "province_supervisor"]

# Who works where, written here by hand (not read from slrt/common/permissions.py,
# which this matrix checks).
VILLAGE_DESK = frozenset({"operator", "fasilitator"})
DESK = VILLAGE_DESK | {"supervisor"}
STAFF = DESK | {"handler"}
# The province supervisor reads the figures of every regency of his province.
PROVINCE = frozenset({"province_supervisor"})
EVERYONE = STAFF | {"admin"} | PROVINCE
SUPERVISOR, ADMIN, HANDLER = frozenset({"supervisor"}), frozenset({"admin"}), frozenset({"handler"})
READERS = STAFF | PROVINCE  # the reports

# endpoint -> roles allowed (GET pages). Anything not here must be denied to
# every role except as listed; the test fails if a new endpoint appears unlisted.
ALLOWED = {
    "main.index": READERS,  # the province supervisor's home: the regencies compared
    "main.search": STAFF,
    "main.help_page": EVERYONE,
    "cases.index": DESK,
    "cases.register": DESK,
    "cases.detail": DESK,
    "cases.receipt": DESK,
    "cases.attachment": DESK,
    "dtks.check": DESK,
    "dtks.imports": SUPERVISOR,
    "dtks.import_detail": SUPERVISOR,
    "dtks.import_report": SUPERVISOR,
    "referrals.route_case": DESK,
    "referrals.queue": HANDLER,
    "referrals.needs_reply": DESK,
    "referrals.detail": STAFF,
    "referrals.letter": STAFF,
    "referrals.handover": HANDLER,
    "referrals.handover_record": STAFF,
    "proposals.index": DESK,
    "proposals.create": DESK,
    "proposals.musdes_new": DESK,
    "proposals.musdes_detail": DESK,
    "proposals.musdes_scan": DESK,
    "proposals.export": DESK,
    "proposals.detail": DESK,
    "auth.change_password": EVERYONE,
    "audit.index": SUPERVISOR,
    "reports.listing": READERS,
    "reports.listing_export": READERS,
    "reports.cases": READERS,
    "reports.cases_export": READERS,
    "reports.monthly": READERS,
    "reports.recap": SUPERVISOR,
    "reports.recap_export": SUPERVISOR,
    "reports.regencies": PROVINCE,
    "audit.pdp": SUPERVISOR,
    "admin.users": ADMIN,
    "admin.create_user": ADMIN,
    "admin.edit_user": ADMIN,
    "admin.programs": ADMIN,
    "admin.edit_program": ADMIN,
    "admin.letterhead_settings": ADMIN,
    "admin.letterhead_logo": STAFF | ADMIN,  # who prints a page of his regency
    "reminders.inbox": EVERYONE,
    "reminders.settings": ADMIN,
    "outreach.my_villages": VILLAGE_DESK,
    "outreach.visit": VILLAGE_DESK,
    "outreach.photo": DESK,
}


def _url(app, endpoint, case, user_id):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    ids = {"user_id": user_id, "case_id": case.id, "referral_id": case.referral_id,
           "code": "PKH", **case.ids}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
