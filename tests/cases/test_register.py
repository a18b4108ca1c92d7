"""Front-desk services: registration, registry evidence, duplicates, closing, scope."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from slrt.cases import services
from slrt.cases.models import Case, CaseEvent, Person, RegistryCheck
from slrt.common.errors import DomainError
from tests.factories import ARO, MUARA_BULIAN, OLAK, build_nik


def test_registered_resident_gets_case_with_registry_evidence(make_user, make_registry, register,
                                                             db, now):
    op = make_user("operator", villages=[ARO])
    rec = make_registry("Siti Aminah", birth=date(1969, 4, 12), sex="P", pbi=True, pkh=True)
    case = register(op, nik=rec.nik, name="Siti Aminah")
    assert re.fullmatch(r"BH-2611-\d{4}", case.number)
    check = db.session.scalars(select(RegistryCheck).where(RegistryCheck.case_id == case.id)).one()
    assert check.found and check.method == "nik" and check.period == "2022-07"
    assert check.checked_by_id == op.id and check.checked_at == now
    assert check.result["programs"] == ["PKH", "PBI-JK (KIS)"]
    assert check.result["registry_id"] == rec.registry_id
    kinds = [e.kind for e in db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))]
    assert kinds == ["dibuat", "cek_dtks"]


def test_evidence_stays_as_it_was_when_registry_changes(make_user, make_registry, register, db):
    op = make_user("operator")
    rec = make_registry("Ahmad Rifai", pkh=True)
    case = register(op, nik=rec.nik, name="Ahmad Rifai")
    rec.pkh = False
    rec.is_active = False
    db.session.commit()
    old = case.registry_checks[0]
    assert old.result["programs"] == ["PKH"] and old.result["active"] is True
    services.recheck_registry(op, case, now=datetime(2026, 12, 1, tzinfo=UTC))
    db.session.commit()
    db.session.refresh(case)
    assert [c.result["active"] for c in case.registry_checks] == [True, False]


def test_resident_not_in_registry_is_recorded_as_not_found_with_period(make_user, make_registry,
                                                                       register):
    op = make_user("operator")
    make_registry("Warga Lain")  # the registry has data for 2022-07
    nik = build_nik("15.04.03", date(2005, 8, 15), "P", 2)
    case = register(op, nik=nik, name="Nurul Aini", category="surat_kip")
    check = case.registry_checks[0]
    assert not check.found and check.period == "2022-07"
    assert "tidak terdaftar" in case.events[-1].text
    assert case.beneficiary.nik == nik


def test_unidentified_person_has_no_nik_and_no_registry_check(make_user, register):
    op = make_user("operator", villages=[MUARA_BULIAN])
    case = register(op, village=MUARA_BULIAN, name="", is_unidentified=True,
                    identifying_notes="Perempuan lansia di depan minimarket",
                    category="ppks_lansia_terlantar")
    assert case.beneficiary.display_name == "Identitas tidak diketahui"
    assert case.registry_checks[0].method == "none" and not case.registry_checks[0].found


def test_case_numbers_are_unique_and_count_per_month(make_user, register, now):
    op = make_user("operator")
    numbers = [register(op, nik=build_nik("15.04.03", date(1980, 1, 1 + i), "L", 1),
                        name=f"Warga {i}").number for i in range(3)]
    assert numbers == ["BH-2611-0001", "BH-2611-0002", "BH-2611-0003"]
    december = register(op, nik=build_nik("15.04.03", date(1981, 1, 1), "L", 1), name="Budi",
                         when=now + timedelta(days=10))
    assert december.number == "BH-2612-0001"


def test_case_month_follows_wib_not_utc(make_user, register):
    op = make_user("operator")
    # 30 November 18:00 UTC is already 1 December 01:00 WIB.
    case = register(op, nik=build_nik("15.04.03", date(1990, 5, 5), "L", 9), name="Joko",
                    when=datetime(2026, 11, 30, 18, 0, tzinfo=UTC))
    assert case.number.startswith("BH-2612-")


def test_duplicate_open_case_of_same_category_is_refused(make_user, make_registry, register, db):
    op = make_user("operator")
    rec = make_registry("Rosmawati", sex="P", birth=date(1982, 2, 7))
    first = register(op, nik=rec.nik, name="Rosmawati")
    with pytest.raises(services.DuplicateOpenCase) as exc:
        register(op, nik=rec.nik, name="Rosmawati")
    db.session.rollback()
    assert exc.value.case.id == first.id
    assert first.number in exc.value.message
    # another category is a different complaint
    other = register(op, nik=rec.nik, name="Rosmawati", category="bansos_tidak_diterima")
    assert other.id != first.id
    # the operator may insist
    again = register(op, nik=rec.nik, name="Rosmawati", allow_duplicate=True)
    assert again.id not in (first.id, other.id)
    assert db.session.scalar(select(Person.id).where(Person.nik == rec.nik)) == first.beneficiary_id


def test_duplicate_check_ignores_closed_cases(make_user, register, db, now):
    op = make_user("operator")
    nik = build_nik("15.04.03", date(1977, 7, 7), "L", 3)
    first = register(op, nik=nik, name="Hasan")
    services.close_at_desk(op, first, "informasi", "", now=now)
    db.session.commit()
    second = register(op, nik=nik, name="Hasan")
    assert second.id != first.id


def test_add_to_open_case_appends_to_timeline(make_user, register, db, now):
    op = make_user("operator")
    case = register(op, nik=build_nik("15.04.03", date(1970, 3, 3), "P", 4), name="Lastri")
    services.add_to_open_case(op, case, "Datang lagi, KIS masih ditolak.", "telepon", now=now)
    db.session.commit()
    assert case.events[-1].kind == "pengaduan_tambahan"
    assert "KIS masih ditolak" in case.events[-1].text


def test_close_at_desk_requires_outcome_and_records_who(make_user, register, db, now):
    op = make_user("operator")
    case = register(op, nik=build_nik("15.04.03", date(1966, 6, 6), "L", 5), name="Darman")
    with pytest.raises(DomainError) as exc:
        services.close_at_desk(op, case, "", "", now=now)
    assert exc.value.field == "outcome"
    with pytest.raises(DomainError):
        services.close_at_desk(op, case, "lainnya", "  ", now=now)
    services.close_at_desk(op, case, "ditangani_desa", "Diberi surat pengantar.", now=now)
    db.session.commit()
    assert case.status == "selesai" and case.closed_by_id == op.id and case.closed_at == now
    assert case.events[-1].kind == "ditutup"
    with pytest.raises(DomainError, match="sudah selesai"):
        services.close_at_desk(op, case, "informasi", "", now=now)


def test_close_with_stale_version_is_refused(make_user, register, now):
    op = make_user("operator")
    case = register(op, nik=build_nik("15.04.03", date(1966, 6, 7), "L", 5), name="Darmin")
    with pytest.raises(DomainError, match="diubah oleh pengguna lain"):
        services.close_at_desk(op, case, "informasi", "", now=now,
                               expected_version=case.version - 1)


def test_operator_cannot_register_or_act_outside_her_village(make_user, register, db, now):
    op_aro = make_user("operator", villages=[ARO])
    op_olak = make_user("operator", villages=[OLAK])
    with pytest.raises(DomainError, match="di luar wilayah"):
        register(op_aro, village=OLAK, nik=build_nik("15.04.03", date(1988, 8, 8), "L", 6),
                 name="Usman")
    db.session.rollback()
    case = register(op_olak, village=OLAK, nik=build_nik("15.04.03", date(1988, 8, 8), "L", 6),
                    name="Usman")
    for act in (lambda: services.add_note(op_aro, case, "catatan", now=now),
                lambda: services.close_at_desk(op_aro, case, "informasi", "", now=now)):
        with pytest.raises(DomainError):
            act()


@pytest.mark.parametrize("role", ["handler", "admin"])
def test_handler_and_admin_cannot_register(make_user, register, role):
    user = make_user(role)
    with pytest.raises(DomainError):
        register(user, nik=build_nik("15.04.03", date(1990, 1, 2), "L", 7), name="Slamet")


def test_validation_of_complaint(make_user, register, db, now):
    op = make_user("operator")
    nik = build_nik("15.04.03", date(1991, 2, 2), "L", 8)
    cases = [
        (dict(category="tidak_ada"), "category_code"),
        (dict(description="   "), "description"),
        (dict(channel="merpati"), "channel"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as exc:
            register(op, nik=nik, name="Yanto", **kwargs)
        db.session.rollback()
        assert exc.value.field == field
    assert db.session.scalar(select(Case.id)) is None
    assert db.session.scalar(select(Person.id)) is None
