"""Outreach visits and follow-up contacts. Services flush, never commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from slrt.auth.models import User
from slrt.cases.models import Case
from slrt.cases.services import add_event
from slrt.common.errors import DomainError
from slrt.common.images import clean_photo
from slrt.common.permissions import can, can_see_village, regency_of, require
from slrt.common.time import WIB, format_date_id, today_wib
from slrt.common.workdays import add_working_days, cuti_bersama, is_working_day
from slrt.dtks.models import RegistryRecord
from slrt.extensions import db
from slrt.notifications import status as st
from slrt.outreach.hints import why_code
from slrt.outreach.models import VISIT_OUTCOMES, FollowUpTask, OutreachVisit
from slrt.platform import storage
from slrt.proposals import services as proposals
from slrt.proposals.models import OPEN_STATUSES as PROPOSAL_OPEN
from slrt.proposals.models import Proposal
from slrt.proposals.signals import proposal_cases
from slrt.referrals.models import Referral

CLOSES_TASK = {"bertemu", "pindah", "meninggal", "menolak"}


@proposal_cases.connect
def _cases_of_visit_proposal(proposal: Proposal, **extra) -> set[Case]:
    """The cases of the visits that raised the proposal (a death or a move seen
    at the door): its withdrawal is written on their timelines."""
    return set(db.session.scalars(
        select(Case).join(OutreachVisit, OutreachVisit.case_id == Case.id)
        .where(OutreachVisit.proposal_id == proposal.id)))


def _check(actor, village_code: str) -> None:
    if not can(actor, "outreach.visit") or not can_see_village(actor, village_code):
        raise DomainError(_("Desa ini di luar wilayah tugas Anda."))


@dataclass
class Waiting:
    referral: Referral
    clock: st.Clock


def waiting_referrals(user, today: date) -> list[Waiting]:
    """Open referrals of the user's villages that are late, close to late, or paused."""
    require(user, "outreach.visit")
    codes = user.village_codes
    if not codes:
        return []
    extra = cuti_bersama(user.regency_code)
    refs = db.session.scalars(select(Referral).where(
        Referral.village_code.in_(codes), Referral.is_open.is_(True))
        .options(joinedload(Referral.program), joinedload(Referral.case).joinedload(
            Case.beneficiary)).order_by(Referral.due_date, Referral.id)).unique()
    out = [Waiting(r, st.referral_clock(r, today, extra)) for r in refs]
    out = [w for w in out if w.clock.level >= 1 or w.clock.state == "paused"]
    return sorted(out, key=lambda w: (-w.clock.level, w.referral.due_date, w.referral.id))


def open_tasks(user) -> list[FollowUpTask]:
    require(user, "outreach.visit")
    codes = user.village_codes
    if not codes:
        return []
    # A task whose referral has since closed needs no visit. The list shows each
    # task's case, resident, referral and program: loaded with it, not one by one.
    return list(db.session.scalars(select(FollowUpTask).join(Referral).where(
        FollowUpTask.village_code.in_(codes), FollowUpTask.status == "terbuka",
        Referral.is_open.is_(True))
        .options(joinedload(FollowUpTask.case).joinedload(Case.beneficiary),
                 joinedload(FollowUpTask.referral).joinedload(Referral.program))
        .order_by(FollowUpTask.created_at, FollowUpTask.id)))


def pending_proposals(user) -> list[Proposal]:
    require(user, "outreach.visit")
    codes = user.village_codes
    if not codes:
        return []
    return list(db.session.scalars(select(Proposal).where(
        Proposal.village_code.in_(codes), Proposal.status.in_(PROPOSAL_OPEN))
        .order_by(Proposal.id.desc()).limit(200)))


def suggest_next_visit(visited_at: datetime, regency: str) -> datetime:
    """After "not at home": another time of day. People work in the plantations from
    morning to midday, so a morning miss is retried in the late afternoon and an
    afternoon miss early the next working morning."""
    local = visited_at.astimezone(WIB)
    day = local.date()
    extra = cuti_bersama(regency)  # read once: two settings rows
    if local.hour < 12:
        when_day = day if is_working_day(day, extra) else add_working_days(day, 1, extra)
        return datetime.combine(when_day, time(15, 30), WIB)
    return datetime.combine(add_working_days(day, 1, extra), time(6, 30), WIB)


def _store_photo(data: bytes) -> tuple[str, str]:
    """The cleaned photo in the app's file store under a random name: (key, type)."""
    key = f"photos/{secrets.token_hex(16)}.jpg"
    storage.put(key, clean_photo(data), "image/jpeg")
    return key, "image/jpeg"


