"""The aid handover closes the loop: recording the berita acara can mark the aid
delivered in the same request, through the referral's "salurkan" move."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from slrt.common.errors import DomainError
from slrt.referrals import services
from slrt.referrals.aid import Composition, propose_package
from slrt.referrals.models import Referral
from slrt.status_page.views import next_step
from tests.factories import ARO, build_nik
from tests.factories import refer_to as refer
from tests.http import login, post

NOW = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
NOTE = "Diterima langsung di rumah saudara, Dusun II."


@pytest.fixture
def people(make_user):
    return {"op": make_user("operator", villages=[ARO]),
            "bencana": make_user("handler", programs=["BENCANA_LOG"],
                                 full_name="Yusnita Harahap"),
            "pkh": make_user("handler", programs=["PKH"])}


@pytest.fixture
def accepted(people, register):
    """A house-fire family referred to disaster logistics, the referral accepted."""
    case = register(people["op"], category="korban_bencana", urgency="darurat",
                    nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3), name="Syamsul Bahri",
                    household_size=4, children_count=2)
    ref = refer(people["op"], case, "BENCANA_LOG", now=NOW)[0]
    services.move(people["bencana"], ref, "terima", now=NOW)
    return ref


def _form(quantities: dict[str, int], **extra) -> dict:
    data = {"c_adult_men": "1", "c_adult_women": "1", "c_school_boys": "1",
            "c_school_girls": "1", "recipient_name": "Syamsul Bahri", "step": "simpan", **extra}
    data.update({f"q_{code}": str(q) for code, q in quantities.items()})
    return data


def test_handover_with_delivery_closes_the_referral_and_the_case(people, accepted, db):
    comp = Composition(adult_men=1, adult_women=1, school_boys=1, school_girls=1)
    services.record_handover(people["bencana"], accepted, comp, propose_package(comp),
                             "Syamsul Bahri", NOTE, now=NOW, deliver=True)
    db.session.commit()
    assert accepted.status == "tersalurkan" and not accepted.is_open
    assert accepted.outcome_note == NOTE
    assert accepted.case.status == "selesai"
    kinds = [e.kind for e in accepted.case.events]
    assert "serah_terima" in kinds and "rujukan_salurkan" in kinds
    # The public status page follows.
    assert next_step(accepted, NOW.date()) == \
        "Bantuan dari Bantuan logistik korban bencana sudah disalurkan."


def test_handover_without_delivery_keeps_the_referral_accepted(people, accepted, db):
    comp = Composition(adult_men=1)
    services.record_handover(people["bencana"], accepted, comp, {"matras": 1}, "Syamsul Bahri",
                             "", now=NOW)
    assert accepted.status == "diterima" and accepted.is_open


def test_the_handover_page_ticks_delivery_and_the_handler_may_untick_it(
        client, people, accepted, db):
    db.session.commit()
    login(client, people["bencana"])
    url = f"/rujukan/{accepted.id}/serah-terima"
    page = client.get(url).text
    assert 'name="deliver"' in page
    assert 'checked' in page.split('name="deliver"')[0].rsplit("<input", 1)[1] + \
        page.split('name="deliver"')[1].split(">", 1)[0]
    # Unticked (absent from the form): the handover is kept, the referral stays accepted.
    resp = post(client, url, _form({"matras": 2}))
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Referral, accepted.id).status == "diterima"
    assert db.session.get(Referral, accepted.id).handover is not None


def test_the_handover_page_marks_the_aid_delivered(client, people, accepted, db):
    db.session.commit()
    login(client, people["bencana"])
    resp = post(client, f"/rujukan/{accepted.id}/serah-terima",
                _form({"matras": 2, "air_minum": 3}, deliver="y", notes=NOTE))
    assert resp.status_code == 302
    db.session.expire_all()
    ref = db.session.get(Referral, accepted.id)
    assert ref.status == "tersalurkan" and ref.handover.recipient_name == "Syamsul Bahri"
    detail = client.get(f"/rujukan/{accepted.id}").text
    assert "Serah terima dicatat; bantuan ditandai sudah disalurkan." in detail
    assert "Bantuan disalurkan" in detail


def test_delivery_is_refused_with_the_handover_for_another_programs_handler(people, accepted,
                                                                            db):
    with pytest.raises(DomainError):
        services.record_handover(people["pkh"], accepted, Composition(adult_men=1),
                                 {"matras": 1}, "Syamsul Bahri", "", now=NOW, deliver=True)
    assert accepted.status == "diterima"
