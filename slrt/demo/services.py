"""Demo data: regions, catalogs, a realistic registry, users of every role, cases.

Every step adds only what is missing, so `flask demo load` can run again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from slrt.auth.models import User
from slrt.auth.services import create_user
from slrt.cases import services as case_services
from slrt.cases.catalog import load_categories
from slrt.common.models import get_setting, set_setting
from slrt.common.time import WIB, now_utc
from slrt.dtks.models import RegistryRecord
from slrt.extensions import db
from slrt.referrals.catalog import load_programs
from slrt.regions.services import load_regions

DEMO_PASSWORD = "demo-slrt-2026"  # noqa: S105 - demo accounts only, refused in production
DEMO_PERIOD = "2022-07"
KECAMATAN = "15.04.03"


@dataclass
class DemoReport:
    period: str = DEMO_PERIOD
    registry_added: int = 0
    registry_total: int = 0
    users_added: int = 0
    cases_added: int = 0
    referrals_added: int = 0
    proposals_added: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def load_registry(period: str = DEMO_PERIOD) -> tuple[int, int]:
    from slrt.demo.registry import generate_registry

    # Whatever is there already, of any period: an imported snapshot (the upload
    # page, `flask dtks import`) may hold the demo's ID DTKS with a newer period,
    # or the same person (NIK) under another ID. Neither is added again.
    existing_ids = set(db.session.scalars(select(RegistryRecord.registry_id)))
    existing_niks = set(db.session.scalars(select(RegistryRecord.nik)))
    batch, added = [], 0
    for row in generate_registry(period=period):
        if row["registry_id"] in existing_ids or row["nik"] in existing_niks:
            continue
        batch.append(row)
        if len(batch) >= 5000:
            db.session.execute(insert(RegistryRecord), batch)
            added += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(RegistryRecord), batch)
        added += len(batch)
    total = db.session.scalar(select(func.count()).select_from(RegistryRecord)
                              .where(RegistryRecord.period == period))
    return added, total or 0


# username, role, villages, programs, full name
ROLE_ACCOUNTS = [
    ("operator", "operator", ["15.04.03.1001"], [], "Rina Marlina"),
    ("fasilitator", "fasilitator", ["15.04.03.2013", "15.04.03.2011", "15.04.03.2010"], [],
     "Hendra Saputra"),
    ("handler", "handler", [], ["BENCANA_LOG", "BENCANA_SANTUNAN", "LANSIA"], "Yusnita Harahap"),
    ("supervisor", "supervisor", [], [], "Drs. Zulkifli"),
    ("handler-bansos", "handler", [], ["PKH", "BPNT", "BST", "KBS"], "Mardiana Sitompul"),
    ("handler-jamsos", "handler", [], ["PBI_DAFTAR", "PBI_AKTIF"], "Rizal Effendi"),
    ("handler-fakir", "handler", [], ["PIP", "KIP_KULIAH", "SKTM", "USULAN_DTKS", "BH_TANGGUH"],
     "Nurlela Hasibuan"),
    ("handler-rehsos", "handler", [], ["DISABILITAS", "ANAK", "ANAK_ABH", "TERLANTAR", "RTLH"],
     "Agus Salim"),
    ("handler-dukcapil", "handler", [], ["DUKCAPIL"], "Petugas Dukcapil"),
    ("admin", "admin", [], [], "Admin Dinas Sosial"),
    ("provinsi", "province_supervisor", [], [], "Dra. Hj. Erniwati"),
]


def load_users(kabupaten: str) -> tuple[int, list[tuple[str, str, str]]]:
    from slrt.demo.registry import MUARA_BULIAN_2022_07

    existing = set(db.session.scalars(select(User.username)))
    wanted = list(ROLE_ACCOUNTS)
    for code, name, _n, _h in MUARA_BULIAN_2022_07:
        wanted.append((f"op-{slug(name)}", "operator", [code], [], f"Operator {name}"))
        wanted.append((f"fas-{slug(name)}", "fasilitator", [code], [], f"Fasilitator {name}"))
    added = 0
    for username, role, villages, programs, full_name in wanted:
        if username in existing:
            continue
        create_user(username, role, password=DEMO_PASSWORD, kabupaten=kabupaten,
                    villages=villages, programs=programs, full_name=full_name,
                    email=f"{username}@demo.slrt.invalid")
        added += 1
    accounts = []
    for username, role, villages, programs, _full in ROLE_ACCOUNTS:
        scope = ", ".join(villages or programs) or {
            "supervisor": "seluruh kabupaten", "province_supervisor": "seluruh provinsi"}.get(
            role, "pengguna dan pengaturan")
        accounts.append((username, role, scope))
    return added, accounts


def _record(village_code: str, *, relationship: str = "Kepala Keluarga", offset: int = 0,
            **flags) -> RegistryRecord | None:
    stmt = select(RegistryRecord).where(RegistryRecord.village_code == village_code,
                                        RegistryRecord.relationship_to_head == relationship)
    for key, value in flags.items():
        stmt = stmt.where(getattr(RegistryRecord, key) == value)
    return db.session.scalars(stmt.order_by(RegistryRecord.id).offset(offset).limit(1)).first()


def load_cases(case_prefix: str) -> int:
    """The seed's cases, told as complaints at the Puskesos desks of Muara Bulian."""
    if get_setting("demo.cases") == "1":
        return 0
    users = {u.username: u for u in db.session.scalars(select(User))}
    now = now_utc()
    P, C = case_services.PersonInput, case_services.ComplaintInput
    added = 0

    def register(actor, person, complaint, days_ago, **kw):
        nonlocal added
        case = case_services.register_case(
            users[actor], person, complaint, now=now - timedelta(days=days_ago, hours=2),
            case_prefix=case_prefix, allow_duplicate=True, **kw)
        added += 1
        return case

    # 1. A house fire in Aro: the family card burned; disaster aid needs no registry.
    register("op-aro", P(name="Syamsul Bahri", nik="1504031203780003", sex="L",
                         birth_date=date(1978, 3, 12), dusun="Dusun II", rt="004", rw="002",
                         phone="081366120455", household_size=5, children_count=3,
                         elderly_count=0, disabled_count=0,
                         address="Jl. Lintas Muara Bulian"),
             C(village_code="15.04.03.2013", category_code="korban_bencana",
               channel="datang_langsung", urgency="darurat", incident_date=(now - timedelta(
                   days=6)).date(),
               description="Rumah terbakar habis pada malam hari. KK dan KTP ikut terbakar. "
                           "Keluarga (5 orang, 3 anak usia sekolah) menumpang di rumah saudara. "
                           "Membutuhkan tenda, kasur, selimut, pakaian anak dan seragam sekolah."),
             6)

    # 2. An elderly woman left at a minimarket in Muara Bulian: identity unknown.
    register("operator", P(is_unidentified=True, sex="P",
                           identifying_notes="Perempuan lanjut usia, kira-kira 70 tahun, "
                           "ditemukan duduk di depan minimarket Jl. Gajah Mada sejak pagi. "
                           "Berbahasa Melayu Jambi, tidak ingat nama anaknya."),
             C(village_code="15.04.03.1001", category_code="ppks_lansia_terlantar",
               channel="laporan_desa", urgency="darurat", reporter_is_beneficiary=False,
               reporter_name="Ahmad Fauzi", reporter_relation="Lurah Muara Bulian",
               reporter_phone="081274553120",
               description="Lansia terlantar ditinggalkan di minimarket. Perlu penampungan "
                           "sementara dan asesmen untuk pelayanan panti/ATENSI."),
             1)

    # 3. A listed person who died: the family reports it so the record is deactivated.
    rec = _record("15.04.03.2018", relationship="Kepala Keluarga", offset=3)
    if rec is not None:
        register("fas-tenam", P(name=rec.name, nik=rec.nik, no_kk=rec.no_kk, sex=rec.sex,
                                birth_date=rec.birth_date, dusun=rec.dusun, rt=rec.rt, rw=rec.rw),
                 C(village_code="15.04.03.2018", category_code="perbaikan_data_dtks",
                   channel="penjangkauan", reporter_is_beneficiary=False,
                   reporter_name="Siti Rohani", reporter_relation="Istri",
                   description="Yang bersangkutan meninggal dunia pada bulan lalu namun masih "
                               "tercantum di DTKS. Keluarga meminta data diperbarui "
                               "(akta kematian sedang diurus)."),
                 12)

    # 4. A student who needs a KIP Kuliah letter but is not in the registry.
    register("op-sridadi", P(name="Nurul Aini", nik="1504035508050002", sex="P",
                             birth_date=date(2005, 8, 15), dusun="Lingkungan III", rt="011",
                             rw="003", phone="082180004512", household_size=4,
                             children_count=2),
             C(village_code="15.04.03.1003", category_code="surat_kip",
               channel="datang_langsung",
               description="Diterima di Universitas Jambi, memerlukan surat keterangan Dinas "
                           "Sosial untuk KIP Kuliah. Keluarga belum terdaftar di DTKS."),
             3)

    # 5. PBI health cover switched off without warning.
    rec = _record("15.04.03.2015", pbi=True, offset=5)
    if rec is not None:
        register("op-sungai-baung", P(name=rec.name, nik=rec.nik, no_kk=rec.no_kk, sex=rec.sex,
                                      birth_date=rec.birth_date, dusun=rec.dusun, rt=rec.rt,
                                      rw=rec.rw, phone="085266318870"),
                 C(village_code="15.04.03.2015", category_code="pbi_tidak_aktif",
                   channel="datang_langsung", urgency="segera",
                   description="KIS ditolak di puskesmas saat berobat, dinyatakan tidak aktif. "
                               "Tidak ada pemberitahuan sebelumnya."),
                 2)

    # 6. Promised aid that never arrived, settled at the desk with an explanation.
    rec = _record("15.04.03.1005", pkh=True, offset=2)
    if rec is not None:
        case = register("op-rengas-condong",
                        P(name=rec.name, nik=rec.nik, no_kk=rec.no_kk, sex=rec.sex,
                          birth_date=rec.birth_date, dusun=rec.dusun, rt=rec.rt, rw=rec.rw),
                        C(village_code="15.04.03.1005", category_code="bansos_tidak_diterima",
                          channel="datang_langsung",
                          description="Bantuan PKH tahap ini belum masuk ke rekening."),
                        9)
        case_services.close_at_desk(users["op-rengas-condong"], case, "informasi",
                                    "Penyaluran tahap ini dijadwalkan minggu depan; pendamping "
                                    "PKH sudah dikonfirmasi.", now=now - timedelta(days=9))

    # 7. A walk-in asking to enter the registry, with a phone complaint a week later.
    register("fasilitator", P(name="Rosmawati", nik="1504034702820001", sex="P",
                              birth_date=date(1982, 2, 7), dusun="Dusun I", rt="002", rw="001",
                              household_size=6, children_count=4, elderly_count=1,
                              disabled_count=1),
             C(village_code="15.04.03.2011", category_code="usulan_masuk_dtks",
               channel="penjangkauan",
               description="Janda dengan 4 anak dan ibu lansia penyandang disabilitas, tinggal di "
                           "pondok kebun. Belum terdaftar di DTKS; mohon diusulkan pada Musdes."),
             20)
    set_setting("demo.cases", "1")
    db.session.flush()
    return added