def _coordinate(value, low: float, high: float, label: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DomainError(_("%(label)s tidak sah.", label=label), "gps") from None
    if not low <= number <= high:
        raise DomainError(_("%(label)s di luar jangkauan.", label=label), "gps")
    return round(number, 6)


def _active_record_of(case: Case) -> RegistryRecord | None:
    person = case.beneficiary
    return db.session.scalars(select(RegistryRecord).where(
        RegistryRecord.nik == person.nik, RegistryRecord.is_active)).first() \
        if person.nik else None


def record_visit(actor, case: Case, *, outcome: str, visited_at: datetime, notes: str,
                 now: datetime, task: FollowUpTask | None = None, photo: bytes | None = None,
                 latitude=None, longitude=None,
                 confirm_stale: bool = False) -> OutreachVisit:
    """confirm_stale: the facilitator ticked "Saya yakin" for a moved/died outcome; the
    registry report it raises refuses to go ahead without it, or without a note.
    The photo goes to the app's file store (slrt/platform/storage.py)."""
    _check(actor, case.village_code)
    if outcome not in VISIT_OUTCOMES:
        raise DomainError(_("Pilih hasil kunjungan."), "outcome")
    if visited_at > now + timedelta(minutes=10):
        raise DomainError(_("Waktu kunjungan tidak boleh di masa depan."), "visited_at")
    if task is not None and task.case_id != case.id:
        raise DomainError(_("Tugas ini bukan untuk kasus ini."))
    if task is not None and task.status != "terbuka":
        _refuse_closed_task(actor, task)
    lat = _coordinate(latitude, -90, 90, _("Lintang"))
    lon = _coordinate(longitude, -180, 180, _("Bujur"))
    if (lat is None) != (lon is None):
        raise DomainError(_("Isi lintang dan bujur sekaligus, atau kosongkan keduanya."), "gps")
    notes = (notes or "").replace("\x00", "").strip()
    stale_record = _active_record_of(case) if outcome in ("pindah", "meninggal") else None
    if stale_record is not None:  # refused before anything is stored
        proposals.check_report(actor, stale_record, outcome, notes, confirmed=confirm_stale)
    visit = OutreachVisit(case_id=case.id, task_id=task.id if task else None,
                          village_code=case.village_code, visited_at=visited_at,
                          outcome=outcome, notes=notes, latitude=lat, longitude=lon,
                          created_by_id=actor.id, created_at=now)
    if photo:
        visit.photo_path, visit.photo_mime = _store_photo(photo)
    event = dict(visited_at=visited_at.isoformat(), outcome=outcome, notes=notes)
    if outcome == "tidak_di_rumah":
        when = suggest_next_visit(visited_at, regency_of(case.village_code))
        why = why_code(when)
        visit.next_visit_code, visit.next_visit_params = why, {"at": when.isoformat()}
        event.update(next_visit=when.isoformat(), next_visit_why=why)
        if task is not None:
            task.next_visit_code, task.next_visit_params = why, {"at": when.isoformat()}
    if outcome in ("pindah", "meninggal"):
        record = stale_record
        if record is not None:
            flag = proposals.report_stale(actor, record, outcome, notes, now=now,
                                          confirmed=confirm_stale)
            visit.proposal_id = flag.proposal_id
            event["stale_proposal"] = flag.proposal.number
        else:
            event["stale_none"] = True
    if task is not None and outcome in CLOSES_TASK and task.status == "terbuka":
        task.status, task.closed_at, task.closed_by_id = "selesai", now, actor.id
    db.session.add(visit)
    db.session.flush()
    event["visit_id"] = visit.id
    if lat is not None:
        event.update(latitude=lat, longitude=lon)
    add_event(case, actor, "kunjungan", now, **event)
    db.session.flush()
    return visit


def _refuse_closed_task(actor, task: FollowUpTask) -> None:
    """A visit logged offline for a task someone else closed meanwhile (another
    facilitator met the family, or the task was closed from the web): it is not
    written under that task; the facilitator may log it on the case alone."""
    who = db.session.get(User, task.closed_by_id) if task.closed_by_id else None
    when = format_date_id(today_wib(task.closed_at)) if task.closed_at else ""
    if who is not None and who.id == actor.id:
        message = _("Tugas ini sudah Anda tutup (%(date)s).", date=when)
    elif who is not None:
        message = _("Tugas ini sudah ditutup oleh petugas lain (%(name)s, %(date)s).",
                    name=who.display_name, date=when)
    else:
        message = _("Tugas ini sudah ditutup oleh petugas lain.")
    raise DomainError(message, "task_id")


def record_contact(actor, case: Case, text: str, *, now: datetime) -> None:
    """A follow-up contact ("called the handler, aid scheduled for Friday")."""
    if not can(actor, "outreach.contact", case):
        raise DomainError(_("Desa ini di luar wilayah tugas Anda."))
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise DomainError(_("Tuliskan hasil kontak tindak lanjut."), "text")
    add_event(case, actor, "tindak_lanjut", now, text=text)
    db.session.flush()


def visits_of(case: Case) -> list[OutreachVisit]:
    return list(db.session.scalars(select(OutreachVisit).where(
        OutreachVisit.case_id == case.id).order_by(OutreachVisit.visited_at.desc())))


def last_visits(case_ids, limit: int) -> dict[int, list[OutreachVisit]]:
    """case id -> its last `limit` visits, newest first (as `visits_of`), for many
    cases in one statement: the visits ranked within each case by a window
    function (SQLite and PostgreSQL alike)."""
    if not case_ids:
        return {}
    newest_first = (OutreachVisit.visited_at.desc(), OutreachVisit.id.desc())
    ranked = select(OutreachVisit.id, func.row_number().over(
        partition_by=OutreachVisit.case_id, order_by=newest_first).label("rank")).where(
        OutreachVisit.case_id.in_(case_ids)).subquery()
    out: dict[int, list[OutreachVisit]] = {}
    for visit in db.session.scalars(
            select(OutreachVisit).join(ranked, ranked.c.id == OutreachVisit.id)
            .where(ranked.c.rank <= limit).order_by(OutreachVisit.case_id, *newest_first)):
        out.setdefault(visit.case_id, []).append(visit)
    return out


def cases_with_referrals(case_ids) -> list[Case]:
    """The cases, in id order, with their referrals and the referrals' programs
    loaded in two more statements, whatever their number."""
    if not case_ids:
        return []
    return list(db.session.scalars(select(Case).where(Case.id.in_(case_ids))
                                   .options(selectinload(Case.referrals)
                                            .selectinload(Referral.program))
                                   .order_by(Case.id)))


def today_label(now: datetime) -> str:
    return format_date_id(today_wib(now))
