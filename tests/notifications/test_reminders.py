"""Service times, pauses, the reminder ladder, digests and exactly-once sending.

A fixed clock runs across weekends and the Indonesian holidays of the turn of
2026/2027: Christmas (Friday 25 December), New Year (Friday 1 January) and
Isra Mi'raj (Tuesday 5 January 2027).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from slrt.common.errors import DomainError
from slrt.common.workdays import cuti_bersama
from slrt.notifications import services
from slrt.notifications import status as st
from slrt.notifications.models import (
    Notification,
    Reminder,
    UnitSupervisor,
)
from slrt.outreach.models import FollowUpTask
from slrt.referrals import pauses
from slrt.referrals import services as referrals
from slrt.referrals.models import ReferralPause
from tests.commands import command
from tests.factories import ARO, build_nik, refer, wib
from tests.http import login, post

ROOT = Path(__file__).resolve().parents[2]
BENCANA_UNIT = "Bidang Pemberdayaan dan Rehabilitasi - Seksi Penanganan Bencana"


@pytest.fixture
def people(make_user, db):
    p = {
        "op": make_user("operator", villages=[ARO], full_name="Rina Marlina"),
        "fas": make_user("fasilitator", villages=[ARO], full_name="Hendra Saputra"),
        "yusnita": make_user("handler", programs=["BENCANA_LOG", "BENCANA_SANTUNAN"],
                             full_name="Yusnita Harahap"),
        "dedi": make_user("handler", programs=["BENCANA_LOG"], full_name="Dedi Irawan"),
        "kasi": make_user("handler", programs=["ANAK"], full_name="Kasi Bencana Syafrizal"),
        "sup": make_user("supervisor", full_name="Bambang Sutrisno"),
        "admin": make_user("admin"),
    }
    db.session.add(UnitSupervisor(unit=BENCANA_UNIT, user_id=p["kasi"].id))
    db.session.commit()
    return p


@pytest.fixture
def fire_case(people, register):
    """The seed's family whose house burned down, in Desa Aro."""
    return register(people["op"], category="korban_bencana", urgency="segera",
                    nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3), name="Syamsul Bahri",
                    dusun="Dusun III", rt="004", rw="002", phone="081274561230",
                    household_size=5, children_count=3, when=wib(2026, 12, 21, 9),
                    description="Rumah terbakar habis; KK dan KTP ikut terbakar.")


def notes_of(db, user):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


# ------------------------------------------------------------------ the clock

def test_due_date_counts_working_days_across_christmas_new_year_and_isra_miraj(
        people, fire_case):
    # Monday 21 Dec + 14 working days, skipping 24 Dec (the government's cuti bersama,
    # which nobody had to enter), 25 Dec, 1 Jan, 5 Jan and weekends.
    ref = refer(people["op"], fire_case, "BENCANA_SANTUNAN", wib(2026, 12, 21, 10, 30))
    assert ref.due_date == date(2027, 1, 14)


