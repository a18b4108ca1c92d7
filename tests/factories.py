"""Realistic data for the tests: region codes, NIKs and No KKs, users, registry
records, cases and referrals, and the clock of the reminder tests.

Plain functions, importable from any test; the fixtures of conftest.py wrap
the make-functions with a database session and a counter.
"""

from __future__ import annotations

import io
import os
from datetime import UTC, date, datetime

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
IS_PG = PG_URL.startswith(("postgresql", "postgres"))  # the engine under test
PASSWORD = "kata-sandi-uji-2026"  # noqa: S105

ARO = "15.04.03.2013"
OLAK = "15.04.03.2011"
TENAM = "15.04.03.2018"
MUARA_BULIAN = "15.04.03.1001"

NOW = datetime(2026, 11, 27, 3, 30, tzinfo=UTC)  # 10.30 WIB


def build_nik(district: str, birth: date, sex: str, serial: int) -> str:
    """A NIK from a real district code, a birth date, the sex and a serial."""
    day = birth.day + (40 if sex == "P" else 0)
    return f"{district.replace('.', '')}{day:02d}{birth:%m%y}{serial:04d}"


def build_kk(district: str, issued: date, serial: int) -> str:
    return f"{district.replace('.', '')}{issued:%d%m%y}{serial:04d}"


def wib(y, m, d, h=10, mi=0) -> datetime:
    """A moment given in Western Indonesian Time, as the UTC the services take."""
    from slrt.common.time import WIB

    return datetime(y, m, d, h, mi, tzinfo=WIB).astimezone(UTC)


def make_user(n: int, role: str = "operator", villages=None, programs=None, username=None,
              **kw):
    """The n-th user of a test: a desk of Desa Aro, a disaster-aid handler, ...
    (of Batang Hari, 15.04, unless `kabupaten` says another regency)."""
    from slrt.auth.services import create_user
    from slrt.extensions import db

    if villages is None:
        villages = [ARO] if role in ("operator", "fasilitator") else []
    if programs is None:
        programs = ["BENCANA_LOG"] if role == "handler" else []
    user = create_user(username or f"{role}{n}", role, password=PASSWORD,
                       kabupaten=kw.pop("kabupaten", "15.04"), villages=villages,
                       programs=programs,
                       full_name=kw.pop("full_name", f"Petugas {role.title()} {n}"),
                       **kw)
    db.session.commit()
    return user


def make_registry(n: int, name: str, *, village: str = ARO, birth: date = date(1975, 6, 14),
                  sex: str = "L", no_kk: str | None = None, relationship: str = "Kepala Keluarga",
                  period: str = "2022-07", **kw):
    """The n-th registry record (DTKS, period 2022-07 by default) of a test."""
    from slrt.dtks.models import RegistryRecord
    from slrt.dtks.names import name_key
    from slrt.extensions import db

    rec = RegistryRecord(
        registry_id=kw.pop("registry_id", f"DTKS-{village.replace('.', '')}-{n:05d}"),
        source=kw.pop("source", "DTKS"), period=period,
        nik=kw.pop("nik", None) or build_nik("15.04.03", birth, sex, 100 + n),
        no_kk=no_kk or build_kk("15.04.03", date(2016, 3, 2), 500 + n),
        name=name, name_key=name_key(name), birth_place=kw.pop("birth_place", "Muara Bulian"),
        birth_date=birth, sex=sex, relationship_to_head=relationship,
        dusun=kw.pop("dusun", "Dusun II"), rt=kw.pop("rt", "003"), rw=kw.pop("rw", "001"),
        village_code=village, padan=kw.pop("padan", True), **kw)
    db.session.add(rec)
    db.session.commit()
    return rec


def register(user, *, now: datetime = NOW, village=ARO, category="pbi_tidak_aktif", when=None,
             allow_duplicate=False, record_id=None, **person):
    """Register a case through the service, as the given user."""
    from slrt.cases import services
    from slrt.extensions import db

    person.setdefault("name", "Siti Aminah")
    complaint = services.ComplaintInput(
        village_code=village, category_code=category,
        description=person.pop("description", "KIS tidak aktif saat berobat ke puskesmas."),
        channel=person.pop("channel", "datang_langsung"),
        urgency=person.pop("urgency", "biasa"))
    case = services.register_case(user, services.PersonInput(**person), complaint,
                                  now=when or now,
                                  registry_record_id=record_id,
                                  allow_duplicate=allow_duplicate)
    db.session.commit()
    return case


def refer(user, case, code, now):
    """Refer a case to one program at `now`; the referral."""
    from slrt.extensions import db
    from slrt.referrals import services as referrals

    ref = referrals.refer(user, case, [code], "Mohon ditangani.", now=now)[0]
    db.session.commit()
    return ref


def refer_to(user, case, *codes, now=None, reason="Mohon ditangani segera."):
    """Refer a case to one or more programs (at 10.00 WIB, 27 Nov 2026 unless told)."""
    from slrt.extensions import db
    from slrt.referrals import services

    refs = services.refer(user, case, list(codes), reason,
                          now=now or datetime(2026, 11, 27, 3, 0, tzinfo=UTC))
    db.session.commit()
    return refs


def handed_over(operator, handler, case, recipient: str, *, now: datetime, family=None):
    """The case referred to disaster logistics, accepted by the handler, and one
    mattress handed over to the recipient; the referral (not committed)."""
    from slrt.referrals import services
    from slrt.referrals.aid import Composition

    (ref,) = services.refer(operator, case, ["BENCANA_LOG"], "Rumah terbakar", now=now)
    services.move(handler, ref, "terima", now=now)
    services.record_handover(handler, ref, family or Composition(adult_men=1), {"matras": 1},
                             recipient, "", now=now)
    return ref

def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 90, 60)).save(out, "PNG")
    return out.getvalue()


PNG = _png()  # a photo of an outreach visit
