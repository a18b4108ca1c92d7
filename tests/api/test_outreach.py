"""Outreach through the API: the facilitator's follow-up list, a visit with its
photo (JSON base64 or multipart) cleaned by the outreach service, moved/died
with the web form's safeguards, Idempotency-Key for the field app's sync."""

from __future__ import annotations

import base64
import io
from datetime import date, datetime, timedelta

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from slrt.platform import storage
from tests.factories import ARO, PNG, wib


@pytest.fixture
def field(aro_outreach, register, make_registry, db):
    """Hendra's late burned house in Aro (tests/api/conftest.py), a case in Olak,
    and a listed resident of Aro who died."""
    record = make_registry("Usman Harun", birth=date(1941, 2, 1))
    died = register(aro_outreach["op"], category="ppks_lansia_terlantar", name="Usman Harun",
                    nik=record.nik, record_id=record.id, when=wib(2026, 1, 6, 9))
    db.session.commit()
    return dict(aro_outreach, died=died, record=record)


def test_follow_up_list_shows_tasks_late_referrals_and_where_the_family_lives(client, field):
    resp = client.get("/api/v1/outreach/follow-ups", headers=field["headers"])
    assert resp.status_code == 200, resp.text
    body = resp.get_json()
    assert body["village_codes"] == [ARO]
    [task] = body["tasks"]
    assert task["case_number"] == field["fire"].number
    assert task["resident"] == {"name": "Syamsul Bahri", "nik_masked": task["resident"][
        "nik_masked"], "address": "", "dusun": "Dusun III", "rt": "004", "rw": "002",
        "phone": "081274561230"}
    assert "3" not in task["resident"]["nik_masked"][6:12]  # the NIK stays masked
    [waiting] = body["waiting"]
    assert waiting["referral_number"] == field["fire"].referrals[0].number
    assert waiting["clock"] in ("lewat", "eskalasi", "terlambat") or waiting["clock_label"]
    # Jamilah lives in Olak: not on Hendra's list.
    assert "Jamilah" not in resp.text