def test_cuti_bersama_entered_by_the_admin_moves_due_dates(people, fire_case, client, db):
    """24 Dec 2026 is the government's cuti bersama (the calendar knows it);
    the admin adds a regency's own day off (31 Dec) and marks a listed day
    the office works anyway."""
    login(client, people["admin"])
    page = client.get("/admin/pengingat").text
    assert "Cuti Bersama Hari Raya Natal" in page and "24 Desember 2026" in page
    resp = post(client, "/admin/pengingat/cuti-bersama", {"days": "2026-12-31", "worked": ""},
                token_page="/admin/pengingat")
    assert resp.status_code == 302
    assert cuti_bersama("15.04") == {date(2026, 12, 31)}
    ref = refer(people["op"], fire_case, "BENCANA_SANTUNAN", wib(2026, 12, 22, 10, 30))
    # Tue 22 Dec + 14: without 24, 25, 31 Dec, 1 and 5 Jan -> Mon 18 Jan
    assert ref.due_date == date(2027, 1, 18)
    resp = post(client, "/admin/pengingat/cuti-bersama",
                {"days": "2026-12-31", "worked": "2026-12-24"}, token_page="/admin/pengingat")
    assert resp.status_code == 302
    assert cuti_bersama("15.04").removed == {date(2026, 12, 24)}
    again = refer(people["op"], fire_case, "BENCANA_LOG", wib(2026, 12, 23, 10, 30))
    assert again.due_date == date(2026, 12, 24)  # one working day: 24 Dec is worked now
    page = client.get("/admin/pengingat").text
    assert "2026-12-31" in page and "2026-12-24" in page
    # a date written the other way round: refused beside its field, both lists
    # come back as typed, and nothing of either is saved
    bad = post(client, "/admin/pengingat/cuti-bersama",
               {"days": "2026-12-31\n24-12-2026", "worked": "2026-12-24\n2027-01-04"},
               token_page="/admin/pengingat")
    assert bad.status_code == 422
    assert re.search(r'<p class="error" id="days-err">Tanggal tidak sah: 24-12-2026 '
                     r'\(gunakan TTTT-BB-HH\)</p>', bad.text)
    assert "2026-12-31\n24-12-2026</textarea>" in bad.text
    assert "2026-12-24\n2027-01-04</textarea>" in bad.text
    assert cuti_bersama("15.04") == {date(2026, 12, 31)}  # unchanged
    assert cuti_bersama("15.04").removed == {date(2026, 12, 24)}


def _clock(today, due=date(2027, 1, 14), days=14, **kw):
    kw.setdefault("extra", frozenset())
    return st.clock(is_open=True, paused=False, due_date=due, service_days=days, today=today,
                    escalate_days=3, **kw)


def test_states_on_track_at_risk_overdue_escalated_over_weekends_and_holidays():
    # 14 service days: at risk with 3.5 (a quarter) working days or fewer left.
    assert _clock(date(2027, 1, 8)).state == "on_track"   # Fri: 11,12,13,14 -> 4 left
    assert _clock(date(2027, 1, 9)).state == "on_track"   # Saturday does not count
    c = _clock(date(2027, 1, 11))                          # Mon: 3 left
    assert (c.state, c.days_left) == ("at_risk", 3)
    assert _clock(date(2027, 1, 14)).days_left == 0 and _clock(date(2027, 1, 14)).level == 1
    c = _clock(date(2027, 1, 15))
    assert (c.state, c.days_over) == ("overdue", 1)
    assert _clock(date(2027, 1, 17)).days_over == 1       # Sunday: still one working day
    assert _clock(date(2027, 1, 18)).state == "overdue"   # 2 working days over
    c = _clock(date(2027, 1, 19))
    assert (c.state, c.days_over) == ("escalated", 3)
    # 5 service days: a quarter is 1.25, so the 2-day floor applies.
    assert _clock(date(2026, 11, 30), due=date(2026, 12, 3), days=5).state == "on_track"
    assert _clock(date(2026, 12, 1), due=date(2026, 12, 3), days=5).state == "at_risk"
    # Over Christmas: due Thu 24 Dec, today Mon 28 Dec -> only Mon counts (25 Dec holiday).
    c = _clock(date(2026, 12, 28), due=date(2026, 12, 24), days=5)
    assert (c.state, c.days_over) == ("overdue", 1)
    # Urgent referrals are at risk from the first day; paused and closed stand still.
    assert _clock(date(2026, 12, 22), urgency="darurat").state == "at_risk"
    assert st.clock(is_open=True, paused=True, due_date=date(2027, 1, 1), service_days=5,
                    today=date(2027, 3, 1)).state == "paused"
    assert st.clock(is_open=False, paused=False, due_date=date(2027, 1, 1), service_days=5,
                    today=date(2027, 3, 1)).state == "closed"


