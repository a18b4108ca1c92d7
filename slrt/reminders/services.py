"""Pause and resume a referral's clock; the reminder sweep (generate, digest, deliver).

`send_due(now)` is the one entry point of the scheduler and of
`flask reminders send-due`. Each phase commits on its own and every send is
claimed first by an UPDATE ... WHERE status=<the status read>, so a sweep
run twice, or by two processes at the same moment, sends each reminder,
digest and delivery exactly once (on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError

from slrt.auth.models import User, UserProgram, UserVillage
from slrt.cases.services import add_event
from slrt.common.errors import DomainError
from slrt.common.time import WIB, format_date_id, today_wib
from slrt.common.workdays import add_working_days, working_days_between
from slrt.extensions import db
from slrt.referrals.models import Program, Referral
from slrt.referrals.workflow import sides_of
from slrt.regions.models import Region
from slrt.reminders import status as st
from slrt.reminders.models import (
    STAGES,
    Delivery,
    DigestRun,
    FollowUpTask,
    Notification,
    ReferralPause,
    Reminder,
    ReminderMark,
    UnitSupervisor,
)

STALE_CLAIM = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=6)
DIGEST_LIST_LIMIT = 60


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


# ------------------------------------------------------------------ pause / resume

def _check_version(referral: Referral, expected_version: int | None) -> None:
    from slrt.referrals.services import _check_version as check

    check(referral, expected_version)


def pause(actor, referral: Referral, reason: str, *, now: datetime,
          expected_version: int | None = None) -> ReferralPause:
    """Stop the clock with a reason (waiting for the resident's documents...)."""
    _check_version(referral, expected_version)
    if not sides_of(actor, referral):
        raise DomainError(_("Anda tidak berwenang menjeda rujukan ini."))
    if not referral.is_open:
        raise DomainError(_("Rujukan yang sudah selesai tidak dapat dijeda."))
    if referral.paused_at is not None:
        raise DomainError(_("Rujukan ini sedang dijeda."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Alasan jeda wajib diisi (misalnya: menunggu dokumen warga)."),
                          "reason")
    row = ReferralPause(referral_id=referral.id, reason=reason, started_at=now,
                        started_by_id=actor.id)
    db.session.add(row)
    referral.paused_at = now
    referral.pause_reason = reason
    referral.updated_at = now
    add_event(referral.case, actor, "rujukan_jeda",
              _("%(number)s: waktu layanan dijeda. Alasan: %(reason)s",
                number=referral.number, reason=reason), now,
              {"referral_id": referral.id, "action": "jeda"})
    db.session.flush()
    return row


def resume(actor, referral: Referral, *, now: datetime, note: str = "",
           expected_version: int | None = None) -> int:
    """Restart the clock; the working days paused move the due date. Returns them."""
    _check_version(referral, expected_version)
    if not sides_of(actor, referral):
        raise DomainError(_("Anda tidak berwenang melanjutkan rujukan ini."))
    if referral.paused_at is None:
        raise DomainError(_("Rujukan ini tidak sedang dijeda."))
    extra = st.cuti_bersama()
    lost = max(0, working_days_between(today_wib(referral.paused_at), today_wib(now), extra))
    row = db.session.scalars(select(ReferralPause).where(
        ReferralPause.referral_id == referral.id, ReferralPause.ended_at.is_(None))
        .order_by(ReferralPause.id.desc())).first()
    if row is not None:
        row.ended_at, row.ended_by_id, row.working_days = now, actor.id, lost
    old_due = referral.due_date
    if lost:
        referral.due_date = add_working_days(old_due, lost, extra)
    referral.paused_at = None
    referral.pause_reason = ""
    referral.updated_at = now
    message = _("%(number)s: jeda selesai setelah %(n)d hari kerja; batas layanan %(due)s.",
                number=referral.number, n=lost, due=format_date_id(referral.due_date))
    if note.strip():
        message += " " + _("Keterangan: %(note)s", note=note.strip())
    add_event(referral.case, actor, "rujukan_lanjut", message, now,
              {"referral_id": referral.id, "action": "lanjut", "old_due": old_due.isoformat(),
               "due": referral.due_date.isoformat()})
    db.session.flush()
    return lost


# ------------------------------------------------------------------ who is told

@dataclass
class Directory:
    """Recipients by program, unit and village, read once per sweep."""

    handlers: dict[str, list[int]]
    unit_of: dict[str, str]
    service_days: dict[str, int]
    unit_supervisors: dict[str, list[int]]
    regency_supervisors: list[int]
    facilitators: dict[str, list[int]]

    @classmethod
    def load(cls) -> Directory:
        handlers: dict[str, list[int]] = defaultdict(list)
        for uid, code in db.session.execute(
                select(UserProgram.user_id, UserProgram.program_code).join(User)
                .where(User.role == "handler", User.is_active_flag)
                .order_by(UserProgram.user_id)):
            handlers[code].append(uid)
        unit_of, days = {}, {}
        for code, unit, sd in db.session.execute(
                select(Program.code, Program.unit, Program.service_days)):
            unit_of[code], days[code] = unit, sd
        unit_sups: dict[str, list[int]] = defaultdict(list)
        for unit, uid in db.session.execute(
                select(UnitSupervisor.unit, UnitSupervisor.user_id).join(User)
                .where(User.is_active_flag).order_by(UnitSupervisor.user_id)):
            unit_sups[unit].append(uid)
        # A supervisor who supervises a unit is that unit's, not the regency's.
        regency = list(db.session.scalars(select(User.id).where(
            User.role == "supervisor", User.is_active_flag,
            User.id.not_in(select(UnitSupervisor.user_id))).order_by(User.id)))
        facs: dict[str, list[int]] = defaultdict(list)
        for uid, code in db.session.execute(
                select(UserVillage.user_id, UserVillage.village_code).join(User)
                .where(User.role == "fasilitator", User.is_active_flag)
                .order_by(UserVillage.user_id)):
            facs[code].append(uid)
        return cls(dict(handlers), unit_of, days, dict(unit_sups), regency, dict(facs))

    def recipients(self, stage: str, program: str, assigned_to: int | None,
                   village: str) -> list[int]:
        """The ladder: handler(s); + the unit supervisor; + the regency supervisor and
        the village facilitator."""
        out = [assigned_to] if assigned_to else list(self.handlers.get(program, []))
        if stage in ("overdue", "escalated"):
            # Without a unit supervisor configured, the regency supervisor stands in.
            out += self.unit_supervisors.get(self.unit_of.get(program, ""), []) \
                or self.regency_supervisors
        if stage == "escalated":
            out += self.regency_supervisors + self.facilitators.get(village, [])
        return list(dict.fromkeys(out))


def unit_supervisors_of(program: Program) -> list[User]:
    return list(db.session.scalars(select(User).join(UnitSupervisor).where(
        UnitSupervisor.unit == program.unit, User.is_active_flag)))


# ------------------------------------------------------------------ the sweep

@dataclass
class SweepReport:
    at: datetime
    due_referrals: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    reminders_created: int = 0
    tasks_created: int = 0
    cancelled: int = 0
    urgent_notices: int = 0
    digests: int = 0
    delivered: int = 0
    failed: int = 0
    lines: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        wib = self.at.astimezone(WIB)
        states = ", ".join(f"{st.STATES[k].lower()} {v}" for k, v in sorted(self.by_state.items()))
        return [
            f"Pengingat per {wib:%Y-%m-%d %H.%M} WIB",
            f"Rujukan perlu pengingat: {self.due_referrals}" + (f" ({states})" if states else ""),
            f"Pengingat baru: {self.reminders_created}; dibatalkan (ditutup/dijeda): "
            f"{self.cancelled}",
            f"Tugas tindak lanjut fasilitator baru: {self.tasks_created}",
            f"Pemberitahuan segera: {self.urgent_notices}; ringkasan harian: {self.digests}",
            f"Pengiriman e-mail/webhook: {self.delivered} terkirim, {self.failed} gagal "
            "(dicoba lagi)",
            *self.lines,
        ]


def _retrying(fn, *args, attempts: int = 8):
    """SQLite refuses a second writer with "database is locked" past the busy
    timeout; the phase is retried from the start (it is idempotent)."""
    for i in range(attempts):
        try:
            return fn(*args)
        except OperationalError as e:
            db.session.rollback()
            if "locked" not in str(e).lower() or i == attempts - 1:
                raise
            time.sleep(0.05 * (i + 1))
    return None


def due_rows(today: date, extra: frozenset[date], service_days: dict[str, int]):
    """Open, running referrals that need a reminder today (per program, by the queue
    index), with the stage already reminded for their due date, if any."""
    c = st.cutoffs(today, extra)
    cols = (Referral.id, Referral.program_code, Referral.due_date, Referral.urgency,
            Referral.assigned_to_id, Referral.village_code, Referral.case_id,
            ReminderMark.due_date, ReminderMark.stage)
    rows = []
    for code, days in sorted(service_days.items()):
        until = c.at_risk_until(days, extra)
        rows += db.session.execute(select(*cols).outerjoin(
            ReminderMark, ReminderMark.referral_id == Referral.id).where(
            Referral.program_code == code, Referral.is_open.is_(True),
            Referral.paused_at.is_(None),
            or_(Referral.due_date <= until, Referral.urgency.in_(st.URGENT)))).all()
    return rows, c


def generate(now: datetime, report: SweepReport | None = None) -> SweepReport:
    """Insert the reminder rows (and facilitator tasks) due as of `now`; idempotent.

    A referral already reminded at its current stage for its current due date is
    skipped (reminder_marks); the unique keys make a concurrent sweep harmless."""
    report = report or SweepReport(at=now)
    today = today_wib(now)
    extra = st.cuti_bersama()
    d = Directory.load()
    rows, c = due_rows(today, extra, d.service_days)
    until = {code: c.at_risk_until(days, extra) for code, days in d.service_days.items()}
    reminders, tasks, marks = [], [], []
    by_state: dict[str, int] = defaultdict(int)
    for rid, program, due, urgency, assigned, village, case_id, mark_due, mark_stage in rows:
        stage = st.state_from_cutoffs(due, urgency, until[program], c)
        if stage == "on_track":
            continue
        by_state[stage] += 1
        if mark_due == due and st.LEVELS[mark_stage] >= st.LEVELS[stage]:
            continue
        immediate = urgency in st.URGENT
        for uid in d.recipients(stage, program, assigned, village):
            reminders.append({"referral_id": rid, "stage": stage, "recipient_id": uid,
                              "due_date": due, "immediate": immediate, "status": "menunggu",
                              "claim": "", "created_at": now})
        if stage == "escalated":
            tasks.append({"referral_id": rid, "case_id": case_id, "village_code": village,
                          "due_date": due, "status": "terbuka", "created_at": now,
                          "reason": "", "suggested_visit": ""})
        marks.append({"referral_id": rid, "due_date": due, "stage": stage})
    report.due_referrals = sum(by_state.values())
    report.by_state = dict(by_state)

    def write():
        # RETURNING counts only the rows this process inserted (not the conflicts).
        conn = db.session.connection()
        created = created_tasks = 0
        for i in range(0, len(reminders), 5000):
            created += len(conn.execute(
                _insert(Reminder.__table__).on_conflict_do_nothing()
                .returning(Reminder.__table__.c.id), reminders[i:i + 5000]).all())
        for i in range(0, len(tasks), 5000):
            created_tasks += len(conn.execute(
                _insert(FollowUpTask.__table__).on_conflict_do_nothing()
                .returning(FollowUpTask.__table__.c.id), tasks[i:i + 5000]).all())
        table = ReminderMark.__table__
        for i in range(0, len(marks), 5000):
            stmt = _insert(table)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=[table.c.referral_id],
                set_={"due_date": stmt.excluded.due_date, "stage": stmt.excluded.stage}),
                marks[i:i + 5000])
        db.session.commit()
        report.reminders_created, report.tasks_created = created, created_tasks

    if reminders or tasks or marks:
        _retrying(write)
    return report


