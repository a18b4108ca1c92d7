"""The visit form tells an error at its field; its outcomes are a fieldset."""

from __future__ import annotations

import re

from tests.http import login, post


def test_a_bad_visit_time_and_a_missing_outcome_are_told_at_their_fields(world, client, db):
    db.session.commit()
    login(client, world["fas"])
    url = f"/desa-saya/kasus/{world['fire'].id}/kunjungan"
    page = client.get(url).text
    assert re.search(r"<fieldset[^>]*><legend>Hasil kunjungan</legend>", page)
    resp = post(client, url, {"visited_at": "kemarin sore", "outcome": "bertemu"})
    assert resp.status_code == 422
    tag = re.search(r'<input type="datetime-local"[^>]*>', resp.text).group(0)
    assert 'aria-describedby="visited_at-err"' in tag
    assert '<p class="error" id="visited_at-err">Tanggal dan jam kunjungan tidak sah.</p>' \
        in resp.text
    resp = post(client, url, {"visited_at": "2026-11-26T10:00", "outcome": ""})
    assert resp.status_code == 422
    assert re.search(r'<fieldset class="field has-error" aria-describedby="outcome-err">',
                     resp.text)
    assert 'class="flash error"' not in resp.text