def test_sql_cutoffs_agree_with_the_clock_for_every_day_of_the_holiday_season():
    extra = frozenset({date(2026, 12, 24)})
    for today in (date(2026, 12, 14) + timedelta(days=i) for i in range(40)):
        c = st.cutoffs(today, extra, escalate_days=3)
        for days in (1, 3, 5, 14, 30):
            until = c.at_risk_until(days, extra)
            for due in (date(2026, 12, 1) + timedelta(days=j) for j in range(90)):
                for urgency in ("biasa", "darurat"):
                    expected = st.clock(is_open=True, paused=False, due_date=due,
                                        service_days=days, today=today, urgency=urgency,
                                        extra=extra, escalate_days=3).state
                    assert st.state_from_cutoffs(due, urgency, until, c) == expected, \
                        (today, days, due, urgency)


# ------------------------------------------------------------------ pause / resume

def test_pause_stops_the_clock_and_resume_moves_the_due_date(people, fire_case, db):
    ref = refer(people["op"], fire_case, "BENCANA_SANTUNAN", wib(2026, 12, 21, 10, 30))
    assert ref.due_date == date(2027, 1, 14)
    with pytest.raises(DomainError, match="Alasan jeda wajib"):
        pauses.pause(people["yusnita"], ref, "  ", now=wib(2026, 12, 30))
    pauses.pause(people["yusnita"], ref, "Menunggu surat keterangan kebakaran dari desa",
                   now=wib(2026, 12, 30, 10))
    db.session.commit()
    assert st.referral_clock(ref, date(2027, 3, 1)).state == "paused"
    with pytest.raises(DomainError, match="sedang dijeda"):
        pauses.pause(people["op"], ref, "lagi", now=wib(2026, 12, 31))
    # Paused Wed 30 Dec, resumed Wed 6 Jan: 31 Dec, 4 Jan, 6 Jan count (1 and 5 Jan holidays).
    lost = pauses.resume(people["op"], ref, now=wib(2027, 1, 6, 9),
                           note="Surat keterangan sudah diterima")
    db.session.commit()
    assert lost == 3
    assert ref.due_date == date(2027, 1, 19)
    assert ref.paused_at is None
    pause_row = db.session.scalars(select(ReferralPause)).one()
    assert pause_row.working_days == 3 and pause_row.ended_by_id == people["op"].id
    kinds = [(e.kind, e.text) for e in fire_case.events]
    assert any(k == "rujukan_jeda" and "Menunggu surat keterangan kebakaran" in m
               for k, m in kinds)
    assert any(k == "rujukan_lanjut" and "3 hari kerja" in m and "19 Januari 2027" in m
               for k, m in kinds)
    with pytest.raises(DomainError, match="tidak sedang dijeda"):
        pauses.resume(people["op"], ref, now=wib(2027, 1, 7))
    outsider = people["dedi"]  # handles BENCANA_LOG, not this program
    with pytest.raises(DomainError, match="tidak berwenang"):
        pauses.pause(outsider, ref, "alasan", now=wib(2027, 1, 7))


def test_pause_and_resume_through_the_referral_page(people, fire_case, client, db):
    ref = refer(people["op"], fire_case, "BENCANA_SANTUNAN", wib(2026, 12, 22, 10, 30))
    login(client, people["yusnita"])
    url = f"/rujukan/{ref.id}"
    empty = post(client, f"{url}/jeda", {"reason": "", "version": str(ref.version)}, url)
    assert empty.status_code == 302
    assert "Alasan jeda wajib" in client.get(url).text
    resp = post(client, f"{url}/jeda", {"reason": "Menunggu KTP baru dari Dukcapil",
                                        "version": str(ref.version)}, url)
    assert resp.status_code == 302
    page = client.get(url).text
    assert "Dijeda" in page and "Menunggu KTP baru dari Dukcapil" in page
    assert "Lanjutkan waktu layanan" in page
    db.session.expire_all()
    stale = post(client, f"{url}/lanjutkan", {"version": "1"}, url)  # an old version
    assert stale.status_code == 302
    assert db.session.get(type(ref), ref.id).paused_at is not None
    fresh = db.session.get(type(ref), ref.id)
    resp = post(client, f"{url}/lanjutkan", {"version": str(fresh.version)}, url)
    db.session.expire_all()
    assert db.session.get(type(ref), ref.id).paused_at is None


# ------------------------------------------------------------------ the ladder

