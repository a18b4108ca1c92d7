"""Case reads, always within the user's scope (pages and exports share these)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from slrt.cases.models import OPEN_CASE_STATUSES, Case, Person
from slrt.cases.workflow import CLOSED_STATUSES
from slrt.common.permissions import can, village_scope
from slrt.common.time import WIB
from slrt.dtks.names import name_conditions
from slrt.extensions import db
from slrt.identity import normalise_digits
from slrt.platform.query import where_given

CASE_NUMBER_RE = re.compile(r"^[A-Z]{1,5}-?\d{4}-?\d{4,6}$")


def scoped(user, stmt: Select | None = None) -> Select:
    """Cases the user may see; an empty scope sees nothing."""
    stmt = stmt if stmt is not None else select(Case)
    if not can(user, "case.view"):
        return stmt.where(False)
    scope = village_scope(user)
    if scope is None:
        return stmt
    if not scope:
        return stmt.where(False)
    if len(scope) == 1:
        return stmt.where(Case.village_code == scope[0])
    return stmt.where(Case.village_code.in_(scope))


def get_case_for(user, case_id: int) -> Case:
    """The case if the user may see it; 404 otherwise (no hint that it exists)."""
    return db.first_or_404(scoped(user).where(Case.id == case_id))


def query_kind(q: str) -> str:
    """What a typed search is: "nomor" (a case number), "nik" (16 digits: a NIK
    or a No KK), "nama" (anything else) or "" (nothing typed)."""
    q = q.strip()
    if not q:
        return ""
    if CASE_NUMBER_RE.match(q.upper().replace(" ", "")):
        return "nomor"
    digits = normalise_digits(q)
    if digits.isascii() and digits.isdigit() and len(digits) == 16:
        return "nik"
    return "nama"


def match_query(stmt: Select, q: str) -> tuple[Select, str]:
    """Narrow a statement over Case to a typed case number, NIK, No KK or name.

    The one search of cases: the case list and the header's search box (and
    a handler's search of his referrals, joined to their cases) share it.
    Returns the statement and the query's kind (query_kind).
    """
    kind = query_kind(q)
    q = q.strip()
    if kind == "nomor":
        number = q.upper().replace(" ", "")
        if "-" not in number:
            m = re.match(r"^([A-Z]+)(\d{4})(\d+)$", number)
            number = f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else number
        stmt = stmt.where(Case.number == number)
    elif kind == "nik":
        digits = normalise_digits(q)
        stmt = stmt.where(Case.beneficiary_id.in_(
            select(Person.id).where((Person.nik == digits) | (Person.no_kk == digits))))
    elif kind == "nama":
        stmt = stmt.join(Case.beneficiary).where(*name_conditions(Person.name_key, q))
    return stmt, kind


@dataclass
class CaseFilters:
    q: str = ""
    status: str = ""
    category: str = ""
    village: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _wib_day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=WIB)


def list_cases(user, f: CaseFilters, *, before_id: int | None = None, limit: int = 50
               ) -> tuple[list[Case], int | None]:
    """One page of cases, newest first, keyset-paginated on the id.

    Returns the cases and the id to continue from (None on the last page).
    Each filter narrows an indexed column; no page counts the whole table.
    """
    stmt = scoped(user).options(joinedload(Case.beneficiary), joinedload(Case.category),
                                joinedload(Case.village))
    stmt, _kind = match_query(stmt, f.q)
    stmt = where_given(stmt, (Case.status, f.status), (Case.category_code, f.category),
                       (Case.village_code, f.village))
    if f.date_from:
        stmt = stmt.where(Case.created_at >= _wib_day_start(f.date_from))
    if f.date_to:
        stmt = stmt.where(Case.created_at < _wib_day_start(f.date_to + timedelta(days=1)))
    if before_id:
        stmt = stmt.where(Case.id < before_id)
    rows = list(db.session.scalars(stmt.order_by(Case.id.desc()).limit(limit + 1)).unique())
    next_id = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_id


@dataclass
class DeskSummary:
    open: int
    closed_this_month: int
    registered_today: int
    recent: list[Case]


def desk_summary(user, now: datetime | None = None) -> DeskSummary:
    from slrt.common.time import now_utc

    now = now or now_utc()
    local = now.astimezone(WIB)
    month_start = datetime(local.year, local.month, 1, tzinfo=WIB)
    day_start = _wib_day_start(local.date())
    count = select(func.count()).select_from(Case)
    open_n = db.session.scalar(scoped(user, count.where(Case.status.in_(OPEN_CASE_STATUSES))))
    closed_n = db.session.scalar(scoped(user, count.where(Case.status.in_(CLOSED_STATUSES),
                                                          Case.closed_at >= month_start)))
    today_n = db.session.scalar(scoped(user, count.where(Case.created_at >= day_start)))
    recent, _ = list_cases(user, CaseFilters(), limit=10)
    return DeskSummary(open_n or 0, closed_n or 0, today_n or 0, recent)
