"""The facilitator's day: Desa saya, outreach visits, follow-up contacts."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from slrt.common.errors import DomainError
from slrt.notifications import services as reminders
from slrt.outreach import services as outreach
from slrt.outreach.models import FollowUpTask, OutreachVisit
from slrt.proposals.models import Proposal, RegistryFlag
from tests.factories import ARO, PNG, wib
from tests.http import login, post


def test_my_villages_lists_waiting_families_with_address_phone_tasks_and_proposals(
        world, client, db):
    reminders.send_due(wib(2026, 1, 12, 8))  # escalated: a task for Aro's facilitator
    login(client, world["fas"])
    page = client.get("/desa-saya").text
    assert "Syamsul Bahri" in page
    assert "Dusun III RT 004/RW 002" in page and "081274561230" in page
    assert "Lewat batas" in page and "Bantuan logistik korban bencana" in page
    assert world["fire_ref"].number in page
    assert "Jamilah" not in page  # Olak is not this facilitator's village
    task = db.session.scalars(select(FollowUpTask).where(
        FollowUpTask.village_code == ARO)).one()
    assert f"/desa-saya/kasus/{world['fire'].id}/kunjungan?task={task.id}" in page
    assert "Tugas tindak lanjut (1)" in page
    outreach.record_visit(world["fas"], world["died"], outcome="meninggal",
                          visited_at=wib(2026, 1, 12, 9), notes="Meninggal 3 Januari 2026",
                          now=wib(2026, 1, 12, 10), confirm_stale=True)
    db.session.commit()
    page = client.get("/desa-saya").text
    assert "Usulan DTKS yang masih berjalan (1)" in page and "Penonaktifan" in page
    # Once the aid is delivered the family waits no more and the task needs no visit.
    from slrt.referrals import services as referrals

    referrals.move(world["handler"], world["fire_ref"], "terima", now=wib(2026, 1, 12, 13))
    referrals.move(world["handler"], world["fire_ref"], "salurkan", now=wib(2026, 1, 12, 14))
    db.session.commit()
    page = client.get("/desa-saya").text
    assert "Syamsul Bahri" not in page and "Tugas tindak lanjut (0)" in page


def test_not_at_home_in_the_morning_suggests_the_afternoon_and_keeps_the_task_open(world, db):
    reminders.send_due(wib(2027, 1, 20, 8))
    task = db.session.scalars(select(FollowUpTask).where(FollowUpTask.village_code == ARO)).one()
    visit = outreach.record_visit(world["fas"], world["fire"], outcome="tidak_di_rumah",
                                  visited_at=wib(2027, 1, 20, 9, 15), notes="Rumah terkunci",
                                  now=wib(2027, 1, 20, 10), task=task)
    db.session.commit()
    assert visit.next_visit_hint.startswith("20 Januari 2027 15.30 WIB")
    assert "kebun" in visit.next_visit_hint
    assert task.status == "terbuka" and task.suggested_visit == visit.next_visit_hint
    # An afternoon miss on Friday: early on the next working morning (Monday).
    again = outreach.record_visit(world["fas"], world["fire"], outcome="tidak_di_rumah",
                                  visited_at=wib(2027, 1, 22, 14), notes="",
                                  now=wib(2027, 1, 22, 15), task=task)
    assert again.next_visit_hint.startswith("25 Januari 2027 06.30 WIB")
    met = outreach.record_visit(world["fas"], world["fire"], outcome="bertemu",
                                visited_at=wib(2027, 1, 25, 6, 40),
                                notes="Keluarga masih menumpang di rumah saudara",
                                now=wib(2027, 1, 25, 8), task=task,
                                latitude="-1.7123", longitude="103.2741")
    db.session.commit()
    assert task.status == "selesai" and task.closed_by_id == world["fas"].id
    assert (met.latitude, met.longitude) == (-1.7123, 103.2741)
    events = [e for e in world["fire"].events if e.kind == "kunjungan"]
    assert len(events) == 3
    assert "Tidak di rumah" in events[0].text and "15.30 WIB" in events[0].text
    assert "Bertemu warga" in events[2].text and "menumpang" in events[2].text
    assert events[2].data["latitude"] == -1.7123


def test_died_raises_a_registry_deactivation_proposal(world, db):
    visit = outreach.record_visit(world["fas"], world["died"], outcome="meninggal",
                                  visited_at=wib(2026, 1, 12, 9),
                                  notes="Meninggal 3 Januari 2026, keterangan kepala dusun",
                                  now=wib(2026, 1, 12, 10), confirm_stale=True)
    db.session.commit()
    proposal = db.session.get(Proposal, visit.proposal_id)
    assert (proposal.kind, proposal.reason_code, proposal.source, proposal.nik) == (
        "nonaktif", "meninggal", "penjangkauan", world["record"].nik)
    flag = db.session.scalars(select(RegistryFlag)).one()
    assert (flag.kind, flag.registry_record_id) == ("meninggal", world["record"].id)
    event = [e for e in world["died"].events if e.kind == "kunjungan"][-1]
    assert f"Usulan penonaktifan DTKS {proposal.number}" in event.text
    # The fire victim is not in the registry: the visit says so, no proposal.
    moved = outreach.record_visit(world["fas"], world["fire"], outcome="pindah",
                                  visited_at=wib(2026, 1, 12, 11), notes="Pindah ke Jambi",
                                  now=wib(2026, 1, 12, 12))
    assert moved.proposal_id is None
    assert "tidak tercatat aktif di DTKS" in world["fire"].events[-1].text


def test_visit_rules(world):
    fas = world["fas"]
    with pytest.raises(DomainError, match="Pilih hasil"):
        outreach.record_visit(fas, world["fire"], outcome="entah", visited_at=wib(2026, 1, 12),
                              notes="", now=wib(2026, 1, 12, 11))
    with pytest.raises(DomainError, match="masa depan"):
        outreach.record_visit(fas, world["fire"], outcome="bertemu",
                              visited_at=wib(2026, 1, 13), notes="", now=wib(2026, 1, 12))
    with pytest.raises(DomainError, match="Lintang di luar"):
        outreach.record_visit(fas, world["fire"], outcome="bertemu", visited_at=wib(2026, 1, 12),
                              notes="", now=wib(2026, 1, 12, 11), latitude="95", longitude="103")
    with pytest.raises(DomainError, match="luar wilayah"):
        outreach.record_visit(fas, world["olak"], outcome="bertemu", visited_at=wib(2026, 1, 12),
                              notes="", now=wib(2026, 1, 12, 11))


def test_visit_form_with_photo_and_contact_into_the_timeline(world, client, db, app):
    login(client, world["fas"])
    url = f"/desa-saya/kasus/{world['fire'].id}/kunjungan"
    page = client.get(url)
    assert page.status_code == 200 and "Syamsul Bahri" in page.text
    from tests.http import csrf_from

    token = csrf_from(page.text)
    bad = client.post(url, data={"csrf_token": token, "visited_at": "2026-01-12T09:00",
                                 "outcome": "bertemu", "notes": "",
                                 "photo": (io.BytesIO(b"GIF89a gambar"), "rumah.gif")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "Foto harus berupa JPG atau PNG" in bad.text
    resp = client.post(url, data={"csrf_token": token, "visited_at": "2026-01-12T09:00",
                                  "outcome": "bertemu", "notes": "Keluarga tinggal di tenda",
                                  "latitude": "-1.7123", "longitude": "103.2741",
                                  "photo": (io.BytesIO(PNG), "../../static/x.png")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    visit = db.session.scalars(select(OutreachVisit)).one()
    from slrt.platform import storage

    stored = storage.get(visit.photo_path)  # in the app's file store, keyed "photos/..."
    # re-encoded as a JPEG without metadata (tests/outreach/test_visit_photos.py)
    assert stored[:3] == b"\xff\xd8\xff" and visit.photo_mime == "image/jpeg"
    assert visit.photo_path.startswith("photos/") and visit.photo_path.endswith(".jpg")
    assert len(visit.photo_path) == len("photos/") + 36 and ".." not in visit.photo_path
    photo = client.get(f"/desa-saya/kunjungan/{visit.id}/foto")
    assert photo.status_code == 200 and photo.data == stored
    assert photo.mimetype == "image/jpeg"
    resp = post(client, f"/desa-saya/kasus/{world['fire'].id}/kontak",
                {"text": "Menelepon Bu Yusnita; bantuan dijadwalkan Jumat"}, url)
    assert resp.status_code == 302
    case_page = client.get(f"/kasus/{world['fire'].id}").text
    assert "Tindak lanjut: Menelepon Bu Yusnita; bantuan dijadwalkan Jumat" in case_page
    assert "Kunjungan penjangkauan 12 Januari 2026 09.00 WIB: Bertemu warga." in case_page
    # Another village's case and another village's facilitator: 404.
    assert client.get(f"/desa-saya/kasus/{world['olak'].id}/kunjungan").status_code == 404
    client.post("/keluar", data={"csrf_token": csrf_from(client.get("/").text)})
    login(client, world["op_olak"])
    assert client.get(f"/desa-saya/kunjungan/{visit.id}/foto").status_code == 404


def test_a_visit_for_a_task_another_facilitator_closed_is_refused_with_who_and_when(
        world, db, make_user):
    """The field app's visit logged offline for a task closed meanwhile is refused,
    nothing written; the same visit on the case alone is kept."""
    reminders.send_due(wib(2026, 1, 12, 8))
    task = db.session.scalars(select(FollowUpTask).where(FollowUpTask.village_code == ARO)).one()
    other = make_user("fasilitator", villages=[ARO], full_name="Dewi Lestari")
    outreach.record_visit(other, world["fire"], outcome="bertemu",
                          visited_at=wib(2026, 1, 13, 9), notes="Keluarga ditemui di kebun.",
                          now=wib(2026, 1, 13, 10), task=task)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        outreach.record_visit(world["fas"], world["fire"], outcome="tidak_di_rumah",
                              visited_at=wib(2026, 1, 13, 8), notes="Rumah terkunci.",
                              now=wib(2026, 1, 14, 7), task=task)
    assert refused.value.message == (
        "Tugas ini sudah ditutup oleh petugas lain (Dewi Lestari, 13 Januari 2026).")
    assert refused.value.field == "task_id"
    db.session.rollback()
    with pytest.raises(DomainError) as own:
        outreach.record_visit(other, world["fire"], outcome="bertemu",
                              visited_at=wib(2026, 1, 13, 11), notes="", now=wib(2026, 1, 14, 7),
                              task=task)
    assert own.value.message == "Tugas ini sudah Anda tutup (13 Januari 2026)."
    db.session.rollback()
    kept = outreach.record_visit(world["fas"], world["fire"], outcome="tidak_di_rumah",
                                 visited_at=wib(2026, 1, 13, 8), notes="Rumah terkunci.",
                                 now=wib(2026, 1, 14, 7))
    db.session.commit()
    assert kept.task_id is None
    assert db.session.scalar(select(func.count()).select_from(OutreachVisit)) == 2