def _cancel_stale(now: datetime, report: SweepReport) -> None:
    """Nothing is sent for a referral closed or paused since its reminder was made."""
    def run():
        stopped = select(Referral.id).where(or_(Referral.is_open.is_(False),
                                                Referral.paused_at.is_not(None)))
        res = db.session.execute(update(Reminder).where(
            Reminder.status == "menunggu", Reminder.referral_id.in_(stopped))
            .values(status="batal", sent_at=now))
        report.cancelled += res.rowcount or 0
        db.session.commit()
    _retrying(run)


def _items_of(claim: str):
    return db.session.execute(
        select(Reminder.id, Reminder.recipient_id, Reminder.stage, Referral.id, Referral.number,
               Referral.due_date, Program.name, Region.name, Referral.urgency)
        .join(Referral, Reminder.referral_id == Referral.id)
        .join(Program, Referral.program_code == Program.code)
        .join(Region, Referral.village_code == Region.code)
        .where(Reminder.claim == claim)
        .order_by(Reminder.recipient_id, Referral.due_date, Referral.id)).all()


def _body(items) -> tuple[list[str], str]:
    """Plain lines grouped by stage, and the first link. No resident's name or NIK:
    the messages leave the system by e-mail and SMS."""
    lines, link = [], ""
    for stage in ("escalated", "overdue", "at_risk"):
        group = [i for i in items if i[2] == stage]
        if not group:
            continue
        lines.append(f"{STAGES[stage]} ({len(group)}):")
        for i in group[:DIGEST_LIST_LIMIT]:
            urgent = " · DARURAT" if i[8] in st.URGENT else ""
            lines.append(f"- {i[4]} · {i[6]} · {i[7]} · batas {format_date_id(i[5])}{urgent}")
            link = link or f"/rujukan/{i[3]}"
        if len(group) > DIGEST_LIST_LIMIT:
            lines.append(f"- dan {len(group) - DIGEST_LIST_LIMIT} rujukan lainnya")
    return lines, link


