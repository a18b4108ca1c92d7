"""The suggested time of the next visit after "not at home".

A visit and its follow-up task keep the suggestion as a code (why that time
of day: `sore` or `pagi`) and parameters (`at`, the suggested instant in ISO
8601); the sentence is written when shown, through gettext, so an old visit
reads in the language of the request. A suggestion that migration 0013 could
not read back keeps its text: code `teks`, parameter `text`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask_babel import lazy_gettext as _l

from slrt.common.time import WIB, format_datetime_id

NEXT_VISIT_WHY = {
    "sore": _l("warga biasanya di kebun pagi sampai siang; coba sore hari"),
    "pagi": _l("coba pagi hari sebelum warga berangkat ke kebun"),
}


def why_code(when: datetime) -> str:
    """A suggestion for the afternoon follows a morning miss, and the other way round."""
    return "sore" if when.astimezone(WIB).hour >= 12 else "pagi"


def next_visit_text(code: str, params: Mapping | None) -> str:
    """'20 Januari 2027 15.30 WIB (warga biasanya di kebun ...)'; the stored
    text of a legacy row; '' when there is no suggestion."""
    params = params or {}
    if params.get("at"):
        when = format_datetime_id(datetime.fromisoformat(params["at"]))
        why = NEXT_VISIT_WHY.get(code)
        return f"{when} ({why})" if why else when
    return params.get("text", "")
