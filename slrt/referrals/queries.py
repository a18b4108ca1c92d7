"""Referral reads: handler queues, the desk's "needs your reply" list, access checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload

from slrt.cases.models import Case, Person
from slrt.common.permissions import HANDLER, can, program_scope, village_scope
from slrt.common.workdays import add_working_days
from slrt.extensions import db
from slrt.platform.query import where_given
from slrt.referrals.models import Referral

TABS = {
    "belum": _l("Belum ditugaskan"),
    "saya": _l("Tugas saya"),
    "semua": _l("Semua terbuka"),
    "selesai": _l("Selesai"),
}
DUE_FILTERS = {"segera": _l("Jatuh tempo ≤ 2 hari kerja"), "lewat": _l("Lewat batas waktu")}


def visible(user, stmt: Select | None = None) -> Select:
    """Referrals the user may see: a handler his programs, the desk its villages."""
    stmt = stmt if stmt is not None else select(Referral)
    codes = program_scope(user)
    if codes is not None:
        return stmt.where(Referral.program_code.in_(codes)) if codes else stmt.where(False)
    if can(user, "referral.desk"):
        scope = village_scope(user)
        if scope is None:
            return stmt
        return stmt.where(Referral.village_code.in_(scope)) if scope else stmt.where(False)
    return stmt.where(False)


def get_referral_for(user, referral_id: int) -> Referral:
    """The referral if the user may see it; 404 otherwise (no hint that it exists)."""
    return db.first_or_404(visible(user).where(Referral.id == referral_id))


@dataclass
class QueueFilters:
    program: str = ""
    tab: str = "semua"
    status: str = ""
    village: str = ""
    due: str = ""
    urgency: str = ""


def _filtered(user, f: QueueFilters, today: date, *, with_tab: bool = True) -> Select:
    stmt = where_given(visible(user), (Referral.program_code, f.program),
                       (Referral.status, f.status), (Referral.village_code, f.village),
                       (Referral.urgency, f.urgency))
    if f.due == "lewat":
        stmt = stmt.where(Referral.due_date < today)
    elif f.due == "segera":
        stmt = stmt.where(Referral.due_date >= today,
                          Referral.due_date <= add_working_days(today, 2))
    if with_tab:
        stmt = _tab(stmt, user, f.tab)
    return stmt


def _tab(stmt: Select, user, tab: str) -> Select:
    if tab == "selesai":
        return stmt.where(Referral.is_open.is_(False))
    stmt = stmt.where(Referral.is_open.is_(True))
    if tab == "belum":
        return stmt.where(Referral.assigned_to_id.is_(None))
    if tab == "saya":
        return stmt.where(Referral.assigned_to_id == user.id)
    return stmt


CLOSED_COUNT_CAP = 1000


def tab_counts(user, f: QueueFilters, today: date) -> dict[str, int | str]:
    """Counts on the tabs. The closed tab grows with all history, so it is
    counted up to a cap and shown as "1000+" beyond it."""
    base = _filtered(user, f, today, with_tab=False)
    counts: dict[str, int | str] = {}
    for tab in TABS:
        stmt = _tab(base, user, tab).with_only_columns(Referral.id).order_by(None)
        if tab == "selesai":
            n = db.session.scalar(select(func.count()).select_from(
                stmt.limit(CLOSED_COUNT_CAP + 1).subquery())) or 0
            counts[tab] = f"{CLOSED_COUNT_CAP}+" if n > CLOSED_COUNT_CAP else n
        else:
            counts[tab] = db.session.scalar(
                select(func.count()).select_from(stmt.subquery())) or 0
    return counts


def parse_cursor(token: str | None) -> tuple[date, int] | None:
    """The keyset cursor of a queue page link (`2026-01-05_42`), or None for a missing
    or bad one (a bad date, an id that is not a database integer): never raises."""
    from slrt.common.routing_ids import parse_id

    due_text, sep, rid_text = (token or "").partition("_")
    if not sep or len(due_text) != 10:
        return None
    try:
        due = date.fromisoformat(due_text)
    except ValueError:
        return None
    rid = parse_id(rid_text)
    return (due, rid) if rid is not None else None


def queue_page(user, f: QueueFilters, today: date, *, after: tuple[date, int] | str | None = None,
               limit: int = 50) -> tuple[list[Referral], tuple[date, int] | None]:
    """One page sorted by due date then id; keyset pagination on (due_date, id).

    `after`: the last key of the previous page, or its link text; a bad one is ignored
    (the first page), as is a key whose id is out of the database's integer range."""
    if isinstance(after, str):
        after = parse_cursor(after)
    elif after is not None:
        after = parse_cursor(f"{after[0].isoformat()}_{after[1]}")
    stmt = _filtered(user, f, today).options(
        joinedload(Referral.case).joinedload(Case.beneficiary),
        joinedload(Referral.program), joinedload(Referral.village),
        joinedload(Referral.assigned_to))
    if after is not None:
        due, rid = after
        # The plain >= bound lets the index range start at the key.
        stmt = stmt.where(Referral.due_date >= due,
                          or_(Referral.due_date > due,
                              and_(Referral.due_date == due, Referral.id > rid)))
    rows = list(db.session.scalars(
        stmt.order_by(Referral.due_date, Referral.id).limit(limit + 1)).unique())
    nxt = (rows[limit - 1].due_date, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], nxt


def needs_reply(user) -> list[Referral]:
    """Referrals returned to the desk with a question, in the user's villages."""
    if not can(user, "referral.needs_reply"):
        return []
    return list(db.session.scalars(
        visible(user).where(Referral.status == "perlu_info")
        .options(joinedload(Referral.case).joinedload(Case.beneficiary),
                 joinedload(Referral.program))
        .order_by(Referral.due_date, Referral.id)).unique())


def handlers_of(program_code: str):
    from slrt.auth.models import User, UserProgram

    return list(db.session.scalars(
        select(User).join(UserProgram).where(UserProgram.program_code == program_code,
                                             User.role == HANDLER, User.is_active_flag)
        .order_by(User.full_name)))


def beneficiary_name(referral: Referral) -> str:
    person: Person = referral.case.beneficiary
    return person.display_name