def test_escalation_ladder_from_at_risk_to_the_regency_and_the_facilitator(
        people, fire_case, db):
    ref = refer(people["op"], fire_case, "BENCANA_SANTUNAN", wib(2026, 12, 21, 10, 30))
    referrals.move(people["yusnita"], ref, "terima", now=wib(2026, 12, 23))
    db.session.commit()
    y, kasi, sup, fas, dedi = (people[k] for k in ("yusnita", "kasi", "sup", "fas", "dedi"))

    # Friday 8 January: four working days left, nothing to say.
    r = services.send_due(wib(2027, 1, 8, 8))
    assert r.reminders_created == 0 and r.digests == 0

    # Monday 11 January at 07.00 WIB: at risk; the reminder waits for the 08.00 digest.
    r = services.send_due(wib(2027, 1, 11, 7))
    assert r.reminders_created == 1 and r.digests == 0
    assert notes_of(db, y) == []
    r = services.send_due(wib(2027, 1, 11, 8))
    assert r.digests == 1
    [digest] = notes_of(db, y)
    assert digest.kind == "ringkasan"
    assert digest.title == "Ringkasan pengingat 11 Januari 2027: 1 rujukan perlu perhatian"
    assert ref.number in digest.body and "Hampir jatuh tempo" in digest.body
    assert "batas 14 Januari 2027" in digest.body
    assert "Syamsul" not in digest.body and fire_case.beneficiary.nik not in digest.body
    assert digest.link == f"/rujukan/{ref.id}"
    for other in (kasi, sup, fas, dedi):
        assert notes_of(db, other) == []
    # Running again the same morning sends nothing new.
    r = services.send_due(wib(2027, 1, 11, 9))
    assert (r.reminders_created, r.digests, r.urgent_notices) == (0, 0, 0)

    # Friday 15 January: overdue -> the handler and the unit's supervisor.
    r = services.send_due(wib(2027, 1, 15, 8))
    assert r.by_state == {"overdue": 1}
    assert r.reminders_created == 2 and r.digests == 2
    assert "Lewat batas waktu" in notes_of(db, y)[-1].body
    assert len(notes_of(db, kasi)) == 1 and notes_of(db, sup) == []
    assert db.session.scalar(select(func.count()).select_from(FollowUpTask)) == 0

    # Tuesday 19 January: three working days over -> the regency supervisor and a task
    # for the facilitator of Aro.
    r = services.send_due(wib(2027, 1, 19, 8))
    assert r.by_state == {"escalated": 1}
    assert r.reminders_created == 4 and r.tasks_created == 1 and r.digests == 4
    assert "Eskalasi" in notes_of(db, sup)[0].body
    assert "Eskalasi" in notes_of(db, fas)[0].body
    task = db.session.scalars(select(FollowUpTask)).one()
    assert (task.village_code, task.case_id, task.status) == (ARO, fire_case.id, "terbuka")
    assert notes_of(db, dedi) == []
    # The next morning: the same stage is not repeated, the task not duplicated.
    r = services.send_due(wib(2027, 1, 20, 8))
    assert (r.reminders_created, r.tasks_created, r.digests) == (0, 0, 0)


def test_unassigned_goes_to_the_programs_handlers_and_without_unit_supervisor_to_regency(
        people, fire_case, db):
    db.session.query(UnitSupervisor).delete()
    db.session.commit()
    ref = refer(people["op"], fire_case, "BENCANA_LOG", wib(2026, 12, 22, 10, 30))
    assert ref.due_date == date(2026, 12, 23)
    services.send_due(wib(2026, 12, 23, 8))
    assert {r.recipient_id for r in db.session.scalars(select(Reminder))} == \
        {people["yusnita"].id, people["dedi"].id}
    services.send_due(wib(2026, 12, 24, 8))  # overdue; no unit supervisor configured
    assert len(notes_of(db, people["sup"])) == 1
    assert notes_of(db, people["kasi"]) == []


