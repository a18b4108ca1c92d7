"""The referral letter tells the program what it needs to know of the registry."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.factories import ARO, build_kk, build_nik, refer_to
from tests.http import login


def test_a_kip_kuliah_letter_mentions_the_students_pending_registry_proposal(
        client, db, make_user, register):
    from slrt.proposals import services as proposals

    operator = make_user("operator", villages=[ARO])
    nik = build_nik("15.04.03", date(2007, 2, 14), "P", 3)
    case = register(operator, nik=nik, name="Nurul Aini", category="surat_kip")
    proposal = proposals.create_proposal(
        operator, kind="baru", village_code=ARO, now=datetime(2026, 11, 26, 3, tzinfo=UTC),
        name="Nurul Aini", nik=nik, no_kk=build_kk("15.04.03", date(2015, 3, 2), 7),
        case=case, source="kasus")
    db.session.commit()
    [referral] = refer_to(operator, case, "KIP_KULIAH")
    login(client, operator)
    letter = client.get(f"/rujukan/{referral.id}/surat").text
    assert "Usulan DTKS/DTSEN" in letter
    assert f"Pendaftaran baru {proposal.number}, diusulkan 26 November 2026" in letter
    assert "Pra-daftar (menunggu Musdes)" in letter


def test_a_letter_without_a_proposal_says_nothing_of_one(client, make_user, register):
    operator = make_user("operator", villages=[ARO])
    case = register(operator, nik=build_nik("15.04.03", date(1979, 9, 9), "L", 1),
                    name="Sahril", category="korban_bencana")
    [referral] = refer_to(operator, case, "BENCANA_LOG")
    login(client, operator)
    assert "Usulan DTKS/DTSEN" not in client.get(f"/rujukan/{referral.id}/surat").text
