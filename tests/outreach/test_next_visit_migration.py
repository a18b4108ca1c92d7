"""Migration 0013: the suggested next visit stored as a sentence is read back
into a code and its parameters, and reads the same words; a sentence in
another shape is kept as written; down again, every suggestion is a sentence."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from slrt.common.types import UTCDateTime
from tests.database import app_before, revision_before, upgrade_old_world
from tests.factories import ARO, build_nik, make_user, refer, register, wib

BEFORE = revision_before("0013_next_visit")

AFTERNOON = ("12 Januari 2026 15.30 WIB (warga biasanya di kebun pagi sampai siang; coba sore "
             "hari)")
MORNING = "13 Januari 2026 06.30 WIB (coba pagi hari sebelum warga berangkat ke kebun)"
HAND_WRITTEN = "Besok sore, setelah warga pulang dari kebun sawit"
BAD_DATE = "31 Februari 2026 15.30 WIB (warga biasanya di kebun pagi sampai siang; coba sore hari)"


@pytest.fixture
def old_app(tmp_path):
    """An app on a database built up to the revision before 0013."""
    with app_before("0013_next_visit", tmp_path / "lama.db") as app:
        yield app


def _insert_visit(**values) -> int:
    """A visit row of Desa Aro as stored (before or after the migration)."""
    from slrt.extensions import db

    values = {"village_code": ARO, "notes": "", "photo_path": "", "photo_mime": "",
              "created_at": values["visited_at"], **values}
    types = {"visited_at": UTCDateTime(), "created_at": UTCDateTime()}
    table = sa.table("outreach_visits", sa.column("id", sa.Integer),
                     *(sa.column(k, types.get(k)) for k in values))
    return db.session.execute(table.insert().values(**values).returning(table.c.id)).scalar_one()


def _old_world():
    """A facilitator's task and visits of Desa Aro as the earlier code stored them."""
    from slrt.extensions import db

    desk = make_user(1, "operator", full_name="Rina Marlina")
    fas = make_user(2, "fasilitator", full_name="Hendra Saputra")
    case = register(desk, category="korban_bencana", name="Syamsul Bahri",
                    nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3), when=wib(2026, 1, 5, 9))
    ref = refer(desk, case, "BENCANA_LOG", wib(2026, 1, 5, 10))
    tasks = sa.table("follow_up_tasks", sa.column("id", sa.Integer),
                     sa.column("referral_id", sa.Integer), sa.column("case_id", sa.Integer),
                     sa.column("village_code", sa.String), sa.column("due_date", sa.Date),
                     sa.column("reason", sa.Text), sa.column("status", sa.String),
                     sa.column("suggested_visit", sa.String),
                     sa.column("created_at", UTCDateTime()))
    task_id = db.session.execute(tasks.insert().values(
        referral_id=ref.id, case_id=case.id, village_code=ARO, due_date=date(2026, 1, 9),
        reason="", status="terbuka", suggested_visit=MORNING,
        created_at=wib(2026, 1, 10, 8)).returning(tasks.c.id)).scalar_one()
    visit_ids = []
    for at, outcome, hint in [(wib(2026, 1, 12, 9), "tidak_di_rumah", AFTERNOON),
                              (wib(2026, 1, 12, 14, 10), "tidak_di_rumah", MORNING),
                              (wib(2026, 1, 13, 7), "tidak_di_rumah", HAND_WRITTEN),
                              (wib(2026, 1, 13, 8), "tidak_di_rumah", BAD_DATE),
                              (wib(2026, 1, 14, 6, 40), "bertemu", "")]:
        visit_ids.append(_insert_visit(case_id=case.id, task_id=task_id, visited_at=at,
                                       outcome=outcome, next_visit_hint=hint,
                                       created_by_id=fas.id))
    db.session.commit()
    return task_id, visit_ids


def test_stored_suggestions_become_codes_and_read_the_same(old_app):
    from flask_migrate import downgrade

    from slrt.extensions import db
    from slrt.outreach.models import FollowUpTask, OutreachVisit

    task_id, visit_ids = _old_world()
    db.session.remove()

    upgrade_old_world()

    visits = [db.session.get(OutreachVisit, i) for i in visit_ids]
    assert [(v.next_visit_code, v.next_visit_params) for v in visits] == [
        ("sore", {"at": "2026-01-12T15:30:00+07:00"}),
        ("pagi", {"at": "2026-01-13T06:30:00+07:00"}),
        ("teks", {"text": HAND_WRITTEN}),
        ("teks", {"text": BAD_DATE}),
        ("", {}),
    ]
    assert [v.next_visit_hint for v in visits] == [AFTERNOON, MORNING, HAND_WRITTEN, BAD_DATE,
                                                   ""]
    task = db.session.get(FollowUpTask, task_id)
    assert (task.next_visit_code, task.suggested_visit) == ("pagi", MORNING)
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("outreach_visits")}
    assert "next_visit_hint" not in columns and "next_visit_code" in columns
    # A visit written by the new code after the migration.
    new_id = _insert_visit(case_id=visits[0].case_id, task_id=task_id,
                           visited_at=wib(2026, 1, 15, 9), outcome="tidak_di_rumah",
                           created_by_id=visits[0].created_by_id)
    db.session.execute(text("UPDATE outreach_visits SET next_visit_code = 'sore', "
                            "next_visit_params = :p WHERE id = :i"),
                       {"p": '{"at": "2026-01-15T15:30:00+07:00"}', "i": new_id})
    db.session.commit()
    db.session.remove()

    # Down again: the earlier code shows the stored sentence.
    downgrade(revision=BEFORE)
    hints = dict(db.session.execute(text("SELECT id, next_visit_hint FROM outreach_visits")).all())
    assert [hints[i] for i in visit_ids] == [AFTERNOON, MORNING, HAND_WRITTEN, BAD_DATE, ""]
    assert hints[new_id] == ("15 Januari 2026 15.30 WIB (warga biasanya di kebun pagi sampai "
                             "siang; coba sore hari)")
    assert db.session.execute(text("SELECT suggested_visit FROM follow_up_tasks WHERE id = :i"),
                              {"i": task_id}).scalar() == MORNING
    db.session.remove()
