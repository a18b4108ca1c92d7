"""`flask reminders send-due` and `flask scheduler run`."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from slrt.common.time import WIB, now_utc

reminders_cli = AppGroup("reminders", help="Pengingat dan eskalasi rujukan.")
scheduler_cli = AppGroup("scheduler", help="Penjadwal pengingat (satu proses saja).")


def parse_now(value: str | None) -> datetime:
    """ISO date-time; without an offset it is read as WIB."""
    if not value:
        return now_utc()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("format ISO, misalnya 2026-11-30T08:00+07:00") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=WIB)
    return parsed.astimezone(UTC)


@reminders_cli.command("send-due")
@click.option("--now", "now_text", default=None, help="waktu acuan ISO (tanpa zona: WIB)")
def send_due_command(now_text):
    """Kirim semua pengingat yang jatuh tempo per waktu tersebut, lalu cetak ringkasannya."""
    from slrt.notifications.services import send_due

    report = send_due(parse_now(now_text))
    for line in report.summary():
        click.echo(line)


def run_job() -> None:
    from slrt.auth.services import prune_login_failures
    from slrt.extensions import db
    from slrt.notifications.services import send_due

    now = now_utc()
    report = send_due(now)
    pruned = prune_login_failures(now)
    db.session.commit()
    if pruned:
        report.lines.append(f"Catatan gagal masuk lama dihapus: {pruned}")
    current_app.logger.info("; ".join(report.summary()))


def build_scheduler(app, scheduler_cls=None):
    """One scheduler: the sweep every few minutes and the digest at the digest hour (WIB)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    def job():
        with app.app_context():
            run_job()

    scheduler = (scheduler_cls or BlockingScheduler)(timezone=WIB)
    scheduler.add_job(job, IntervalTrigger(minutes=app.config["REMINDER_INTERVAL_MINUTES"]),
                      id="send-due", max_instances=1, coalesce=True)
    scheduler.add_job(job, CronTrigger(hour=app.config["REMINDER_DIGEST_HOUR"], minute=0,
                                       timezone=WIB),
                      id="daily-digest", max_instances=1, coalesce=True)
    return scheduler


@scheduler_cli.command("run")
@click.option("--dry-run", is_flag=True, help="tampilkan jadwal lalu keluar")
@click.option("--once", is_flag=True,
              help="jalankan satu putaran sekarang (ringkasannya ke log), lalu keluar")
def scheduler_run(dry_run, once):
    """Jalankan penjadwal (satu proses di samping server web)."""
    if once:
        run_job()
        return
    app = current_app._get_current_object()
    scheduler = build_scheduler(app)
    for job in scheduler.get_jobs():
        click.echo(f"{job.id}: {job.trigger}")
    if dry_run:
        return
    click.echo("Penjadwal berjalan; hentikan dengan Ctrl+C.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
