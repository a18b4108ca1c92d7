"""The settings that belong to one regency, besides the letterhead
(slrt/admin/letterhead.py) and the calendar's adjustments
(slrt/common/workdays.py): the case number prefix.

Each is an app setting under the regency's key ("15.04/kasus.awalan"). The
installation's default regency (SLRT_KABUPATEN) falls back on SLRT_CASE_PREFIX,
so a one-regency installation numbers its cases as before; another regency
without a prefix of its own gets the initials of its name ("MJ" for Muaro
Jambi), until its admin sets one.
"""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import gettext as _

from slrt.common.errors import DomainError, NotAllowed
from slrt.common.models import get_setting, regency_key, set_setting
from slrt.common.permissions import can
from slrt.regions.queries import regency_name

CASE_PREFIX = "kasus.awalan"
PREFIX_RE = re.compile(r"^[A-Z]{1,5}$")  # what a case number search recognises


def initials(name: str) -> str:
    """'Kabupaten Muaro Jambi' -> 'MJ'; 'Kabupaten Batanghari' -> 'BA'."""
    words = [w for w in re.split(r"[\s-]+", name) if w and w.lower() not in ("kabupaten", "kota")]
    letters = "".join(w[0] for w in words if w[0].isalpha()).upper()
    if len(letters) < 2 and words:
        letters = re.sub(r"[^A-Z]", "", words[0].upper())[:2]
    return letters[:5] or "SLRT"


def case_prefix(regency: str) -> str:
    """The prefix of the case numbers of a regency's desks ('BH' in BH-2611-0042)."""
    value = get_setting(regency_key(regency, CASE_PREFIX))
    if value:
        return value
    if regency == current_app.config["SLRT_KABUPATEN"]:
        return current_app.config["SLRT_CASE_PREFIX"]
    return initials(regency_name(regency))


def save_case_prefix(actor, prefix: str) -> None:
    """The admin sets his regency's prefix: 1 to 5 capital letters (what the
    search box recognises as a case number). Empty keeps the one in use."""
    prefix = (prefix or "").strip().upper()
    if not prefix:
        return
    if not can(actor, "settings.letterhead"):
        raise NotAllowed(_("Anda tidak berwenang melakukan ini."))
    if not PREFIX_RE.match(prefix):
        raise DomainError(_("Awalan nomor kasus 1 sampai 5 huruf kapital, misalnya BH."),
                          "case_prefix")
    set_setting(regency_key(actor.regency_code, CASE_PREFIX), prefix)