def test_one_digest_a_day_for_many_referrals(people, register, db):
    cases = [register(people["op"], category="korban_bencana",
                      nik=build_nik("15.04.03", date(1980, 1, 5 + i), "P", 10 + i),
                      name=n, when=wib(2026, 12, 21, 9))
             for i, n in enumerate(["Siti Rahmah", "Nurhayati", "Ernawati"])]
    for c in cases:
        refer(people["op"], c, "BENCANA_LOG", wib(2026, 12, 21, 10))
    r = services.send_due(wib(2026, 12, 22, 8, 5))
    assert r.reminders_created == 6  # three referrals, two handlers
    assert r.digests == 2
    [digest] = notes_of(db, people["dedi"])
    assert "3 rujukan" in digest.title
    assert digest.body.count("\n- ") + digest.body.startswith("- ") == 3


def test_closed_and_paused_referrals_get_nothing(people, register, db):
    a = register(people["op"], category="korban_bencana", name="Marlina",
                 nik=build_nik("15.04.03", date(1985, 4, 2), "P", 21), when=wib(2026, 12, 21, 9))
    b = register(people["op"], category="korban_bencana", name="Junaidi",
                 nik=build_nik("15.04.03", date(1983, 7, 9), "L", 22), when=wib(2026, 12, 21, 9))
    ra = refer(people["op"], a, "BENCANA_LOG", wib(2026, 12, 21, 10))
    rb = refer(people["op"], b, "BENCANA_LOG", wib(2026, 12, 21, 10))
    # Reminders generated before 08.00 ...
    assert services.send_due(wib(2026, 12, 22, 7)).reminders_created == 4
    # ... then one is closed and one paused before the digest goes out.
    referrals.move(people["dedi"], ra, "terima", now=wib(2026, 12, 22, 7, 30))
    referrals.move(people["dedi"], ra, "selesaikan", now=wib(2026, 12, 22, 7, 31))
    pauses.pause(people["dedi"], rb, "Menunggu foto kejadian", now=wib(2026, 12, 22, 7, 32))
    db.session.commit()
    r = services.send_due(wib(2026, 12, 22, 8))
    assert r.cancelled == 4 and r.digests == 0 and r.reminders_created == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_urgent_referral_reminds_the_same_day_at_once(people, register, db):
    case = register(people["op"], category="korban_bencana", urgency="darurat",
                    name="Syamsul Bahri", nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3),
                    when=wib(2026, 11, 27, 10))
    ref = refer(people["op"], case, "BENCANA_LOG", wib(2026, 11, 27, 10, 30))
    assert ref.urgency == "darurat"
    r = services.send_due(wib(2026, 11, 27, 10, 45))  # same day, not waiting for 08.00
    assert r.urgent_notices == 2 and r.digests == 0
    [notice] = notes_of(db, people["yusnita"])
    assert notice.kind == "segera" and "DARURAT" in notice.body
    assert notice.title == "Segera: 1 rujukan darurat perlu tindakan"
    r = services.send_due(wib(2026, 11, 27, 11))
    assert (r.urgent_notices, r.digests) == (0, 0)


def test_inbox_unread_count_in_the_header(people, fire_case, client, db):
    refer(people["op"], fire_case, "BENCANA_LOG", wib(2026, 12, 22, 10, 30))
    services.send_due(wib(2026, 12, 23, 8))
    login(client, people["dedi"])
    home = client.get("/pemberitahuan").text
    assert 'id="kotak-masuk"' in home and '<span class="count"' in home
    assert "Ringkasan pengingat 23 Desember 2026" in home
    resp = post(client, "/pemberitahuan/baca", {"semua": "1"}, "/pemberitahuan")
    assert resp.status_code == 302
    assert '<span class="count"' not in client.get("/pemberitahuan").text
    assert notes_of(db, people["dedi"])[0].read_at is not None
    # Another person's inbox stays unread.
    assert notes_of(db, people["yusnita"])[0].read_at is None


# ------------------------------------------------------------------ CLI, processes