def test_an_operator_token_may_not_read_the_facilitators_list_of_another_role(
        client, app, db, make_user):
    from slrt.api import services
    from slrt.common.time import now_utc

    handler = make_user("handler", programs=["BENCANA_LOG"])
    token = services.login(handler, now=now_utc())["access_token"]
    db.session.commit()
    resp = client.get("/api/v1/outreach/follow-ups", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 403
    assert resp.mimetype == "application/problem+json"


def _camera_jpeg() -> bytes:
    img = Image.new("RGB", (640, 480), (90, 120, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Samsung"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({ExifTags.GPS.GPSLatitudeRef: "S",
                                               ExifTags.GPS.GPSLatitude: (1.0, 42.0, 44.28)})
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _stored_photo(app, db, visit_ref):
    from slrt.api.core import parse_public_id
    from slrt.outreach.models import OutreachVisit

    v = db.session.get(OutreachVisit, parse_public_id("visit", visit_ref))
    return storage.get(v.photo_path), v


def test_visit_with_base64_photo_closes_the_task_and_the_photo_loses_its_exif(
        client, field, app, db):
    photo = _camera_jpeg()
    assert b"Samsung" in photo
    visited = (wib(2026, 1, 12, 9)).isoformat()
    body = {"outcome": "bertemu", "visited_at": visited, "notes": "Keluarga menumpang di "
            "rumah saudara; tenda belum datang.", "latitude": -1.712, "longitude": 103.274,
            "task_id": client.get("/api/v1/outreach/follow-ups", headers=field["headers"])
            .get_json()["tasks"][0]["id"],
            "photo_base64": base64.b64encode(photo).decode()}
    resp = client.post(f"/api/v1/outreach/cases/{_case_id(field['fire'])}/visits", json=body,
                       headers={**field["headers"], "Idempotency-Key": "hp-hendra-0001"})
    assert resp.status_code == 201, resp.text
    out = resp.get_json()
    assert (out["outcome"], out["has_photo"], out["latitude"]) == ("bertemu", True, -1.712)
    stored, visit = _stored_photo(app, db, out["id"])
    assert b"Samsung" not in stored and stored.startswith(b"\xff\xd8\xff")
    with Image.open(io.BytesIO(stored)) as img:
        assert not img.getexif()
    db.session.refresh(field["task"])
    assert field["task"].status == "selesai"
    # The field app syncs again after a lost answer: the same visit, not a second one.
    again = client.post(f"/api/v1/outreach/cases/{_case_id(field['fire'])}/visits", json=body,
                        headers={**field["headers"], "Idempotency-Key": "hp-hendra-0001"})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == out["id"]
    from slrt.outreach.models import OutreachVisit
    assert db.session.scalar(select(func.count()).select_from(OutreachVisit)) == 1


def _case_id(case) -> str:
    from slrt.api.core import public_id

    return public_id("case", case.id)


def test_visit_as_multipart_with_a_photo_file(client, field, app, db):
    form = {"outcome": "tidak_di_rumah", "visited_at": "2026-01-12T09:30",
            "notes": "Rumah kosong, tetangga bilang ke kebun.",
            "photo": (io.BytesIO(PNG), "rumah.png")}
    resp = client.post(f"/api/v1/outreach/cases/{_case_id(field['fire'])}/visits", data=form,
                       content_type="multipart/form-data",
                       headers={**field["headers"], "Idempotency-Key": "hp-hendra-0002"})
    assert resp.status_code == 201, resp.text
    out = resp.get_json()
    assert out["has_photo"] is True
    assert out["next_visit"]  # morning miss: try again in the afternoon
    assert datetime.fromisoformat(out["visited_at"]) == wib(2026, 1, 12, 9, 30)  # read as WIB
    # The same key with another photo is another request: refused, not replayed.
    form2 = {**form, "photo": (io.BytesIO(_camera_jpeg()), "lain.jpg")}
    other = client.post(f"/api/v1/outreach/cases/{_case_id(field['fire'])}/visits", data=form2,
                        content_type="multipart/form-data",
                        headers={**field["headers"], "Idempotency-Key": "hp-hendra-0002"})
    assert other.status_code == 422


def test_died_needs_a_note_and_the_confirmation_then_raises_a_proposal(client, field, db):
    from slrt.proposals.models import Proposal, RegistryFlag

    url = f"/api/v1/outreach/cases/{_case_id(field['died'])}/visits"
    base = {"outcome": "meninggal", "visited_at": wib(2026, 1, 12, 9).isoformat()}
    no_note = client.post(url, json={**base, "confirm": True}, headers=field["headers"])
    assert no_note.status_code == 422
    assert no_note.get_json()["errors"][0]["field"] == "note"
    note = {**base, "notes": "Meninggal 3 Januari 2026, keterangan kepala dusun"}
    unconfirmed = client.post(url, json=note, headers=field["headers"])
    assert unconfirmed.status_code == 422
    assert unconfirmed.get_json()["errors"][0]["field"] == "confirm"
    assert db.session.scalar(select(func.count()).select_from(RegistryFlag)) == 0
    done = client.post(url, json={**note, "confirm": True}, headers=field["headers"])
    assert done.status_code == 201, done.text
    proposal = db.session.scalars(select(Proposal)).one()
    assert done.get_json()["proposal_number"] == proposal.number
    assert (proposal.kind, proposal.reason_code) == ("nonaktif", "meninggal")


def test_visit_outside_the_villages_or_with_bad_input_is_refused(client, field):
    olak = client.post(f"/api/v1/outreach/cases/{_case_id(field['olak'])}/visits",
                       json={"outcome": "bertemu", "visited_at": "2026-01-12T09:00"},
                       headers=field["headers"])
    assert olak.status_code == 404
    url = f"/api/v1/outreach/cases/{_case_id(field['fire'])}/visits"
    future = (date.today() + timedelta(days=3)).isoformat() + "T09:00"
    for body, name in [({"outcome": "entah", "visited_at": "2026-01-12T09:00"}, "outcome"),
                       ({"outcome": "bertemu", "visited_at": future}, "visited_at"),
                       ({"outcome": "bertemu", "visited_at": "2026-01-12T09:00",
                         "latitude": 95, "longitude": 103}, "latitude"),
                       ({"outcome": "bertemu", "visited_at": "2026-01-12T09:00",
                         "photo_base64": "bukan foto!"}, "photo_base64"),
                       ({"outcome": "bertemu", "visited_at": "2026-01-12T09:00",
                         "photo_base64": base64.b64encode(b"%PDF-1.4").decode()}, "photo")]:
        resp = client.post(url, json=body, headers=field["headers"])
        assert resp.status_code == 422, (body, resp.text)
        assert resp.get_json()["errors"][0]["field"] == name
    text = client.post(url, data="outcome=bertemu", headers={
        **field["headers"], "Content-Type": "text/plain"})
    assert text.status_code == 415
