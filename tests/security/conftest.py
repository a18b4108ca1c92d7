"""The world of the role matrix: a case with its person, a referral with its
handover, a proposal decided in a Musdes, a registry record, an import, a visit, an
attachment of the case, the regency's letterhead with its logo."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import ARO, build_nik, handed_over
from tests.security.matrix import ROLES


@pytest.fixture
def world(make_user, register, db, app, tmp_path, make_registry):
    from datetime import UTC, datetime

    users = {role: make_user(role, villages=[ARO] if role in ("operator", "fasilitator") else None)
             for role in ROLES}
    case = register(users["operator"], nik=build_nik("15.04.03", date(1979, 9, 9), "L", 1),
                    name="Sahril", category="korban_bencana")
    now = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    referral = handed_over(users["operator"], users["handler"], case, "Sahril", now=now)

    from slrt.proposals import services as proposals

    app.instance_path = str(tmp_path)
    record = make_registry("Usman Harun")
    proposal = proposals.create_proposal(
        users["operator"], kind="nonaktif", village_code=ARO, now=now, record=record,
        reason_code="meninggal")
    musdes = proposals.record_musdes(
        users["operator"], village_code=ARO, held_on=date(2026, 11, 20), place="Balai Desa",
        attendees=12, minutes_number="1/BA/2026", decisions={proposal.id: ("disetujui", "")},
        now=now, scan=b"%PDF-1.4 ba", scan_name="ba.pdf")
    from slrt.dtks.models import RegistryImport

    registry_import = RegistryImport(file_name="dtks.txt", period="2022-07", status="validated",
                                     scope_code="15.04",
                                     rows_total=10, rows_valid=10)
    db.session.add(registry_import)
    from slrt.outreach import services as outreach
    from tests.factories import PNG

    visit = outreach.record_visit(users["fasilitator"], case, outcome="bertemu", visited_at=now,
                                  notes="", now=now, photo=PNG)
    from slrt.admin import letterhead
    from slrt.cases import attachments

    attachment = attachments.attach(users["operator"], case, kind="ktp", caption="KTP Sahril",
                                    data=PNG, now=now)
    letterhead.save(users["admin"], name="PEMERINTAH KABUPATEN BATANG HARI\nDINAS SOSIAL",
                    address="Jl. Sulthan Thaha No. 03, Muara Bulian", phone="(0743) 21034",
                    logo=PNG)
    db.session.commit()
    case.referral_id = referral.id
    case.ids = {"proposal_id": proposal.id, "musdes_id": musdes.id, "record_id": record.id,
                "import_id": registry_import.id, "visit_id": visit.id,
                "attachment_id": attachment.id}
    return users, case
