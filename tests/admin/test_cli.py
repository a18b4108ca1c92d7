"""The command line: regions, users, catalogs, demo data, each run as a user runs
it (tests/commands.py: a subprocess on the test's own database)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from slrt.auth.models import User
from slrt.regions.models import Region
from tests.commands import command, fresh, said


def count(db, stmt):
    fresh(db)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def run(db_url, tmp_path, *args, ok=True) -> str:
    return said(command(db_url, tmp_path, *args, ok=ok, timeout=300))


def test_regions_load_nationwide_levels_and_one_regency_villages(db, db_url, tmp_path):
    run(db_url, tmp_path, "regions", "load", "--kabupaten", "15.71")
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
    assert "0 baru" in run(db_url, tmp_path, "regions", "load", "--kabupaten", "15.71")


def test_regions_load_unknown_regency_fails_clearly(db_url, tmp_path):
    assert "tidak ada" in run(db_url, tmp_path, "regions", "load", "--kabupaten", "99.99",
                              ok=False)


@pytest.mark.parametrize("args, error", [
    (["users", "create", "rina", "--role", "operator"], "tepat satu desa"),
    (["users", "create", "rina", "--role", "operator", "--desa", "15.04.03.2013",
      "--desa", "15.04.03.2011"], "tepat satu desa"),
    (["users", "create", "rina", "--role", "operator", "--desa", "15.04.03"], "tidak dikenal"),
    (["users", "create", "yus", "--role", "handler"], "program"),
    (["users", "create", "yus", "--role", "handler", "--program", "NGAWUR"], "tidak dikenal"),
])
def test_users_create_checks_scope(db, db_url, tmp_path, args, error):
    assert error in run(db_url, tmp_path, *args, ok=False)
    assert count(db, select(User.id)) == 0


def test_users_create_refuses_a_village_of_another_regency(db, db_url, tmp_path):
    run(db_url, tmp_path, "regions", "load", "--kabupaten", "15.71")
    fresh(db)
    village = db.session.scalar(select(Region.code).where(Region.code.like("15.71.%.%")))
    assert "luar kabupaten" in run(db_url, tmp_path, "users", "create", "rina", "--role",
                                   "operator", "--desa", village, ok=False)
    assert count(db, select(User.id)) == 0


def test_users_create_prints_one_time_password_and_hashes_it(db, db_url, tmp_path):
    output = run(db_url, tmp_path, "users", "create", "Rina", "--role", "fasilitator",
                 "--desa", "15.04.03.2013", "--desa", "15.04.03.2011", "--name", "Rina Marlina")
    password = output.split("Kata sandi sekali pakai: ")[1].split()[0]
    fresh(db)
    user = db.session.scalars(select(User)).one()
    assert user.username == "rina" and user.village_codes == ["15.04.03.2011", "15.04.03.2013"]
    assert password not in user.password_hash and user.password_hash.startswith("scrypt")
    assert user.check_password(password) and user.must_change_password
    assert "sudah dipakai" in run(db_url, tmp_path, "users", "create", "rina", "--role",
                                  "supervisor", ok=False)
    assert count(db, select(User.id)) == 1


def test_demo_load_is_complete_and_idempotent(db, db_url, tmp_path):
    from slrt.cases.models import Case
    from slrt.demo.registry import MUARA_BULIAN_2022_07
    from slrt.dtks.models import RegistryRecord

    first = run(db_url, tmp_path, "demo", "load")
    for role in ("operator", "fasilitator", "handler", "supervisor", "admin"):
        assert f"  {role} " in first
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
    assert "0 baris baru" in run(db_url, tmp_path, "demo", "load", "--quiet")
    assert count(db, select(RegistryRecord.id)) == people
    assert count(db, select(User.id)) == users
    assert count(db, select(Case.id)) == cases
    assert count(db, select(Referral.id)) == referrals
    assert count(db, select(Proposal.id)) == proposals
