"""UU PDP Art. 31-32: every view of personal data is in the record of processing,
the record says what happened in plain Indonesian (refusals as refusals), and
the Art. 32 report finds a resident wherever the system holds them."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from slrt.audit.models import AuditEntry
from slrt.proposals import services as proposals
from tests.factories import ARO, build_kk, build_nik, refer, wib
from tests.http import csrf_from, login, post

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n% berita acara musdes\n"
def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (150, 70, 40)).save(out, "PNG")
    return out.getvalue()


PNG = _png()
NIK_RE = re.compile(r"(?<!\d)\d{16}(?!\d)")
DEBUG_RE = re.compile(r"endpoint|#\d|\bTrue\b|\bFalse\b|\bNone\b|[a-z]+\.[a-z_]+\b(?=:)|"
                      r"\{'|'\}")


def _entries(db, **where):
    db.session.expire_all()
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    for k, v in where.items():
        stmt = stmt.where(getattr(AuditEntry, k) == v)
    return db.session.scalars(stmt).all()


@pytest.fixture
def desk(make_user, app, tmp_path):
    app.instance_path = str(tmp_path)
    return {"op": make_user("operator", villages=[ARO], full_name="Rina Marlina",
                            username="rina"),
            "fas": make_user("fasilitator", villages=[ARO], full_name="Hendra Saputra",
                             username="hendra"),
            "sup": make_user("supervisor", full_name="Bambang Sutrisno", username="bambang")}


@pytest.fixture
def proposal(desk, db):
    p = proposals.create_proposal(
        desk["op"], kind="baru", village_code=ARO, now=NOW, name="Rosmawati",
        nik=build_nik("15.04.03", date(1982, 2, 7), "P", 61),
        no_kk=build_kk("15.04.03", date(2012, 5, 3), 61), note="Janda, tiga anak")
    db.session.commit()
    return p


def test_proposal_page_masks_nik_and_kk_and_is_audited(client, db, desk, proposal):
    login(client, desk["op"])
    page = client.get(f"/usulan/{proposal.id}")
    assert page.status_code == 200 and "Rosmawati" in page.text
    assert proposal.nik not in page.text and proposal.no_kk not in page.text
    assert NIK_RE.findall(page.text) == []
    assert f"{proposal.nik[:6]}******{proposal.nik[-4:]}" in page.text
    assert "Tampilkan NIK" in page.text
    [seen] = _entries(db, action="lihat_usulan", object_id=proposal.id)
    assert seen.actor_name == "rina" and seen.object_type == "proposal"
    assert proposal.nik not in str(seen.detail)
    shown = client.post(f"/usulan/{proposal.id}/nik", data={"csrf_token": csrf_from(page.text)})
    assert shown.status_code == 200
    assert proposal.nik in shown.text and proposal.no_kk in shown.text
    [reveal] = _entries(db, action="buka_nik", object_type="proposal")
    assert reveal.object_id == proposal.id and proposal.nik not in str(reveal.detail)
    assert client.post(f"/usulan/{proposal.id}/nik").status_code == 400  # CSRF


def test_roles_allowed_full_niks_see_them_on_the_proposal_page(client, app, desk, proposal):
    app.config["SLRT_FULL_NIK_ROLES"] = ("supervisor",)
    login(client, desk["sup"])
    page = client.get(f"/usulan/{proposal.id}").text
    assert proposal.nik in page and proposal.no_kk in page and "Tampilkan NIK" not in page
    desk_client = app.test_client()
    login(desk_client, desk["op"])
    assert proposal.nik not in desk_client.get(f"/usulan/{proposal.id}").text


def test_visit_page_photo_and_musdes_scan_downloads_are_audited(client, db, desk, register,
                                                                  proposal, tmp_path):
    from slrt.outreach import services as outreach

    case = register(desk["op"], category="korban_bencana", name="Syamsul Bahri",
                    nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3))
    visit = outreach.record_visit(desk["fas"], case, outcome="bertemu", visited_at=NOW,
                                  notes="Rumah terbakar habis", now=NOW, photo=PNG)
    musdes = proposals.record_musdes(
        desk["op"], village_code=ARO, held_on=date(2026, 11, 20), place="Balai Desa Aro",
        attendees=30, minutes_number="140/12/BA/2026",
        decisions={proposal.id: ("disetujui", "")}, now=NOW, scan=PDF, scan_name="ba.pdf")
    db.session.commit()
    login(client, desk["fas"])
    assert client.get(f"/desa-saya/kasus/{case.id}/kunjungan").status_code == 200
    [page] = _entries(db, action="lihat_kunjungan")
    assert (page.object_id, page.person_id) == (case.id, case.beneficiary_id)
    assert client.get(f"/desa-saya/kunjungan/{visit.id}/foto").data[:3] == b"\xff\xd8\xff"
    [photo] = _entries(db, action="unduh_berkas", object_type="visit")
    assert (photo.object_id, photo.person_id) == (visit.id, case.beneficiary_id)
    assert case.number in photo.detail["objek"]
    assert client.get(f"/usulan/musdes/{musdes.id}/berkas").data == PDF
    [scan] = _entries(db, action="unduh_berkas", object_type="musdes")
    assert scan.object_id == musdes.id and "140/12/BA/2026" in scan.detail["objek"]
    assert client.get(f"/usulan/musdes/{musdes.id}").status_code == 200
    [seen] = _entries(db, action="lihat_usulan", object_type="musdes")
    assert seen.object_id == musdes.id
    # the resident whose proposal the scan decided sees who downloaded it
    sup = client.application.test_client()
    login(sup, desk["sup"])
    report = post(sup, "/audit/pdp", {"nik": proposal.nik}).text.split("Siapa yang melihat")[1]
    assert "hendra" in report and "Mengunduh foto/berkas" in report


def test_art_32_report_finds_a_person_known_only_from_a_proposal(app, db, desk, proposal):
    desk_client = app.test_client()
    login(desk_client, desk["op"])
    desk_client.get(f"/usulan/{proposal.id}")
    sup = app.test_client()
    login(sup, desk["sup"])
    page = post(sup, "/audit/pdp", {"nik": proposal.nik}).text
    assert "tidak menyimpan data" not in page
    assert proposal.number in page and "Rosmawati" in page and "Janda, tiga anak" in page
    table = page.split("Siapa yang melihat")[1]
    assert "rina" in table and f"Usulan {proposal.number}" in table
    nobody = post(sup, "/audit/pdp", {"nik": build_nik("15.04.03", date(1990, 1, 1), "L", 9)})
    assert "tidak menyimpan data" in nobody.text


def test_art_32_report_covers_flags_visits_referrals_and_registry_history(
        app, db, desk, make_registry, make_user, register):
    from slrt.dtks.models import RegistryRecordHistory
    from slrt.outreach import services as outreach

    rec = make_registry("Usman Harun", birth=date(1941, 3, 3))
    db.session.add(RegistryRecordHistory(
        record_id=rec.id, change="diubah", replaced_period="2022-07", registry_id=rec.registry_id,
        source="DTKS", period="2021-12", nik=rec.nik, no_kk=rec.no_kk, name="Oesman Haroen",
        birth_place="Muara Bulian", birth_date=rec.birth_date, sex="L",
        relationship_to_head="Kepala Keluarga", mother_name="", address="Jl. Lintas Timur",
        dusun="Dusun I", rt="001", rw="001", village_code=ARO, padan=True, decile=1, pkh=True,
        bpnt=False, pbi=True, other_programs="", is_active=True))
    case = register(desk["op"], category="korban_bencana", name="Usman Harun", nik=rec.nik,
                    record_id=rec.id)
    handler = make_user("handler", full_name="Yusnita Harahap")
    ref = refer(desk["op"], case, "BENCANA_LOG", wib(2026, 11, 26, 9))
    outreach.record_visit(desk["fas"], case, outcome="pindah", visited_at=NOW,
                          notes="Pindah ke rumah anak di Kota Jambi", now=NOW,
                          confirm_stale=True)
    db.session.commit()
    sup = app.test_client()
    login(sup, desk["sup"])
    page = post(sup, "/audit/pdp", {"nik": rec.nik}).text
    for expected in ("Oesman Haroen", "Dilaporkan pindah", "Pindah ke rumah anak",
                     ref.number, case.number, rec.registry_id, "Usulan DTKS"):
        assert expected in page, expected
    assert handler.username not in page  # the handler never touched it


def test_refused_actions_are_logged_as_refused_not_as_changes(client, db, desk, register,
                                                               make_user):
    case = register(desk["op"], category="korban_bencana", name="Syamsul Bahri",
                    nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3))
    handler = make_user("handler", full_name="Yusnita Harahap", username="yusnita")
    ref = refer(desk["op"], case, "BENCANA_LOG", wib(2026, 11, 26, 9))
    stale_version = ref.version
    login(client, handler)
    page = client.get(f"/rujukan/{ref.id}").text
    token = csrf_from(page)
    client.post(f"/rujukan/{ref.id}/tindakan", data={
        "action": "terima", "version": stale_version, "csrf_token": token})
    [accepted] = _entries(db, action="ubah", object_id=ref.id)
    assert accepted.detail["rincian"] == f"Rujukan {ref.number}: diterima"
    # a second handler's screen was older: its "tolak" is refused, and logged so
    client.post(f"/rujukan/{ref.id}/tindakan", data={
        "action": "tolak", "version": stale_version, "reason": "Bukan korban bencana",
        "csrf_token": token})
    assert len(_entries(db, action="ubah", object_id=ref.id)) == 1
    [refused] = _entries(db, action="ubah_ditolak", object_id=ref.id)
    assert refused.outcome == "ditolak" and refused.person_id == case.beneficiary_id
    assert refused.detail["objek"] == f"Rujukan {ref.number}"
    assert "diubah oleh petugas lain" in refused.detail["rincian"]
    # an empty pause is refused
    db.session.expire_all()
    client.post(f"/rujukan/{ref.id}/jeda", data={"reason": "", "version": ref.version,
                                                  "csrf_token": token})
    assert len(_entries(db, action="ubah", object_id=ref.id)) == 1
    assert len(_entries(db, action="ubah_ditolak", object_id=ref.id)) == 2


def test_details_read_as_plain_indonesian_for_the_supervisor_and_the_resident(
        app, db, desk, register, make_registry, make_user):
    rec = make_registry("Siti Aminah", sex="P", birth=date(1969, 4, 12))
    case = register(desk["op"], category="korban_bencana", name="Siti Aminah", nik=rec.nik,
                    record_id=rec.id)
    handler = make_user("handler", full_name="Yusnita Harahap", username="yusnita")
    ref = refer(desk["op"], case, "BENCANA_LOG", wib(2026, 11, 26, 9))
    op = app.test_client()
    login(op, desk["op"])
    op.get(f"/kasus/{case.id}")
    post(op, f"/kasus/{case.id}/catatan", {"text": "Sudah ditelepon."})
    post(op, "/dtks/cek", {"q": rec.nik})
    h = app.test_client()
    login(h, handler)
    post(h, f"/rujukan/{ref.id}/tindakan", {"action": "terima", "version": ref.version},
         f"/rujukan/{ref.id}")
    sup = app.test_client()
    login(sup, desk["sup"])
    log = sup.get("/audit").text.split("<tbody>")[1]
    report = post(sup, "/audit/pdp", {"nik": rec.nik}).text.split("Siapa yang melihat")[1]
    for text in (log, report):
        assert f"Kasus {case.number}" in text
        assert f"Rujukan {ref.number}: diterima" in text
        assert "Ditemukan di DTKS: ya" in text
        assert DEBUG_RE.search(re.sub(r"<[^>]+>", " ", text)) is None, \
            DEBUG_RE.search(re.sub(r"<[^>]+>", " ", text))
        assert NIK_RE.findall(text) == []


def test_old_entries_written_with_endpoint_names_read_plainly(app, db, desk, register):
    """Entries already in a production log, from before plain details."""
    from slrt.audit.services import audit

    case = register(desk["op"], name="Hasan Basri",
                    nik=build_nik("15.04.03", date(1977, 7, 7), "L", 1))
    audit("ubah", object_type="case", object_id=case.id, person_id=case.beneficiary_id,
          user=desk["op"], detail={"endpoint": "cases.add_note", "aksi": ""})
    audit("lihat_orang", object_type="registry", user=desk["op"],
          detail={"nik": "150403******0001", "ditemukan": False})
    db.session.commit()
    sup = app.test_client()
    login(sup, desk["sup"])
    rows = sup.get("/audit").text.split("<tbody>")[1]
    assert f"Kasus {case.number}" in rows and "Menambah catatan kasus" in rows
    assert "Ditemukan di DTKS: tidak" in rows
    assert DEBUG_RE.search(re.sub(r"<[^>]+>", " ", rows)) is None



def test_the_log_names_visits_and_attachments_by_date_kind_and_case(app, db, desk, register):
    """Entries written without a label of their own (older ones, changes) are named
    from the objects, one query per kind."""
    from slrt.audit.labels import object_labels
    from slrt.cases import attachments
    from slrt.outreach import services as outreach

    case = register(desk["op"], category="korban_bencana", name="Syamsul Bahri",
                    nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3))
    visit = outreach.record_visit(desk["fas"], case, outcome="bertemu", visited_at=NOW,
                                  notes="Rumah terbakar habis", now=NOW, photo=PNG)
    ktp = attachments.attach(desk["op"], case, kind="ktp", caption="KTP Syamsul", data=PNG,
                             now=NOW)
    db.session.commit()
    entries = [AuditEntry(action="unduh_berkas", object_type="visit", object_id=visit.id),
               AuditEntry(action="unduh_berkas", object_type="attachment", object_id=ktp.id),
               AuditEntry(action="unduh_berkas", object_type="attachment", object_id=ktp.id + 1)]
    assert object_labels(entries) == {
        ("visit", visit.id): f"Kunjungan 27-11-2026, kasus {case.number}",
        ("attachment", ktp.id): f"Lampiran Foto KTP, kasus {case.number}"}