def _notify(user_id: int, kind: str, title: str, lines: list[str], link: str,
            now: datetime) -> Notification:
    n = Notification(user_id=user_id, kind=kind, title=title, body="\n".join(lines), link=link,
                     created_at=now)
    db.session.add(n)
    db.session.flush()
    user = db.session.get(User, user_id)
    cfg = current_app.config
    if cfg.get("MAIL_SERVER") and user.email:
        db.session.add(Delivery(notification_id=n.id, channel="email", target=user.email,
                                status="menunggu", next_attempt_at=now, created_at=now))
    if cfg.get("WEBHOOK_URL") and user.phone:
        db.session.add(Delivery(notification_id=n.id, channel="webhook", target=user.phone,
                                status="menunggu", next_attempt_at=now, created_at=now))
    return n


def _send_claimed(claim: str, kind: str, title_of, now: datetime) -> int:
    items = _items_of(claim)
    by_user: dict[int, list] = defaultdict(list)
    for i in items:
        by_user[i[1]].append(i)
    for uid, group in by_user.items():
        lines, link = _body(group)
        n = _notify(uid, kind, title_of(len(group)), lines, link, now)
        db.session.execute(update(Reminder).where(
            Reminder.claim == claim, Reminder.recipient_id == uid)
            .values(notification_id=n.id))
    return len(by_user)


