"""Failed logins are kept only as long as they slow anyone down."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from slrt.auth.models import LoginFailure
from slrt.common.time import now_utc
from tests.http import csrf_from


def _old_and_recent(db):
    now = now_utc()
    for minutes, name in ((60 * 24 * 40, "budi"), (60 * 3, "budi"), (20, "siti"),
                          (5, "siti"), (1, "ahmad")):
        db.session.add(LoginFailure(username=name, address="10.1.2.3",
                                    at=now - timedelta(minutes=minutes)))
    db.session.commit()


def _ages(db):
    now = now_utc()
    return sorted(round((now - (r.at if r.at.tzinfo else r.at.replace(tzinfo=now.tzinfo)))
                        .total_seconds() / 60) for r in db.session.scalars(select(LoginFailure)))


def test_a_failed_login_prunes_failures_older_than_the_window(app, make_user, db):
    make_user("operator", username="rina")
    _old_and_recent(db)
    client = app.test_client()
    page = client.get("/masuk")
    resp = client.post("/masuk", data={"username": "rina", "password": "salah-sandi-123",
                                       "csrf_token": csrf_from(page.text)})
    assert resp.status_code == 422
    db.session.expire_all()
    assert _ages(db) == [0, 1, 5]  # the new one and the two inside the 15 minutes


def test_the_scheduler_job_prunes_them_too(app, db):
    from slrt.notifications.cli import run_job

    _old_and_recent(db)
    run_job()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 2