def load_referrals() -> int:
    """Referrals of the demo cases, in several states, so every queue has work."""
    from slrt.cases.models import Case
    from slrt.referrals import services as referral_services

    if get_setting("demo.referrals") == "1":
        return 0
    users = {u.username: u for u in db.session.scalars(select(User))}
    now = now_utc()

    def case_of(village: str, category: str) -> Case | None:
        return db.session.scalars(select(Case).where(
            Case.village_code == village, Case.category_code == category)
            .order_by(Case.id).limit(1)).first()

    added = 0
    steps = [
        # village, category, desk user, programs, reason, then: (handler, action, note)
        ("15.04.03.2013", "korban_bencana", "op-aro", ["BENCANA_LOG", "BENCANA_SANTUNAN"],
         "Rumah terbakar habis, keluarga 5 orang menumpang di rumah saudara.",
         [("handler", "terima", "")]),
        ("15.04.03.1001", "ppks_lansia_terlantar", "operator", ["LANSIA"],
         "Lansia terlantar tanpa identitas, perlu penampungan dan asesmen.", []),
        ("15.04.03.1003", "surat_kip", "op-sridadi", ["KIP_KULIAH", "USULAN_DTKS"],
         "Mahasiswa baru butuh surat keterangan KIP Kuliah; keluarga belum terdaftar DTKS.",
         [("handler-fakir", "terima", ""), ("handler-fakir", "proses", "")]),
        ("15.04.03.2015", "pbi_tidak_aktif", "op-sungai-baung", ["PBI_AKTIF"],
         "KIS ditolak di puskesmas; mohon reaktivasi PBI.",
         [("handler-jamsos", "minta_info", "Mohon lampirkan foto kartu KIS dan surat rujukan "
                                           "puskesmas.")]),
    ]
    for village, category, desk, programs, reason, then in steps:
        case = case_of(village, category)
        if case is None or case.referrals:
            continue
        when = case.created_at + timedelta(hours=3)
        refs = referral_services.refer(users[desk], case, programs, reason, now=when)
        added += len(refs)
        for handler, action, note in then:
            referral_services.move(users[handler], refs[0], action, note,
                                   now=min(when + timedelta(hours=20), now))
    set_setting("demo.referrals", "1")
    db.session.flush()
    return added


