"""The role matrix: which role may open which page, and the address of every page
in the world of tests/security/conftest.py."""

from __future__ import annotations

import re

ROLES = ["operator", "fasilitator", "handler", "supervisor", "admin"]

# endpoint -> roles allowed (GET pages). Anything not here must be denied to
# every role except as listed; the test fails if a new endpoint appears unlisted.
ALLOWED = {
    "main.index": {"operator", "fasilitator", "handler", "supervisor"},
    "cases.index": {"operator", "fasilitator", "supervisor"},
    "cases.register": {"operator", "fasilitator", "supervisor"},
    "cases.detail": {"operator", "fasilitator", "supervisor"},
    "cases.receipt": {"operator", "fasilitator", "supervisor"},
    "dtks.check": {"operator", "fasilitator", "supervisor"},
    "dtks.imports": {"supervisor"},
    "dtks.import_detail": {"supervisor"},
    "dtks.import_report": {"supervisor"},
    "referrals.route_case": {"operator", "fasilitator", "supervisor"},
    "referrals.queue": {"handler"},
    "referrals.needs_reply": {"operator", "fasilitator", "supervisor"},
    "referrals.detail": {"operator", "fasilitator", "supervisor", "handler"},
    "referrals.letter": {"operator", "fasilitator", "supervisor", "handler"},
    "referrals.handover": {"handler"},
    "referrals.handover_record": {"operator", "fasilitator", "supervisor", "handler"},
    "proposals.index": {"operator", "fasilitator", "supervisor"},
    "proposals.create": {"operator", "fasilitator", "supervisor"},
    "proposals.musdes_new": {"operator", "fasilitator", "supervisor"},
    "proposals.musdes_detail": {"operator", "fasilitator", "supervisor"},
    "proposals.musdes_scan": {"operator", "fasilitator", "supervisor"},
    "proposals.export": {"operator", "fasilitator", "supervisor"},
    "proposals.detail": {"operator", "fasilitator", "supervisor"},
    "auth.change_password": {"operator", "fasilitator", "handler", "supervisor", "admin"},
    "audit.index": {"supervisor"},
    "reports.listing": {"operator", "fasilitator", "handler", "supervisor"},
    "reports.listing_export": {"operator", "fasilitator", "handler", "supervisor"},
    "reports.cases": {"operator", "fasilitator", "handler", "supervisor"},
    "reports.cases_export": {"operator", "fasilitator", "handler", "supervisor"},
    "reports.monthly": {"operator", "fasilitator", "handler", "supervisor"},
    "reports.recap": {"supervisor"},
    "reports.recap_export": {"supervisor"},
    "audit.pdp": {"supervisor"},
    "admin.users": {"admin"},
    "admin.create_user": {"admin"},
    "admin.edit_user": {"admin"},
    "admin.programs": {"admin"},
    "admin.edit_program": {"admin"},
    "reminders.inbox": {"operator", "fasilitator", "handler", "supervisor", "admin"},
    "reminders.settings": {"admin"},
    "outreach.my_villages": {"operator", "fasilitator"},
    "outreach.visit": {"operator", "fasilitator"},
    "outreach.photo": {"operator", "fasilitator", "supervisor"},
}


def _url(app, endpoint, case, user_id):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    ids = {"user_id": user_id, "case_id": case.id, "referral_id": case.referral_id,
           "code": "PKH", **case.ids}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
