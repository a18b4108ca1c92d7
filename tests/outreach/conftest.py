"""The facilitator's world: desks of Aro and Olak, a facilitator, a handler, a
supervisor; a burned house referred to disaster aid, a referral in Olak, and a
listed resident who died."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import ARO, OLAK, build_nik, refer, wib


@pytest.fixture
def world(make_user, register, make_registry, app, tmp_path):
    app.instance_path = str(tmp_path)
    p = {
        "op": make_user("operator", villages=[ARO], full_name="Rina Marlina"),
        "op_olak": make_user("operator", villages=[OLAK], full_name="Ahmad Fauzi"),
        "fas": make_user("fasilitator", villages=[ARO], full_name="Hendra Saputra"),
        "handler": make_user("handler", programs=["BENCANA_LOG"], full_name="Yusnita Harahap"),
        "sup": make_user("supervisor", full_name="Bambang Sutrisno"),
    }
    fire = register(p["op"], category="korban_bencana", name="Syamsul Bahri",
                    nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3), dusun="Dusun III",
                    rt="004", rw="002", phone="081274561230", when=wib(2026, 1, 5, 9),
                    description="Rumah terbakar habis; bantuan belum datang.")
    p["fire_ref"] = refer(p["op"], fire, "BENCANA_LOG", wib(2026, 1, 5, 10))
    olak = register(p["op_olak"], village=OLAK, category="korban_bencana", name="Jamilah",
                    nik=build_nik("15.04.03", date(1960, 8, 1), "P", 4), when=wib(2026, 1, 5, 9))
    refer(p["op_olak"], olak, "BENCANA_LOG", wib(2026, 1, 5, 10))
    record = make_registry("Usman Harun", birth=date(1941, 2, 1))
    died = register(p["op"], category="ppks_lansia_terlantar", name="Usman Harun",
                    nik=record.nik, record_id=record.id, when=wib(2026, 1, 6, 9))
    p.update(fire=fire, olak=olak, died=died, record=record)
    return p
