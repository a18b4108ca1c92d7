"""The referral queue's keyset cursor (`?setelah=`): a bad one is ignored, never a 500."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from slrt.referrals import queries
from tests.factories import ARO, build_nik
from tests.factories import refer_to as refer
from tests.http import login

BAD = ["2026-01-01_9223372036854775808", "2026-01-01_99999999999999999999999",
       "2026-01-01_-5", "2026-01-01_%D9%A1%D9%A2", "2026-13-45_3", "2026-01-01_", "_7",
       "9999-12-31_2147483648", "garbage"]


@pytest.fixture
def queue(make_user, register):
    op = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    handler = make_user("handler", programs=["BENCANA_LOG"], full_name="Yusnita Harahap")
    names = ["Syamsul Bahri", "Nurhayati", "Ahmad Fauzi"]
    refs = []
    for i, name in enumerate(names):
        case = register(op, category="korban_bencana", name=name,
                        nik=build_nik("15.04.03", date(1970 + i, 4, 9), "L", 1))
        refs += refer(op, case, "BENCANA_LOG", now=datetime(2026, 11, 20 + i, 2, tzinfo=UTC))
    return handler, refs


@pytest.mark.parametrize("token", BAD)
def test_a_bad_cursor_shows_the_first_page(app, queue, token):
    handler, refs = queue
    client = app.test_client()
    login(client, handler)
    resp = client.get(f"/rujukan/antrean?setelah={token}")
    assert resp.status_code == 200
    for ref in refs:
        assert ref.number in resp.text


def test_the_service_ignores_an_out_of_range_key_for_every_door(app, queue):
    handler, refs = queue
    today = date(2026, 12, 1)
    first, _nxt = queries.queue_page(handler, queries.QueueFilters(), today)
    for after in [(date(2026, 1, 1), 9223372036854775808), (date(2026, 1, 1), -1),
                  "2026-01-01_9223372036854775808"]:
        rows, _ = queries.queue_page(handler, queries.QueueFilters(), today, after=after)
        assert [r.id for r in rows] == [r.id for r in first]


def test_a_good_cursor_still_pages(app, queue):
    handler, refs = queue
    app.config["PAGE_SIZE"] = 2
    client = app.test_client()
    login(client, handler)
    page1 = client.get("/rujukan/antrean").text
    token = re.search(r"setelah=([0-9-]+_\d+)", page1).group(1)
    page2 = client.get(f"/rujukan/antrean?setelah={token}").text
    shown1 = {r.number for r in refs if r.number in page1}
    shown2 = {r.number for r in refs if r.number in page2}
    assert len(shown1) == 2 and len(shown2) == 1 and not shown1 & shown2
