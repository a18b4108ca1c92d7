"""The referral page shows one action's form at a time and tells an error at its field."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from slrt.referrals import services
from tests.factories import ARO, build_nik
from tests.factories import refer_to as refer
from tests.http import login, post

NOW = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


@pytest.fixture
def referral(make_user, register, db):
    op = make_user("operator", villages=[ARO])
    handler = make_user("handler", programs=["BENCANA_LOG"], full_name="Yusnita Harahap")
    case = register(op, category="korban_bencana", name="Syamsul Bahri",
                    nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3))
    ref = refer(op, case, "BENCANA_LOG", now=NOW)[0]
    services.move(handler, ref, "terima", now=NOW)
    db.session.commit()
    return ref, handler


def test_each_move_with_a_note_is_its_own_folded_form(client, referral):
    ref, handler = referral
    login(client, handler)
    page = client.get(f"/rujukan/{ref.id}").text
    folded = re.findall(r'<details class="move-choice" name="tindakan-rujukan" '
                        r'id="tindakan-(\w+)">', page)
    assert set(folded) >= {"minta_info", "tolak", "teruskan", "salurkan", "selesaikan"}
    # None is open, and each text area is inside its own action's details.
    assert ' open>' not in "".join(re.findall(r'<details class="move-choice"[^>]*>', page))
    for action in re.findall(r'<textarea id="reason-(\w+)"', page):
        folded_part = page.split(f'id="tindakan-{action}"', 1)[1].split("</details>", 1)[0]
        assert f'id="reason-{action}"' in folded_part, action

def test_a_missing_reason_is_told_at_the_field_of_its_action(client, referral):
    ref, handler = referral
    login(client, handler)
    resp = post(client, f"/rujukan/{ref.id}/tindakan",
                {"action": "tolak", "version": str(ref.version), "reason": ""})
    assert resp.status_code == 422
    assert '<details class="move-choice" name="tindakan-rujukan" id="tindakan-tolak" open>' \
        in resp.text
    textarea = re.search(r'<textarea id="reason-tolak"[^>]*>', resp.text).group(0)
    assert 'aria-invalid="true"' in textarea and 'aria-describedby="reason-tolak-err"' in textarea
    assert re.search(r'<p class="error" id="reason-tolak-err">Alasan penolakan wajib diisi.</p>',
                     resp.text)
    assert 'class="flash error" role="alert"' not in resp.text