def test_send_due_command_prints_what_it_did(people, fire_case, db, db_url, tmp_path):
    refer(people["op"], fire_case, "BENCANA_LOG", wib(2026, 12, 22, 10, 30))
    db.session.commit()
    db.session.remove()
    done = command(db_url, tmp_path, "reminders", "send-due", "--now", "2026-12-23T08:00")
    assert "Pengingat per 2026-12-23 08.00 WIB" in done.stdout
    assert "Pengingat baru: 2" in done.stdout
    assert "ringkasan harian: 2" in done.stdout
    assert len(list(db.session.scalars(select(Reminder)))) == 2


def _env(db_url: str) -> dict:
    env = dict(os.environ, SLRT_CONFIG="testing", DATABASE_URL=db_url)
    for key in ("MAIL_SERVER", "WEBHOOK_URL"):
        env.pop(key, None)
    return env


def test_two_processes_at_the_same_moment_send_each_reminder_once(
        people, register, db, db_url):
    for i, name in enumerate(["Siti Rahmah", "Nurhayati", "Ernawati", "Zulkifli", "Rusdi"]):
        case = register(people["op"], category="korban_bencana", name=name,
                        nik=build_nik("15.04.03", date(1970 + i, 2, 3), "L", 30 + i),
                        when=wib(2026, 12, 14, 9))
        refer(people["op"], case, "BENCANA_LOG", wib(2026, 12, 14, 10))
    db.session.remove()
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "send-due",
           "--now", "2026-12-22T08:00"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=_env(db_url), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    # Escalated (4 working days over): two handlers, the unit supervisor, the regency
    # supervisor and the facilitator, five referrals each.
    rows = list(db.session.scalars(select(Reminder)))
    assert len(rows) == 25
    assert all(r.status == "terkirim" and r.notification_id for r in rows)
    notes = list(db.session.scalars(select(Notification)))
    assert sorted(n.user_id for n in notes) == sorted(
        {r.recipient_id for r in rows})  # one digest per person
    assert db.session.scalar(select(func.count()).select_from(FollowUpTask)) == 5
    created = [int(line.split(":")[1].split(";")[0]) for out, _ in outs
               for line in out.splitlines() if line.startswith("Pengingat baru")]
    assert sum(created) == 25


def test_scheduler_has_the_sweep_and_the_daily_digest_and_web_workers_start_none(app, tmp_path):
    from apscheduler.schedulers.background import BackgroundScheduler

    from slrt.notifications.cli import build_scheduler

    scheduler = build_scheduler(app, BackgroundScheduler)
    jobs = {j.id: str(j.trigger) for j in scheduler.get_jobs()}
    assert set(jobs) == {"send-due", "daily-digest"}
    assert "hour='8'" in jobs["daily-digest"] and "minute='0'" in jobs["daily-digest"]
    assert "0:10:00" in jobs["send-due"]
    dry = command(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, "scheduler", "run",
                  "--dry-run")
    assert "daily-digest" in dry.stdout
    probe = ("import sys, wsgi; print(sorted(m for m in sys.modules "
             "if m.startswith('apscheduler')))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, env=_env(app.config["SQLALCHEMY_DATABASE_URI"]),
                         check=True).stdout
    assert out.strip() == "[]"


def test_a_due_date_moved_by_a_pause_replaces_the_pending_reminder(people, fire_case, db):
    ref = refer(people["op"], fire_case, "BENCANA_SANTUNAN", wib(2026, 12, 21, 10, 30))
    referrals.move(people["yusnita"], ref, "terima", now=wib(2026, 12, 23))
    assert services.send_due(wib(2027, 1, 11, 7)).reminders_created == 1  # at risk, pending
    pauses.pause(people["yusnita"], ref, "Menunggu surat keterangan RT",
                   now=wib(2027, 1, 11, 7, 10))
    pauses.resume(people["yusnita"], ref, now=wib(2027, 1, 13, 7))  # 12, 13 Jan: 2 days
    db.session.commit()
    assert ref.due_date == date(2027, 1, 18)
    r = services.send_due(wib(2027, 1, 13, 8))
    assert r.cancelled == 1 and r.reminders_created == 1 and r.digests == 1
    [digest] = notes_of(db, people["yusnita"])
    assert "batas 18 Januari 2027" in digest.body and "14 Januari" not in digest.body
