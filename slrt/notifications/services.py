"""The reminder sweep (generate, digest, deliver).

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
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError

from slrt.auth.models import User
from slrt.common.errors import DomainError
from slrt.common.time import WIB, format_date_id, today_wib
from slrt.common.workdays import cuti_bersama
from slrt.extensions import db
from slrt.notifications import status as st
from slrt.notifications.directory import Directory
from slrt.notifications.models import (
    STAGES,
    Delivery,
    DigestRun,
    Notification,
    Reminder,
    ReminderMark,
)
from slrt.referrals.models import Program, Referral
from slrt.regions.models import Region

STALE_CLAIM = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=6)
DIGEST_LIST_LIMIT = 60


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


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
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase

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


def _executemany(sql: str, rows: list[tuple], *, dates=(), stamps=()) -> int:
    """executemany through the driver, the values converted as the column types would."""
    if not rows:
        return 0
    conn = db.session.connection()
    dialect = conn.dialect
    date_proc = Reminder.__table__.c.due_date.type.bind_processor(dialect) or (lambda v: v)
    stamp_proc = Reminder.__table__.c.created_at.type.bind_processor(dialect) or (lambda v: v)
    converted: dict = {}
    out = []
    for row in rows:
        row = list(row)
        for i in dates:
            v = row[i]
            row[i] = converted[v] if v in converted else converted.setdefault(v, date_proc(v))
        for i in stamps:
            v = row[i]
            row[i] = converted[v] if v in converted else converted.setdefault(v, stamp_proc(v))
        out.append(tuple(row))
    if dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    total = 0
    for i in range(0, len(out), 10000):
        total += conn.exec_driver_sql(sql, out[i:i + 10000]).rowcount
    return total


def generate(now: datetime, report: SweepReport | None = None) -> SweepReport:
    """Insert the reminder rows (and facilitator tasks) due as of `now`; idempotent.

    A referral already reminded at its current stage for its current due date is
    skipped (reminder_marks); the unique keys make a concurrent sweep harmless."""
    report = report or SweepReport(at=now)
    today = today_wib(now)
    d = Directory.load()
    pending: list = []  # (row, the cutoffs of its regency's calendar, its at-risk date)
    for regency, service_days in sorted(d.programs_by_regency().items()):
        extra = cuti_bersama(regency)
        rows, c = due_rows(today, extra, service_days)
        until = {code: c.at_risk_until(days, extra) for code, days in service_days.items()}
        pending += [(row, c, until[row[1]]) for row in rows]
    reminders, tasks, marks = [], [], []
    by_state: dict[str, int] = defaultdict(int)
    for row, c, at_risk_until in pending:
        rid, program, due, urgency, assigned, village, case_id, mark_due, mark_stage = row
        stage = st.state_from_cutoffs(due, urgency, at_risk_until, c)
        if stage == "on_track":
            continue
        by_state[stage] += 1
        if mark_due == due and st.LEVELS[mark_stage] >= st.LEVELS[stage]:
            continue
        immediate = urgency in st.URGENT
        for uid in d.recipients(stage, program, assigned, village):
            reminders.append((rid, stage, uid, due, immediate, now))
        if stage == "escalated":
            tasks.append((rid, case_id, village, due, now))
        marks.append((rid, due, stage))
    report.due_referrals = sum(by_state.values())
    report.by_state = dict(by_state)

    def write():
        # Plain driver-level executemany: at 100,000 open referrals a sweep writes a few
        # hundred thousand rows and SQLAlchemy's per-row parameter processing would cost
        # more than the database. ON CONFLICT DO NOTHING + rowcount counts only the rows
        # this process inserted.
        created = _executemany(
            "INSERT INTO reminders (referral_id, stage, recipient_id, due_date, immediate,"
            " status, claim, created_at) VALUES (?, ?, ?, ?, ?, 'menunggu', '', ?)"
            " ON CONFLICT DO NOTHING", reminders, dates=(3,), stamps=(5,))
        created_tasks = _executemany(
            "INSERT INTO follow_up_tasks (referral_id, case_id, village_code, due_date, reason,"
            " status, created_at) VALUES (?, ?, ?, ?, '', 'terbuka', ?)"
            " ON CONFLICT DO NOTHING", tasks, dates=(3,), stamps=(4,))
        _executemany(
            "INSERT INTO reminder_marks (referral_id, due_date, stage) VALUES (?, ?, ?)"
            " ON CONFLICT (referral_id) DO UPDATE SET due_date = excluded.due_date,"
            " stage = excluded.stage", marks, dates=(1,))
        db.session.commit()
        report.reminders_created, report.tasks_created = created, created_tasks

    if reminders or tasks or marks:
        _retrying(write)
    return report


def _cancel_stale(now: datetime, report: SweepReport) -> None:
    """Nothing is sent for a referral closed or paused since its reminder was made, nor
    for a due date that has since moved (a resumed pause)."""
    def run():
        stale = select(Referral.id).where(
            Referral.id == Reminder.referral_id,
            or_(Referral.is_open.is_(False), Referral.paused_at.is_not(None),
                Referral.due_date != Reminder.due_date)).exists()
        res = db.session.connection().execute(update(Reminder.__table__).where(
            Reminder.status == "menunggu", stale).values(status="batal", sent_at=now))
        report.cancelled += res.rowcount or 0
        db.session.commit()
    _retrying(run)


def _items_of(claim: str, recipient_id: int | None = None):
    """The claimed reminders, at most DIGEST_LIST_LIMIT + 1 per stage, and the count per
    stage (a digest lists the first ones and says how many more)."""
    base = (select(Reminder.id, Reminder.recipient_id, Reminder.stage, Referral.id,
                   Referral.number, Referral.due_date, Program.name, Region.name,
                   Referral.urgency)
            .join(Referral, Reminder.referral_id == Referral.id)
            .join(Program, Referral.program_code == Program.code)
            .join(Region, Referral.village_code == Region.code)
            .where(Reminder.claim == claim))
    if recipient_id is not None:
        base = base.where(Reminder.recipient_id == recipient_id)
    counts = dict(db.session.execute(select(Reminder.stage, func.count()).where(
        Reminder.claim == claim).group_by(Reminder.stage)).all()) if recipient_id else {}
    rows = []
    for stage in ("escalated", "overdue", "at_risk"):
        if recipient_id is not None and not counts.get(stage):
            continue
        rows += db.session.execute(base.where(Reminder.stage == stage).order_by(
            Reminder.recipient_id, Referral.due_date, Referral.id)
            .limit(DIGEST_LIST_LIMIT + 1 if recipient_id is not None else None)).all()
    return rows, counts


def _body(items, counts: dict | None = None) -> tuple[list[str], str]:
    """Plain lines grouped by stage, and the first link. No resident's name or NIK:
    the messages leave the system by e-mail and SMS."""
    lines, link = [], ""
    for stage in ("escalated", "overdue", "at_risk"):
        group = [i for i in items if i[2] == stage]
        if not group:
            continue
        total = (counts or {}).get(stage, len(group))
        lines.append(f"{STAGES[stage]} ({total}):")
        for i in group[:DIGEST_LIST_LIMIT]:
            urgent = " · DARURAT" if i[8] in st.URGENT else ""
            lines.append(f"- {i[4]} · {i[6]} · {i[7]} · batas {format_date_id(i[5])}{urgent}")
            link = link or f"/rujukan/{i[3]}"
        if total > DIGEST_LIST_LIMIT:
            lines.append(f"- dan {total - DIGEST_LIST_LIMIT} rujukan lainnya")
    return lines, link


def _fill(n: Notification, title: str, lines: list[str], link: str, now: datetime) -> None:
    """Write the notification's text and queue its outside deliveries."""
    n.title, n.body, n.link = title, "\n".join(lines), link
    user = db.session.get(User, n.user_id)
    cfg = current_app.config
    if cfg.get("MAIL_SERVER") and user.email:
        db.session.add(Delivery(notification_id=n.id, channel="email", target=user.email,
                                status="menunggu", next_attempt_at=now, created_at=now))
    if cfg.get("WEBHOOK_URL") and user.phone:
        db.session.add(Delivery(notification_id=n.id, channel="webhook", target=user.phone,
                                status="menunggu", next_attempt_at=now, created_at=now))


