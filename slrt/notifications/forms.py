"""The admin's reminder settings form: the regency's own days off and worked holidays."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField, ValidationError
from wtforms.validators import Length

from slrt.common.forms import Form

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
BAD_SHOWN = 10       # bad values named in the message; the rest are counted
BAD_VALUE_CHARS = 20  # a bad value is shown up to this length
MAX_CHARS = 4000     # about 360 dates: more than any office has days off to add


def _shown(value: str) -> str:
    """A bad value as the message names it: printable, and cut when long."""
    value = "".join(ch if ch.isprintable() else "?" for ch in value)
    return value if len(value) <= BAD_VALUE_CHARS else value[:BAD_VALUE_CHARS - 1] + "…"


def parse_days(raw: str) -> tuple[set[date], list[str]]:
    """The dates of a textarea, one per line or separated by commas (TTTT-BB-HH),
    and the parts that are not such a date."""
    days, bad = set(), []
    for part in (raw or "").replace(",", "\n").splitlines():
        part = part.strip()
        if not part:
            continue
        try:
            if not ISO_DAY.fullmatch(part):
                raise ValueError(part)
            days.add(date.fromisoformat(part))
        except ValueError:
            bad.append(part)
    return days, bad


def date_lines(form, field) -> None:
    """Reads the field's dates into `field.days`; the values that are not a
    date are named next to the field, and the field keeps what was typed."""
    field.days, bad = parse_days(field.data)
    if bad:
        named = ", ".join(_shown(b) for b in bad[:BAD_SHOWN])
        if len(bad) > BAD_SHOWN:
            named += _(" dan %(n)d lainnya", n=len(bad) - BAD_SHOWN)
        raise ValidationError(_("Tanggal tidak sah: %(d)s (gunakan TTTT-BB-HH)", d=named))


class HolidaysForm(Form):
    days = TextAreaField(_l("Hari libur tambahan (mis. cuti bersama daerah)"),
                         validators=[Length(max=MAX_CHARS), date_lines], render_kw={"rows": 4})
    worked = TextAreaField(_l("Hari libur dalam daftar yang tetap masuk kerja"),
                           validators=[Length(max=MAX_CHARS), date_lines], render_kw={"rows": 3})