def load_proposals() -> int:
    """Registry proposals in every stage: pre-list, decided at a Musdes, sent; a stale flag."""
    from slrt.cases.models import Case
    from slrt.proposals import services as proposals

    if get_setting("demo.proposals") == "1":
        return 0
    users = {u.username: u for u in db.session.scalars(select(User))}
    now = now_utc()
    added = 0
    # The family of the KIP Kuliah student asks to enter the registry.
    kip = db.session.scalars(select(Case).where(Case.category_code == "surat_kip")).first()
    if kip is not None and kip.beneficiary.nik:
        proposals.create_proposal(users["op-sridadi"], kind="baru", village_code=kip.village_code,
                                  now=now - timedelta(days=2), name=kip.beneficiary.name,
                                  nik=kip.beneficiary.nik, case=kip, source="kasus",
                                  note="Keluarga 4 orang, ayah buruh harian lepas.")
        added += 1
    # The dead man still listed in Tenam: flagged at once, deactivation proposed.
    dead = _record("15.04.03.2018", relationship="Kepala Keluarga", offset=3)
    if dead is not None:
        proposals.report_stale(users["fas-tenam"], dead, "meninggal",
                               "Meninggal dunia bulan lalu; dilaporkan istri.",
                               now=now - timedelta(days=10), confirmed=True)
        added += 1
    # Aro: three proposals decided at last week's Musdes, the approved one sent up.
    aro = [_record("15.04.03.2013", relationship="Kepala Keluarga", offset=i) for i in (7, 8)]
    made = []
    if all(aro):
        made.append(proposals.create_proposal(
            users["op-aro"], kind="perbaikan", village_code="15.04.03.2013",
            now=now - timedelta(days=20), record=aro[0],
            corrections={"address": "Dusun II RT 004 (pindah rumah dalam desa)"}))
        made.append(proposals.create_proposal(
            users["op-aro"], kind="nonaktif", village_code="15.04.03.2013",
            now=now - timedelta(days=20), record=aro[1], reason_code="tidak_layak",
            note="Memiliki kebun sawit 4 ha dan toko."))
        made.append(proposals.create_proposal(
            users["op-aro"], kind="baru", village_code="15.04.03.2013",
            now=now - timedelta(days=19), name="Sahrul Gunawan",
            nik="1504031205790917", no_kk="1504030502180003",
            note="Korban kebakaran, belum terdaftar."))
        proposals.record_musdes(
            users["op-aro"], village_code="15.04.03.2013",
            held_on=(now - timedelta(days=7)).astimezone(WIB).date(),
            place="Balai Desa Aro", attendees=31, minutes_number="140/27/BA-MD/2026",
            decisions={made[0].id: ("disetujui", ""),
                       made[1].id: ("ditolak", "Kepemilikan kebun belum dapat dibuktikan"),
                       made[2].id: ("disetujui", "")},
            now=now - timedelta(days=7))
        proposals.mark_sent(users["op-aro"], [made[0]], now=now - timedelta(days=5))
        added += len(made)
    set_setting("demo.proposals", "1")
    db.session.flush()
    return added


def load_demo(kabupaten: str, case_prefix: str) -> DemoReport:
    report = DemoReport()
    load_regions(kabupaten)
    load_categories()
    load_programs()
    report.registry_added, report.registry_total = load_registry()
    report.users_added, report.accounts = load_users(kabupaten)
    report.cases_added = load_cases(case_prefix)
    report.referrals_added = load_referrals()
    report.proposals_added = load_proposals()
    from slrt.notifications.demo import load_reminders

    report.referrals_added += load_reminders(case_prefix)
    return report
