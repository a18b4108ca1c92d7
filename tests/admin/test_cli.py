"""The command line: regions, users, catalogs, demo data."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from slrt.auth.models import User
from slrt.regions.models import Region


def count(db, stmt):
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def test_regions_load_nationwide_levels_and_one_regency_villages(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["regions", "load", "--kabupaten", "15.71"])
    assert result.exit_code == 0, result.output
    provinces = count(db, select(Region.code).where(Region.level == "provinsi"))
    districts = count(db, select(Region.code).where(Region.level == "kecamatan"))
    assert provinces == 38 and districts == 7285
    # the template had Batanghari's villages; Kota Jambi's were added
    kota_jambi = count(db, select(Region.code).where(Region.code.like("15.71.%.%")))
    assert kota_jambi > 50
    # villages of other regencies are not loaded
    assert count(db, select(Region.code).where(Region.code.like("32.73.%.%"))) == 0
    # two Pelayangan villages in Batanghari, distinct by code
    pel = db.session.scalars(select(Region).where(Region.name == "Pelayangan")).all()
    assert len({r.code for r in pel}) >= 2
    again = runner.invoke(args=["regions", "load", "--kabupaten", "15.71"])
    assert "0 baru" in again.output


def test_regions_load_unknown_regency_fails_clearly(app):
    result = app.test_cli_runner().invoke(args=["regions", "load", "--kabupaten", "99.99"])
    assert result.exit_code != 0 and "tidak ada" in result.output


@pytest.mark.parametrize("args, error", [
    (["users", "create", "rina", "--role", "operator"], "tepat satu desa"),
    (["users", "create", "rina", "--role", "operator", "--desa", "15.04.03.2013",
      "--desa", "15.04.03.2011"], "tepat satu desa"),
    (["users", "create", "rina", "--role", "operator", "--desa", "15.04.03"], "tidak dikenal"),
    (["users", "create", "yus", "--role", "handler"], "program"),
    (["users", "create", "yus", "--role", "handler", "--program", "NGAWUR"], "tidak dikenal"),
])
def test_users_create_checks_scope(app, db, args, error):
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0 and error in result.output
    assert count(db, select(User.id)) == 0


def test_users_create_refuses_a_village_of_another_regency(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["regions", "load", "--kabupaten", "15.71"]).exit_code == 0
    village = db.session.scalar(select(Region.code).where(Region.code.like("15.71.%.%")))
    result = runner.invoke(args=["users", "create", "rina", "--role", "operator",
                                 "--desa", village])
    assert result.exit_code != 0 and "luar kabupaten" in result.output


def test_users_create_prints_one_time_password_and_hashes_it(app, db):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "Rina", "--role", "fasilitator", "--desa", "15.04.03.2013",
        "--desa", "15.04.03.2011", "--name", "Rina Marlina"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Kata sandi sekali pakai: ")[1].split()[0]
    user = db.session.scalars(select(User)).one()
    assert user.username == "rina" and user.village_codes == ["15.04.03.2011", "15.04.03.2013"]
    assert password not in user.password_hash and user.password_hash.startswith("scrypt")
    assert user.check_password(password) and user.must_change_password
    dup = app.test_cli_runner().invoke(args=["users", "create", "rina", "--role", "supervisor"])
    assert dup.exit_code != 0 and "sudah dipakai" in dup.output


def test_demo_load_is_complete_and_idempotent(app, db):
    from slrt.cases.models import Case
    from slrt.demo.registry import MUARA_BULIAN_2022_07
    from slrt.dtks.models import RegistryRecord

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    for role in ("operator", "fasilitator", "handler", "supervisor", "admin"):
        assert f"  {role} " in first.output
    people = count(db, select(RegistryRecord.id))
    households = db.session.scalar(select(func.count(RegistryRecord.no_kk.distinct())))
    assert people == sum(r[2] for r in MUARA_BULIAN_2022_07)
    assert households == sum(r[3] for r in MUARA_BULIAN_2022_07)
    users = count(db, select(User.id))
    from slrt.demo.services import ROLE_ACCOUNTS
    from slrt.referrals.models import Program, Referral

    assert users == len(ROLE_ACCOUNTS) + 2 * 21
    # every program has a handler, and the demo referrals fill several states
    handled = {p.program_code for u in db.session.scalars(select(User)) for p in u.programs}
    assert handled >= set(db.session.scalars(select(Program.code)))
    states = set(db.session.scalars(select(Referral.status)))
    assert {"dikirim", "diterima", "diproses", "perlu_info"} <= states
    referrals = count(db, select(Referral.id))
    from slrt.proposals.models import Proposal, RegistryFlag

    stages = set(db.session.scalars(select(Proposal.status)))
    assert {"draf", "disetujui", "ditolak", "dikirim"} <= stages
    assert count(db, select(RegistryFlag.id)) == 1
    proposals = count(db, select(Proposal.id))
    for code, *_ in MUARA_BULIAN_2022_07:
        roles = set(db.session.scalars(select(User.role).join(User.villages)
                                       .where(User.villages.any(village_code=code))))
        assert {"operator", "fasilitator"} <= roles, code
    cases = count(db, select(Case.id))
    assert cases >= 6
    second = runner.invoke(args=["demo", "load", "--quiet"])
    assert second.exit_code == 0, second.output
    assert "0 baris baru" in second.output
    assert count(db, select(RegistryRecord.id)) == people
    assert count(db, select(User.id)) == users
    assert count(db, select(Case.id)) == cases
    assert count(db, select(Referral.id)) == referrals
    assert count(db, select(Proposal.id)) == proposals
