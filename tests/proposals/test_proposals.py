"""Registry proposals: pre-list, Musdes, export for SIKS-NG, ministry result, stale flags."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from slrt.common.errors import DomainError
from slrt.proposals import services
from slrt.proposals.models import Proposal, RegistryFlag
from tests.factories import ARO, OLAK, build_nik
from tests.http import login, post

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n% berita acara musdes\n"


@pytest.fixture
def op(make_user):
    return make_user("operator", villages=[ARO], full_name="Rina Marlina")


def new_proposal(op, **kw):
    kw.setdefault("kind", "baru")
    kw.setdefault("village_code", ARO)
    kw.setdefault("name", "Rosmawati")
    kw.setdefault("nik", build_nik("15.04.03", date(1982, 2, 7), "P", 1))
    return services.create_proposal(op, now=NOW, **kw)


def test_new_registration_from_a_case_shows_on_the_case(op, register, db, client):
    case = register(op, nik=build_nik("15.04.03", date(2005, 8, 15), "P", 2), name="Nurul Aini",
                    category="usulan_masuk_dtks")
    p = services.create_proposal(op, kind="baru", village_code=ARO, now=NOW, name="Nurul Aini",
                                 nik=case.beneficiary.nik, case=case, source="kasus")
    db.session.commit()
    assert p.status == "draf" and p.period == "2026-11" and re.fullmatch(r"US-2611-\d{4}",
                                                                       p.number)
    login(client, op)
    page = client.get(f"/kasus/{case.id}").text
    assert p.number in page and "Pra-daftar (menunggu Musdes)" in page
    assert case.events[-1].kind == "usulan"


def test_rules_for_each_kind(op, make_registry, db):
    rec = make_registry("Hasan Basri")
    with pytest.raises(DomainError, match="sudah terdaftar aktif"):
        new_proposal(op, nik=rec.nik, name="Hasan Basri")
    with pytest.raises(DomainError, match="memerlukan NIK"):
        new_proposal(op, nik="")
    with pytest.raises(DomainError, match="Pilih data DTKS"):
        new_proposal(op, kind="nonaktif", reason_code="meninggal")
    with pytest.raises(DomainError, match="Pilih alasan"):
        new_proposal(op, kind="nonaktif", record=rec)
    with pytest.raises(DomainError, match="sekurang-kurangnya satu"):
        new_proposal(op, kind="perbaikan", record=rec, corrections={"name": "  "})
    fix = new_proposal(op, kind="perbaikan", record=rec, corrections={"name": "Hasan Bashri"})
    assert fix.details == {"corrections": {"name": "Hasan Bashri"}} and fix.nik == rec.nik
    with pytest.raises(DomainError, match="Sudah ada usulan"):
        new_proposal(op, kind="perbaikan", record=rec, corrections={"address": "RT 04"})
    with pytest.raises(DomainError, match="NIK"):
        new_proposal(op, nik="1504031234")
    with pytest.raises(DomainError, match="wilayah"):
        new_proposal(op, village_code=OLAK)


def test_reported_death_flags_the_record_at_once_and_proposes_deactivation(op, make_registry,
                                                                            client, db):
    rec = make_registry("Usman Harun", birth=date(1941, 3, 3))
    login(client, op)
    resp = post(client, f"/usulan/dtks/{rec.id}/lapor",
                {"kind": "meninggal", "note": "Meninggal 2 bulan lalu, akta kematian diurus",
                 "yakin": "1"})
    assert resp.status_code == 302
    flag = db.session.scalars(select(RegistryFlag)).one()
    assert flag.kind == "meninggal" and flag.proposal.kind == "nonaktif"
    assert flag.proposal.reason_code == "meninggal" and flag.proposal.status == "draf"
    page = post(client, "/dtks/cek", {"q": rec.nik}).text
    assert "Dilaporkan meninggal" in page and flag.proposal.number in page
    # a second report (moved) reuses the open deactivation proposal
    post(client, f"/usulan/dtks/{rec.id}/lapor",
         {"kind": "pindah", "note": "Istri pindah ke Jambi", "yakin": "1"})
    assert db.session.scalar(select(Proposal.id).where(Proposal.kind == "nonaktif")) == \
        flag.proposal_id
    assert len(db.session.scalars(select(Proposal)).all()) == 1


def test_musdes_decides_each_proposal_and_keeps_the_scan(op, db, client, app, tmp_path):
    app.instance_path = str(tmp_path)
    a = new_proposal(op)
    b = new_proposal(op, name="Joko Susilo", nik=build_nik("15.04.03", date(1980, 8, 8), "L", 2))
    c = new_proposal(op, name="Lastri", nik=build_nik("15.04.03", date(1975, 1, 9), "P", 3))
    db.session.commit()
    login(client, op)
    form = {"desa": ARO, "held_on": "2026-11-20", "place": "Balai Desa Aro", "attendees": "34",
            "minutes_number": "140/12/BA/2026", f"d{a.id}": "disetujui",
            f"d{b.id}": "ditolak", f"r{b.id}": "", f"d{c.id}": "ditunda"}
    page = client.get(f"/usulan/musdes/baru?desa={ARO}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    bad = client.post("/usulan/musdes/baru", data={**form, "csrf_token": token})
    assert bad.status_code == 422 and "Alasan penolakan" in bad.text
    assert 'value="Balai Desa Aro"' in bad.text  # typed values kept
    form[f"r{b.id}"] = "Memiliki usaha toko, tidak layak"
    ok = client.post("/usulan/musdes/baru", data={
        **form, "csrf_token": token, "scan": (io.BytesIO(PDF), "BA Musdes Aro.pdf")},
        content_type="multipart/form-data")
    assert ok.status_code == 302
    db.session.expire_all()
    statuses = {p.name: p.status for p in db.session.scalars(select(Proposal))}
    assert statuses == {"Rosmawati": "disetujui", "Joko Susilo": "ditolak",
                        "Lastri": "ditunda"}
    musdes = db.session.get(Proposal, a.id).musdes
    from slrt.platform import storage

    assert musdes.scan_path.startswith("musdes/") and musdes.scan_path.endswith(".pdf")
    assert storage.get(musdes.scan_path) == PDF and "Aro" not in musdes.scan_path  # random name
    scan = client.get(f"/usulan/musdes/{musdes.id}/berkas")
    assert scan.status_code == 200 and scan.data == PDF
    assert "attachment" in scan.headers["Content-Disposition"]
    # the deferred one is on the next pre-list
    assert [p.name for p in services.pending_for_musdes(ARO)] == ["Lastri"]


def test_musdes_scan_must_be_a_document(op, db):
    new_proposal(op)
    db.session.commit()
    pid = db.session.scalar(select(Proposal.id))
    with pytest.raises(DomainError, match="PDF, JPG atau PNG"):
        services.record_musdes(op, village_code=ARO, held_on=date(2026, 11, 20), place="Balai",
                               attendees=10, minutes_number="1/BA",
                               decisions={pid: ("disetujui", "")}, now=NOW,
                               scan=b"MZ\x90\x00 not a pdf", scan_name="x.pdf")


def test_export_for_siks_ng_then_sent_then_ministry_result(op, db, client):
    a = new_proposal(op)
    b = new_proposal(op, name="=HYPERLINK(\"http://contoh.invalid\")",
                     nik=build_nik("15.04.03", date(1980, 8, 8), "L", 2))
    db.session.commit()
    services.record_musdes(op, village_code=ARO, held_on=date(2026, 11, 20), place="Balai",
                           attendees=20, minutes_number="140/BA/2026",
                           decisions={a.id: ("disetujui", ""), b.id: ("disetujui", "")}, now=NOW)
    db.session.commit()
    login(client, op)
    resp = client.get("/usulan/ekspor?format=csv")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0] == services.EXPORT_HEADER
    assert rows[1][6] == f'="{a.nik}"'  # Excel keeps all 16 digits as text
    assert rows[1][10] == "20-11-2026" and rows[1][11] == "140/BA/2026"
    assert rows[2][8].startswith("'=")  # a formula is neutralised
    xlsx = client.get("/usulan/ekspor?format=xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0] == services.EXPORT_HEADER and values[1][6] == a.nik
    assert isinstance(values[1][6], str) and values[2][8].startswith("'=")
    assert post(client, "/usulan/ekspor", {"ids": [str(a.id)]}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, a.id).status == "dikirim"
    assert db.session.get(Proposal, b.id).status == "disetujui"
    resp = post(client, f"/usulan/{a.id}", {"result": "ditolak", "note": ""})
    assert resp.status_code == 422 and "alasan penolakan" in resp.text
    db.session.expire_all()
    assert db.session.get(Proposal, a.id).status == "dikirim"
    post(client, f"/usulan/{a.id}", {"result": "diterima", "note": ""})
    db.session.expire_all()
    assert db.session.get(Proposal, a.id).status == "diterima_kemensos"


def test_proposals_of_another_village_are_out_of_reach(op, make_user, db, client):
    other = make_user("operator", villages=[OLAK])
    p = new_proposal(other, village_code=OLAK)
    db.session.commit()
    login(client, op)
    assert client.get(f"/usulan/{p.id}").status_code == 404
    assert p.number not in client.get("/usulan").text
    assert client.get("/usulan/ekspor?format=csv").data.decode("utf-8-sig").count("\n") == 1


def test_form_keeps_input_and_explains(op, client, db):
    login(client, op)
    resp = post(client, "/usulan/baru", {"kind": "baru", "village_code": ARO,
                                         "name": "Sahrul", "nik": "15040312"})
    assert resp.status_code == 422 and "16 angka" in resp.text and 'value="15040312"' in resp.text
    assert db.session.scalar(select(Proposal.id)) is None
