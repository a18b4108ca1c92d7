"""Pause and resume a referral's clock: the working days it stood still move
the due date (the reminders read the clock, slrt/notifications/status.py)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from slrt.cases.services import add_event
from slrt.common.errors import DomainError
from slrt.common.permissions import regency_of
from slrt.common.time import today_wib
from slrt.common.workdays import add_working_days, cuti_bersama, working_days_between
from slrt.extensions import db
from slrt.referrals.models import Referral, ReferralPause
from slrt.referrals.services import _check_version
from slrt.referrals.workflow import sides_of


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
    add_event(referral.case, actor, "rujukan_jeda", now, referral_id=referral.id,
              action="jeda", number=referral.number, reason=reason)
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
    extra = cuti_bersama(regency_of(referral.village_code))
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
    add_event(referral.case, actor, "rujukan_lanjut", now, referral_id=referral.id,
              action="lanjut", number=referral.number, days=lost, old_due=old_due.isoformat(),
              due=referral.due_date.isoformat(), note=note.strip())
    db.session.flush()
    return lost
