"""A small hand-made world for the report tests, with every figure known.

Times are UTC; WIB is UTC+7. BENCANA_LOG has a service time of 1 working day.

| case | desa  | category        | channel         | registered (WIB) | what happens |
|------|-------|-----------------|-----------------|------------------|--------------|
| C1   | Aro   | korban_bencana  | datang_langsung | Mon 5 Oct 10.00  | referred (due 6 Oct), delivered 6 Oct: on time, 1 day |
| C2   | Aro   | pbi_tidak_aktif | telepon         | Wed 7 Oct 09.00  | settled at the desk 10 Oct: 3 days |
| C3   | Olak  | korban_bencana  | penjangkauan    | Mon 12 Oct 10.00 | referred (due 13 Oct), done 16 Oct: late, 4 days |
| C4   | Olak  | sktm            | datang_langsung | Tue 20 Oct 10.00 | open at the desk |
| C7   | Olak  | korban_bencana  | telepon         | Wed 14 Oct 10.00 | referred (due 15 Oct), rejected 14 Oct: back to the desk |
| C10  | Aro   | sktm            | whatsapp        | Fri 30 Oct 10.00 | settled at the desk 1 Nov 00.30 WIB (31 Oct UTC): 2 days |
| C6   | Tenam | sktm            | datang_langsung | Sun 20 Sep 10.00 | settled 21 Sep (outside October) |
| C5   | Aro   | korban_bencana  | datang_langsung | Mon 2 Nov 10.00  | referred (due 3 Nov), still open: overdue on 27 Nov |
| C8   | Aro   | korban_bencana  | datang_langsung | Thu 26 Nov 10.00 | referred (due 27 Nov), open: due soon on 27 Nov |
| C9   | Aro   | pbi_tidak_aktif | datang_langsung | Tue 10 Nov 10.00 | settled at the desk 12 Nov |
| C11  | Olak  | korban_bencana  | datang_langsung | Mon 16 Nov 10.00 | referred, delivered 17 Nov |

Plus one deactivation proposal of Aro on 8 Oct (status draf).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from tests.factories import ARO, OLAK, TENAM, build_nik

TODAY = date(2026, 11, 27)
OCT_START, OCT_END = date(2026, 10, 1), date(2026, 10, 31)


def utc(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass
class World:
    op_aro: object
    op_olak: object
    fas: object
    supervisor: object
    handler: object
    handler_lansia: object
    cases: dict
    referrals: dict


NAMES = {
    "C1": ("Sahril", "L", date(1979, 9, 9)), "C2": ("Siti Aminah", "P", date(1968, 3, 12)),
    "C3": ("Junaidi", "L", date(1981, 1, 23)), "C4": ("Nurhayati", "P", date(1990, 7, 4)),
    "C5": ("Rahmat Hidayat", "L", date(1975, 5, 30)), "C6": ("Mariam", "P", date(1958, 11, 2)),
    "C7": ("Abdul Karim", "L", date(1966, 2, 17)), "C8": ("Wati Lestari", "P", date(1985, 12, 1)),
    "C9": ("Zulkifli", "L", date(1972, 8, 19)), "C10": ("Rosmiati", "P", date(1970, 4, 25)),
    "C11": ("Syamsul Bahri", "L", date(1963, 10, 10)),
}


# The table above, in the order it happens: each case registered at its desk, then
# what follows it (referred, a move of the handler's with its reason, or settled at
# the desk with its outcome).
STORY = [
    ("C1", ARO, "korban_bencana", "datang_langsung", utc(10, 5, 3), [
        ("rujuk", utc(10, 5, 3, 30)), ("terima", utc(10, 5, 6)), ("salurkan", utc(10, 6, 4))]),
    ("C2", ARO, "pbi_tidak_aktif", "telepon", utc(10, 7, 2), [
        ("selesai_di_desa", utc(10, 10, 2), "informasi")]),
    ("C3", OLAK, "korban_bencana", "penjangkauan", utc(10, 12, 3), [
        ("rujuk", utc(10, 12, 3, 15)), ("terima", utc(10, 12, 8)),
        ("selesaikan", utc(10, 16, 3))]),
    ("C4", OLAK, "sktm", "datang_langsung", utc(10, 20, 3), []),
    ("C7", OLAK, "korban_bencana", "telepon", utc(10, 14, 3), [
        ("rujuk", utc(10, 14, 3, 10)),
        ("tolak", utc(10, 14, 5), "Bukan korban bencana; rumah utuh")]),
    ("C10", ARO, "sktm", "whatsapp", utc(10, 30, 3), [
        ("selesai_di_desa", utc(10, 31, 17, 30), "dokumen_diterbitkan")]),
    ("C6", TENAM, "sktm", "datang_langsung", utc(9, 20, 3), [
        ("selesai_di_desa", utc(9, 21, 3), "dokumen_diterbitkan")]),
    ("C5", ARO, "korban_bencana", "datang_langsung", utc(11, 2, 3), [
        ("rujuk", utc(11, 2, 3, 20))]),
    ("C8", ARO, "korban_bencana", "datang_langsung", utc(11, 26, 3), [
        ("rujuk", utc(11, 26, 3, 20))]),
    ("C9", ARO, "pbi_tidak_aktif", "datang_langsung", utc(11, 10, 3), [
        ("selesai_di_desa", utc(11, 12, 3), "informasi")]),
    ("C11", OLAK, "korban_bencana", "datang_langsung", utc(11, 16, 3), [
        ("rujuk", utc(11, 16, 3, 20)), ("terima", utc(11, 16, 6)), ("salurkan", utc(11, 17, 4))]),
]


def build_world(make_user, register, db, make_registry) -> World:
    from slrt.cases import services as cases
    from slrt.proposals import services as proposals
    from slrt.referrals import services as referrals

    op_aro = make_user("operator", villages=[ARO], full_name="Yuliana Sari")
    op_olak = make_user("operator", villages=[OLAK], full_name="Dedi Kurniawan")
    op_tenam = make_user("operator", villages=[TENAM], full_name="Fitri Handayani")
    fas = make_user("fasilitator", villages=[ARO, OLAK], full_name="Hendra Saputra")
    sup = make_user("supervisor", full_name="Muhammad Khudori")
    handler = make_user("handler", programs=["BENCANA_LOG"], full_name="Agus Salim")
    handler_lansia = make_user("handler", programs=["LANSIA"], full_name="Rina Marlina")
    desk = {ARO: op_aro, OLAK: op_olak, TENAM: op_tenam}

    c, r = {}, {}
    for key, village, category, channel, when, steps in STORY:
        name, sex, birth = NAMES[key]
        c[key] = register(desk[village], village=village, category=category, channel=channel,
                          when=when, name=name, sex=sex, birth_date=birth,
                          nik=build_nik("15.04.03", birth, sex, int(key[1:])))
        for action, at, *note in steps:
            if action == "rujuk":
                r[key] = referrals.refer(desk[village], c[key], ["BENCANA_LOG"],
                                         "Rumah terbakar, butuh logistik", now=at)[0]
            elif action == "selesai_di_desa":
                cases.close_at_desk(desk[village], c[key], *note, "", now=at)
            else:
                referrals.move(handler, r[key], action, *note, now=at)
    record = make_registry("Usman Harun", village=ARO)
    proposals.create_proposal(op_aro, kind="nonaktif", village_code=ARO, now=utc(10, 8, 3),
                              record=record, reason_code="meninggal")
    db.session.commit()
    return World(op_aro, op_olak, fas, sup, handler, handler_lansia, c, r)
