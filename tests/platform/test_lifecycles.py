"""Every life-cycle table (slrt/common/lifecycle.py): it has exactly the moves
written here, each legal move lands where it says, and every other move is
refused in Indonesian with the status left as it was. The pages' flags and each
table's own messages are tested beside their feature (tests/cases,
tests/proposals, tests/registry)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from slrt.cases.workflow import CASE_FLOW
from slrt.common.errors import DomainError
from slrt.dtks.workflow import IMPORT_FLOW
from slrt.proposals.workflow import FLAG_FLOW, PROPOSAL_FLOW

# (status, action, target) of every legal move, written out by hand.
LEGAL = {
    "case": (CASE_FLOW, [
    ("terbuka", "tutup", "selesai"),
    ("dirujuk", "tutup", "selesai"),
    ("terbuka", "rujuk", "dirujuk"),
    ("selesai", "rujuk", "dirujuk"),
    ("dirujuk", "kembali_ke_desa", "terbuka"),
    ("selesai", "kembali_ke_desa", "terbuka"),
    ("terbuka", "rujukan_selesai", "selesai"),
    ("dirujuk", "rujukan_selesai", "selesai"),
    ]),
    "proposal": (PROPOSAL_FLOW, [
    ("draf", "setujui", "disetujui"), ("ditunda", "setujui", "disetujui"),
    ("draf", "tolak", "ditolak"), ("ditunda", "tolak", "ditolak"),
    ("draf", "tunda", "ditunda"), ("ditunda", "tunda", "ditunda"),
    ("disetujui", "kirim", "dikirim"),
    ("dikirim", "diterima_kemensos", "diterima_kemensos"),
    ("dikirim", "ditolak_kemensos", "ditolak_kemensos"),
    ("draf", "cabut", "dicabut"), ("ditunda", "cabut", "dicabut"),
    ]),
    "field report": (FLAG_FLOW, [("berlaku", "cabut", "dicabut")]),
    "import": (IMPORT_FLOW, [
    ("queued", "periksa", "validating"),
    ("validating", "diperiksa", "validated"),
    ("validating", "sama", "applied"),
    ("validated", "antre_terapkan", "apply_queued"),
    ("validated", "terapkan", "applying"),
    ("apply_queued", "terapkan", "applying"),
    ("validating", "terapkan", "applying"),
    ("applying", "diterapkan", "applied"),
    ("applying", "minta_konfirmasi", "validated"),
    ("validating", "tolak", "rejected"), ("applying", "tolak", "rejected"),
    ("queued", "batalkan", "rejected"), ("validated", "batalkan", "rejected"),
    ("apply_queued", "batalkan", "rejected"),
    ("queued", "gagal", "failed"), ("validating", "gagal", "failed"),
    ("apply_queued", "gagal", "failed"), ("applying", "gagal", "failed"),
    ]),
}


@pytest.mark.parametrize("name", LEGAL)
def test_the_table_has_exactly_these_moves(name):
    flow, legal = LEGAL[name]
    assert {(s, a, m.target) for a, m in flow.moves.items() for s in m.sources} == set(legal)


@pytest.mark.parametrize(("flow", "status", "action", "target"), [
    pytest.param(flow, *move, id=f"{name}:{move[0]}-{move[1]}")
    for name, (flow, legal) in LEGAL.items() for move in legal])
def test_every_legal_move(app, flow, status, action, target):
    obj = SimpleNamespace(status=status)
    assert flow.apply(obj, action) == target
    assert obj.status == target


@pytest.mark.parametrize(("flow", "status", "action"), [
    pytest.param(flow, s, a, id=f"{name}:{s}-{a}")
    for name, (flow, legal) in LEGAL.items()
    for s in flow.states for a in flow.moves if (s, a) not in {(x, y) for x, y, _t in legal}])
def test_every_other_move_is_refused_and_the_status_stays(app, flow, status, action):
    obj = SimpleNamespace(status=status)
    with pytest.raises(DomainError) as e:
        flow.apply(obj, action)
    assert obj.status == status
    assert "tidak dapat dilakukan" in e.value.message


@pytest.mark.parametrize(("flow", "status", "action", "message"), [
    (CASE_FLOW, "selesai", "tutup",
     'Kasus berstatus "Selesai"; tindakan "Selesaikan di desa" tidak dapat dilakukan.'),
    (PROPOSAL_FLOW, "ditolak", "kirim",
     'Usulan berstatus "Ditolak Musdes"; tindakan "Kirim ke SIKS-NG" tidak dapat dilakukan.'),
    (IMPORT_FLOW, "applied", "periksa",
     'Impor berstatus "Sudah diterapkan"; tindakan "Mulai diperiksa" tidak dapat dilakukan.'),
], ids=["case", "proposal", "import"])
def test_a_refusal_names_the_thing_its_status_and_the_move_in_indonesian(
        app, flow, status, action, message):
    with pytest.raises(DomainError) as e:
        flow.apply(SimpleNamespace(status=status), action)
    assert e.value.message == message


@pytest.mark.parametrize("name", LEGAL)
def test_an_unknown_action_is_refused(app, name):
    flow, _legal = LEGAL[name]
    with pytest.raises(DomainError, match="Tindakan tidak dikenal"):
        flow.apply(SimpleNamespace(status=flow.initial), "hapus")
