"""Inbox, pause/resume of a referral's clock, the admin's reminder settings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from slrt.auth.models import User
from slrt.common.errors import DomainError
from slrt.common.permissions import HANDLER, SUPERVISOR, permission_required
from slrt.common.routing_ids import parse_id
from slrt.common.templating import form_page
from slrt.common.time import now_utc, today_wib
from slrt.common.workdays import cuti_bersama, national_days_off, set_cuti_bersama
from slrt.extensions import db
from slrt.notifications import services
from slrt.notifications import status as st
from slrt.notifications.forms import HolidaysForm
from slrt.notifications.models import Delivery, Notification, UnitSupervisor
from slrt.referrals import pauses
from slrt.referrals import queries as referral_queries
from slrt.referrals.models import Program
from slrt.referrals.views import act_on_referral

bp = Blueprint("reminders", __name__)


@bp.app_context_processor
def inbox_counter():
    """The menu's unread count, loaded before the page renders (the template
    runs no query of its own)."""
    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": services.unread_count(current_user)}


@bp.get("/pemberitahuan")
@permission_required("inbox.read")
def inbox():
    rows = list(db.session.scalars(select(Notification).where(
        Notification.user_id == current_user.id).order_by(Notification.id.desc()).limit(200)))
    return render_template("reminders/inbox.html", rows=rows)


@bp.post("/pemberitahuan/baca")
@permission_required("inbox.read")
def mark_read():
    ids = None
    if request.form.get("semua") != "1":
        ids = [i for i in map(parse_id, request.form.getlist("ids")) if i][:200]
    n = services.mark_read(current_user, ids, now_utc())
    flash(_("%(n)d pemberitahuan ditandai sudah dibaca.", n=n), "success")
    return redirect(url_for("reminders.inbox"))


def _referral_action(referral_id: int, fn):
    return act_on_referral(referral_queries.get_referral_for(current_user, referral_id), fn)


@bp.post("/rujukan/<id:referral_id>/jeda")
@permission_required("referral.pause")
def pause(referral_id: int):
    def run(referral, version):
        pauses.pause(current_user, referral, request.form.get("reason", "")[:2000],
                       now=now_utc(), expected_version=version)
        flash(_("Waktu layanan %(n)s dijeda.", n=referral.number), "success")
    return _referral_action(referral_id, run)


@bp.post("/rujukan/<id:referral_id>/lanjutkan")
@permission_required("referral.pause")
def resume(referral_id: int):
    def run(referral, version):
        lost = pauses.resume(current_user, referral, now=now_utc(),
                               note=request.form.get("reason", "")[:2000],
                               expected_version=version)
        flash(_("Waktu layanan %(n)s berjalan lagi; batas layanan digeser %(d)d hari kerja.",
                n=referral.number, d=lost), "success")
    return _referral_action(referral_id, run)


# ------------------------------------------------------------------ admin

@bp.get("/admin/pengingat")
@permission_required("settings.reminders")
def settings():
    adjust = cuti_bersama(current_user.regency_code)
    form = HolidaysForm()
    form.days.data = "\n".join(d.isoformat() for d in sorted(adjust))
    form.worked.data = "\n".join(d.isoformat() for d in sorted(adjust.removed))
    return _settings_page(form)


def _settings_page(form: HolidaysForm):
    """The settings page around the holidays form: 422 with the form as typed
    when it was refused."""
    regency = current_user.regency_code
    units = _units(regency)
    chosen: dict[str, set[int]] = {}
    for row in db.session.scalars(select(UnitSupervisor).join(User).where(
            User.regency_code == regency)):
        chosen.setdefault(row.unit, set()).add(row.user_id)
    candidates = list(db.session.scalars(select(User).where(
        User.role.in_((HANDLER, SUPERVISOR)), User.is_active_flag,
        User.regency_code == regency).order_by(User.full_name)))
    deliveries = list(db.session.scalars(_deliveries(regency).where(
        Delivery.status.in_(("gagal", "mengirim", "menunggu"))).order_by(Delivery.id.desc())
        .limit(200)))
    recent = list(db.session.scalars(_deliveries(regency).where(Delivery.status == "terkirim")
                                     .order_by(Delivery.id.desc()).limit(20)))
    year = today_wib().year
    national = {**national_days_off(year), **national_days_off(year + 1)}
    return form_page("reminders/settings.html", form, units=units, chosen=chosen,
                     candidates=candidates, deliveries=deliveries, recent=recent,
                     national=national, escalate=st.escalate_after())


def _units(regency: str) -> list[str]:
    """The units of the regency's programs."""
    return sorted({u for u in db.session.scalars(select(Program.unit).where(
        Program.regency_code == regency)) if u})


def _deliveries(regency: str):
    """The deliveries to the accounts of a regency (its admin's to watch)."""
    return select(Delivery).join(Notification, Notification.id == Delivery.notification_id) \
        .join(User, User.id == Notification.user_id).where(User.regency_code == regency)


@bp.post("/admin/pengingat/cuti-bersama")
@permission_required("settings.reminders")
def save_holidays():
    """Both lists are saved, or neither: a date that does not parse is named
    next to its field, on the page that keeps what the admin typed."""
    form = HolidaysForm()
    if not form.validate():
        return _settings_page(form)
    days, worked = form.days.days, form.worked.days
    set_cuti_bersama(current_user.regency_code, days, worked)
    flash(_("%(n)d hari libur tambahan dan %(m)d hari kerja pengganti disimpan.",
            n=len(days), m=len(worked)), "success")
    return redirect(url_for("reminders.settings"))


@bp.post("/admin/pengingat/pengawas-unit")
@permission_required("settings.reminders")
def save_unit_supervisors():
    regency = current_user.regency_code
    units = _units(regency)
    mine = select(User.id).where(User.regency_code == regency)
    valid = set(db.session.scalars(select(User.id).where(
        User.role.in_((HANDLER, SUPERVISOR)), User.is_active_flag, User.regency_code == regency)))
    db.session.execute(db.delete(UnitSupervisor).where(UnitSupervisor.user_id.in_(mine)))
    n = 0
    for i, unit in enumerate(units):
        for uid in map(parse_id, request.form.getlist(f"unit{i}")):
            if uid in valid:
                db.session.add(UnitSupervisor(unit=unit, user_id=uid))
                n += 1
    flash(_("Pengawas unit disimpan (%(n)d).", n=n), "success")
    return redirect(url_for("reminders.settings"))


@bp.post("/admin/pengingat/kirim-ulang")
@permission_required("settings.reminders")
def retry():
    delivery = db.session.scalar(_deliveries(current_user.regency_code).where(
        Delivery.id == (parse_id(request.form.get("id")) or 0)))
    if delivery is None:
        flash(_("Pengiriman tidak ditemukan."), "error")
        return redirect(url_for("reminders.settings"))
    try:
        services.retry_delivery(delivery, now_utc())
    except DomainError as e:
        flash(e.message, "error")
    else:
        flash(_("Pengiriman akan dicoba lagi pada putaran berikutnya."), "success")
    return redirect(url_for("reminders.settings"))
