"""The rules of the admin's pages live in the services every door calls: an
admin changes the programs of his own regency only, a password he sets is
temporary, and a user's own password change is checked by the service."""

from __future__ import annotations

import pytest

from slrt.common.errors import DomainError, NotAllowed
from tests.factories import PASSWORD

MJ = "15.05"


@pytest.fixture
def two_regencies(db, make_user):
    from slrt.referrals.catalog import load_programs
    from slrt.regions.services import load_province

    load_province("15")
    load_programs(MJ)
    db.session.commit()
    return {"admin": make_user("admin"), "admin_mj": make_user("admin", kabupaten=MJ),
            "handler": make_user("handler")}


def _change(actor, code, **overrides):
    from slrt.extensions import db
    from slrt.referrals.catalog import update_program
    from slrt.referrals.models import Program

    program = db.session.get(Program, code)
    values = {"name": program.name, "unit": program.unit,
              "registry_requirement": program.registry_requirement,
              "service_days": program.service_days, "min_age": program.min_age,
              "max_decile": program.max_decile, "eligibility_hint": program.eligibility_hint,
              "is_active": program.is_active}
    values.update(overrides)
    lists = {k: values.pop(k) for k in ("categories", "exclusive_with", "documents")
             if k in values}
    return update_program(actor, program, categories=lists.get("categories", []),
                          exclusive_with=lists.get("exclusive_with", []),
                          documents=lists.get("documents", []), **values)


def test_an_admin_changes_his_regencys_program_and_only_known_codes_stay(two_regencies):
    program = _change(two_regencies["admin"], "BENCANA_SANTUNAN", service_days=7,
                      registry_requirement="wajib",
                      categories=["korban_bencana", "kategori_karangan", "korban_bencana"],
                      exclusive_with=["BENCANA_LOG", "PKH_1505", "TIDAK_ADA"],
                      documents=["  Surat keterangan desa ", "", "Foto rumah"])
    assert (program.service_days, program.registry_requirement) == (7, "wajib")
    assert program.categories == ["korban_bencana"]
    assert program.exclusive_with == ["BENCANA_LOG"]  # not Muaro Jambi's PKH
    assert program.documents == ["Surat keterangan desa", "Foto rumah"]


@pytest.mark.parametrize("who", ["admin_mj", "handler"])
def test_nobody_else_changes_a_program_whatever_door_calls(two_regencies, db, who):
    from slrt.referrals.models import Program

    with pytest.raises(NotAllowed):
        _change(two_regencies[who], "BENCANA_SANTUNAN", service_days=1)
    db.session.rollback()
    assert db.session.get(Program, "BENCANA_SANTUNAN").service_days != 1


def test_a_password_set_by_the_admin_is_temporary_and_ends_the_sessions(two_regencies,
                                                                       make_user):
    from slrt.auth.services import update_user

    user = make_user("operator", full_name="Rina Marlina")
    before = user.session_version
    update_user(user, role="operator", villages=user.village_codes, programs=[],
                full_name=user.full_name, email=None, phone=None, is_active=True,
                actor=two_regencies["admin"], password="Pematang Sulur 1987")
    assert user.check_password("Pematang Sulur 1987") and user.must_change_password
    assert user.session_version != before
    with pytest.raises(DomainError) as refused:
        update_user(user, role="operator", villages=user.village_codes, programs=[],
                    full_name=user.full_name, email=None, phone=None, is_active=True,
                    actor=two_regencies["admin"], password="password")
    assert refused.value.field == "password"


@pytest.mark.parametrize("current,new,repeat,field", [
    ("salah-sekali-2026", "Sungai Baung 2027", "Sungai Baung 2027", "current"),
    (PASSWORD, "Sungai Baung 2027", "Sungai Baung 2028", "repeat"),
    (PASSWORD, PASSWORD, PASSWORD, "new"),
    (PASSWORD, "password123", "password123", "new"),
])
def test_ones_own_password_change_is_checked_by_the_service(make_user, current, new, repeat,
                                                             field):
    from slrt.auth.services import change_own_password

    user = make_user("operator")
    with pytest.raises(DomainError) as refused:
        change_own_password(user, current=current, new=new, repeat=repeat)
    assert refused.value.field == field and refused.value.message
    assert user.check_password(PASSWORD)


def test_ones_own_password_change_replaces_a_temporary_one(make_user):
    from slrt.auth.services import change_own_password

    user = make_user("operator")
    user.must_change_password = True
    change_own_password(user, current=PASSWORD, new="Rambahan Ilir 2027",
                        repeat="Rambahan Ilir 2027")
    assert user.check_password("Rambahan Ilir 2027") and not user.must_change_password