def _notify(user_id: int, kind: str, title: str, lines: list[str], link: str,
            now: datetime) -> Notification:
    n = Notification(user_id=user_id, kind=kind, title="", body="", created_at=now)
    db.session.add(n)
    db.session.flush()
    _fill(n, title, lines, link, now)
    return n


def _send_claimed(claim: str, kind: str, title_of, now: datetime) -> int:
    items, _counts = _items_of(claim)
    by_user: dict[int, list] = defaultdict(list)
    for i in items:
        by_user[i[1]].append(i)
    for uid, group in by_user.items():
        lines, link = _body(group)
        n = _notify(uid, kind, title_of(len(group)), lines, link, now)
        db.session.connection().execute(update(Reminder.__table__).where(
            Reminder.claim == claim, Reminder.recipient_id == uid)
            .values(notification_id=n.id))
    return len(by_user)


def send_urgent(now: datetime, report: SweepReport) -> None:
    """Urgent (darurat) referrals: a notice at once, not tomorrow's digest."""
    def run():
        claim = uuid.uuid4().hex
        res = db.session.connection().execute(update(Reminder.__table__).where(
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
            n = Notification(user_id=uid, kind="ringkasan", title="", body="", created_at=now)
            db.session.add(n)
            db.session.flush()
            res = db.session.connection().execute(update(Reminder.__table__).where(
                Reminder.status == "menunggu", Reminder.recipient_id == uid)
                .values(status="terkirim", claim=claim, sent_at=now, notification_id=n.id))
            if not res.rowcount:
                db.session.rollback()
                return
            items, counts = _items_of(claim, uid)
            lines, link = _body(items, counts)
            _fill(n, _("Ringkasan pengingat %(day)s: %(n)d rujukan perlu perhatian",
                       day=format_date_id(day), n=sum(counts.values())), lines, link, now)
            report.digests += 1
            db.session.commit()
        _retrying(run)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after each failure, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_pending(now: datetime, report: SweepReport) -> None:
    """Send the e-mail and webhook deliveries that are due; record each outcome."""
    from slrt.notifications import channels

    due = db.session.execute(select(Delivery.id, Delivery.status, Delivery.claim).where(or_(
        and_(Delivery.status.in_(("menunggu", "gagal")), Delivery.next_attempt_at <= now),
        and_(Delivery.status == "mengirim", Delivery.claimed_at < now - STALE_CLAIM)))
        .order_by(Delivery.id)).all()
    db.session.commit()
    for did, old_status, old_claim in due:
        claim = uuid.uuid4().hex

        def take(did=did, old_status=old_status, old_claim=old_claim, claim=claim):
            res = db.session.connection().execute(update(Delivery.__table__).where(
                Delivery.id == did, Delivery.status == old_status, Delivery.claim == old_claim)
                .values(status="mengirim", claim=claim, claimed_at=now))
            db.session.commit()
            return res.rowcount == 1

        if not _retrying(take):
            continue
        delivery = db.session.get(Delivery, did)
        n = delivery.notification
        try:
            if delivery.channel in channels.SENDERS:
                channels.SENDERS[delivery.channel](current_app.config, delivery)
            elif delivery.channel == "email":
                channels.send_email(current_app.config, delivery.target, n)
            elif delivery.channel == "webhook":
                channels.send_webhook(current_app.config, delivery.target, n)
            else:
                raise RuntimeError(f"no sender for channel {delivery.channel!r}")
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
            db.session.connection().execute(update(Delivery.__table__).where(
                Delivery.id == did, Delivery.claim == claim).values(**values))
            db.session.commit()
        _retrying(record)


def send_due(now: datetime) -> SweepReport:
    """Everything due as of `now`: generate, cancel, urgent notices, digests, deliveries."""
    report = SweepReport(at=now)
    for phase in (generate, _cancel_stale, send_urgent, send_digests, deliver_pending):
        t0 = time.perf_counter()
        phase(now, report)
        report.timings[phase.__name__.strip("_")] = time.perf_counter() - t0
    return report


def retry_delivery(delivery: Delivery, now: datetime) -> None:
    if delivery.status != "gagal":
        raise DomainError(_("Hanya pengiriman yang gagal yang dapat dicoba ulang."))
    delivery.next_attempt_at = now


# ------------------------------------------------------------------ inbox

def unread_count(user) -> int:
    """The badge on every page: one prepared statement on the connection."""
    return db.session.connection().execute(_unread_statement(), {"user_id": user.id}
                                           ).scalar() or 0


@cache
def _unread_statement():
    table = Notification.__table__
    return select(func.count()).select_from(table).where(
        table.c.user_id == bindparam("user_id"), table.c.read_at.is_(None))


def mark_read(user, ids: list[int] | None, now: datetime) -> int:
    stmt = update(Notification).where(Notification.user_id == user.id,
                                      Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    return db.session.execute(stmt.values(read_at=now)).rowcount or 0
