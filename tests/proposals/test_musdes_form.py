"""The Musdes form tells each error at its field, not in one banner."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from slrt.proposals import services
from tests.factories import ARO, build_nik
from tests.http import login, post

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def test_a_bad_date_and_a_bad_count_are_both_told_at_their_fields(make_user, db, client):
    op = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    proposal = services.create_proposal(op, now=NOW, kind="baru", village_code=ARO,
                                        name="Rosmawati",
                                        nik=build_nik("15.04.03", date(1982, 2, 7), "P", 1))
    db.session.commit()
    login(client, op)
    resp = post(client, "/usulan/musdes/baru", {
        "desa": ARO, "held_on": "31-11-2026", "place": "Balai Desa Aro", "attendees": "tiga puluh",
        "minutes_number": "140/27/BA-MD/2026", f"d{proposal.id}": "disetujui"})
    assert resp.status_code == 422
    for name, message in (("held_on", "Tanggal Musdes tidak sah."),
                          ("attendees", "Jumlah peserta ditulis dengan angka.")):
        tag = re.search(rf'<input[^>]*id="{name}"[^>]*>', resp.text).group(0)
        assert f'aria-describedby="{name}-err"' in tag and 'aria-invalid="true"' in tag
        assert f'<p class="error" id="{name}-err">{message}</p>' in resp.text
    assert 'class="flash error"' not in resp.text
    # A rule of the service is told at its field too.
    resp = post(client, "/usulan/musdes/baru", {
        "desa": ARO, "held_on": "2026-11-20", "place": "Balai Desa Aro", "attendees": "31",
        "minutes_number": "140/27/BA-MD/2026", f"d{proposal.id}": "ditolak"})
    assert resp.status_code == 422
    assert re.search(r'<p class="error" id="decisions-err" role="alert">Alasan penolakan usulan '
                     r'US-\d{4}-\d{4} wajib diisi.</p>', resp.text)