def send_urgent(now: datetime, report: SweepReport) -> None:
    """Urgent (darurat) referrals: a notice at once, not tomorrow's digest."""
    def run():
        claim = uuid.uuid4().hex
        res = db.session.execute(update(Reminder).where(
            Reminder.status == "menunggu", Reminder.immediate.is_(True))
            .values(status="terkirim", claim=claim, sent_at=now))
        if res.rowcount:
            report.urgent_notices += _send_claimed(
                claim, "segera", lambda n: _("Segera: %(n)d rujukan darurat perlu tindakan", n=n),
                now)
        db.session.commit()
    _retrying(run)


def send_digests(now: datetime, report: SweepReport) -> None:
    """From the digest hour on, one digest per person per day with what is pending."""
    local = now.astimezone(WIB)
    if local.hour < int(current_app.config.get("REMINDER_DIGEST_HOUR", 8)):
        return
    day = local.date()
    users = list(db.session.scalars(select(Reminder.recipient_id).where(
        Reminder.status == "menunggu").distinct().order_by(Reminder.recipient_id)))
    db.session.commit()
    for uid in users:
        def run(uid=uid):
            table = DigestRun.__table__
            took = db.session.connection().execute(_insert(table).values(
                user_id=uid, day=day, created_at=now).on_conflict_do_nothing()
                .returning(table.c.user_id)).first()
            if took is None:  # someone else built today's digest for this person
                db.session.rollback()
                return
            claim = uuid.uuid4().hex
            db.session.execute(update(Reminder).where(
                Reminder.status == "menunggu", Reminder.recipient_id == uid)
                .values(status="terkirim", claim=claim, sent_at=now))
            report.digests += _send_claimed(
                claim, "ringkasan",
                lambda n: _("Ringkasan pengingat %(day)s: %(n)d rujukan perlu perhatian",
                            day=format_date_id(day), n=n), now)
            db.session.commit()
        _retrying(run)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after each failure, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_pending(now: datetime, report: SweepReport) -> None:
    """Send the e-mail and webhook deliveries that are due; record each outcome."""
    from slrt.reminders import channels

    due = db.session.execute(select(Delivery.id, Delivery.status, Delivery.claim).where(or_(
        and_(Delivery.status.in_(("menunggu", "gagal")), Delivery.next_attempt_at <= now),
        and_(Delivery.status == "mengirim", Delivery.claimed_at < now - STALE_CLAIM)))
        .order_by(Delivery.id)).all()
    db.session.commit()
    for did, old_status, old_claim in due:
        claim = uuid.uuid4().hex

        def take(did=did, old_status=old_status, old_claim=old_claim, claim=claim):
            res = db.session.execute(update(Delivery).where(
                Delivery.id == did, Delivery.status == old_status, Delivery.claim == old_claim)
                .values(status="mengirim", claim=claim, claimed_at=now))
            db.session.commit()
            return res.rowcount == 1

        if not _retrying(take):
            continue
        delivery = db.session.get(Delivery, did)
        n = delivery.notification
        try:
            if delivery.channel == "email":
                channels.send_email(current_app.config, delivery.target, n)
            else:
                channels.send_webhook(current_app.config, delivery.target, n)
        except Exception as e:  # noqa: BLE001 - any failure is recorded and retried
            error = f"{type(e).__name__}: {e}"[:500]
            values = {"status": "gagal", "attempts": Delivery.attempts + 1,
                      "next_attempt_at": now + backoff(delivery.attempts + 1),
                      "last_error": error}
            report.failed += 1
            report.lines.append(f"Gagal {delivery.channel} ke {delivery.target}: {error}")
        else:
            values = {"status": "terkirim", "attempts": Delivery.attempts + 1,
                      "sent_at": now, "last_error": ""}
            report.delivered += 1
        db.session.rollback()

        def record(did=did, claim=claim, values=values):
            db.session.execute(update(Delivery).where(
                Delivery.id == did, Delivery.claim == claim).values(**values))
            db.session.commit()
        _retrying(record)


def send_due(now: datetime) -> SweepReport:
    """Everything due as of `now`: generate, cancel, urgent notices, digests, deliveries."""
    report = SweepReport(at=now)
    generate(now, report)
    _cancel_stale(now, report)
    send_urgent(now, report)
    send_digests(now, report)
    deliver_pending(now, report)
    return report


def retry_delivery(delivery: Delivery, now: datetime) -> None:
    if delivery.status != "gagal":
        raise DomainError(_("Hanya pengiriman yang gagal yang dapat dicoba ulang."))
    delivery.next_attempt_at = now


# ------------------------------------------------------------------ inbox

def unread_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(user, ids: list[int] | None, now: datetime) -> int:
    stmt = update(Notification).where(Notification.user_id == user.id,
                                      Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    return db.session.execute(stmt.values(read_at=now)).rowcount or 0
