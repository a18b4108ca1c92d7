"""A desk, a disaster-aid handler with an e-mail address and a phone, and a referral
of 22 December 2026 waiting for that handler."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import ARO, build_nik, refer, wib


@pytest.fixture
def team(make_user, register):
    op = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    dedi = make_user("handler", programs=["BENCANA_LOG"], full_name="Dedi Irawan",
                     email="dedi.irawan@dinsos.batangharikab.go.id", phone="081266778899")
    admin = make_user("admin")
    case = register(op, category="korban_bencana", name="Syamsul Bahri",
                    nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3),
                    when=wib(2026, 12, 22, 9))
    ref = refer(op, case, "BENCANA_LOG", wib(2026, 12, 22, 10, 30))
    return {"op": op, "dedi": dedi, "admin": admin, "ref": ref}
