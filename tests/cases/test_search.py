"""The header's search box (/cari): case number, NIK, No KK or name, within the
user's scope; a NIK search is logged; bad input is told in Indonesian."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from slrt.audit.models import AuditEntry
from slrt.identity import mask_nik
from tests.factories import ARO, OLAK, build_kk, build_nik, refer_to
from tests.http import login, post

SITI_NIK = build_nik("15.04.03", date(1969, 4, 12), "P", 21)
SITI_KK = build_kk("15.04.03", date(2014, 8, 5), 31)
MARUF_NIK = build_nik("15.04.03", date(1958, 1, 3), "L", 22)


@pytest.fixture
def world(make_user, register):
    """Siti Aminah's case in Desa Aro (disaster aid), Ma'ruf Amin's in Desa Olak
    Kemang (a KIP Kuliah referral)."""
    aro = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    olak = make_user("operator", villages=[OLAK], full_name="Dedi Kurniawan")
    siti = register(aro, nik=SITI_NIK, no_kk=SITI_KK, name="Siti Aminah",
                    category="korban_bencana")
    maruf = register(olak, village=OLAK, nik=MARUF_NIK, name="Ma'ruf Amin",
                     category="surat_kip")
    [siti_ref] = refer_to(aro, siti, "BENCANA_LOG")
    [maruf_ref] = refer_to(olak, maruf, "KIP_KULIAH")
    return {"aro": aro, "olak": olak, "siti": siti, "maruf": maruf, "siti_ref": siti_ref,
            "maruf_ref": maruf_ref}


def search(client, q):
    return post(client, "/cari", {"q": q})


def test_operator_finds_his_village_case_by_number_nik_kk_and_name(client, world):
    login(client, world["aro"])
    siti = world["siti"]
    link = f'href="/kasus/{siti.id}"'
    for q in (siti.number, siti.number.lower().replace("-", ""), SITI_NIK, SITI_KK,
              "siti aminah", "AMINAH"):
        resp = search(client, q)
        assert resp.status_code == 200, q
        assert link in resp.text, q


@pytest.mark.parametrize("key", ["number", "nik", "name"])
def test_operator_never_finds_another_village_case(client, world, key):
    login(client, world["aro"])
    maruf = world["maruf"]
    q = {"number": maruf.number, "nik": MARUF_NIK, "name": "Ma'ruf Amin"}[key]
    resp = search(client, q)
    assert resp.status_code == 200
    assert f'href="/kasus/{maruf.id}"' not in resp.text
    results = resp.text.split('class="card filters"')[1].split("</form>", 1)[1]
    assert "ruf Amin" not in results and MARUF_NIK[-4:] not in results
    assert "Tidak ada kasus yang cocok." in resp.text


def test_supervisor_finds_every_village(client, world, make_user):
    login(client, make_user("supervisor", full_name="Hendra Saputra"))
    assert f'href="/kasus/{world["maruf"].id}"' in search(client, MARUF_NIK).text
    assert f'href="/kasus/{world["siti"].id}"' in search(client, "siti").text
    both = search(client, "amin").text  # Aminah and Amin: a word prefix
    assert f'href="/kasus/{world["maruf"].id}"' in both
    assert f'href="/kasus/{world["siti"].id}"' in both


def test_handler_finds_only_his_programs_referrals(client, world, make_user):
    handler = make_user("handler", programs=["BENCANA_LOG"], full_name="Yusuf Hidayat")
    login(client, handler)
    siti_ref, maruf_ref = world["siti_ref"], world["maruf_ref"]
    for q in (world["siti"].number, "Siti Aminah"):
        resp = search(client, q)
        assert f'href="/rujukan/{siti_ref.id}"' in resp.text, q
        assert "/kasus/" not in resp.text.split("<main>")[1]  # no case page he cannot open
    for q in (world["maruf"].number, "Ma'ruf"):
        resp = search(client, q)
        assert f'href="/rujukan/{maruf_ref.id}"' not in resp.text, q
        assert "Tidak ada rujukan program Anda yang cocok." in resp.text


def test_a_nik_search_is_audited_masked_and_a_name_search_is_not(client, world, db):
    login(client, world["aro"])
    search(client, SITI_NIK)
    search(client, "Siti")
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "cari_nik")).all()
    assert len(entries) == 1
    [entry] = entries
    assert entry.actor_id == world["aro"].id
    assert entry.detail["hasil"] == 1
    assert SITI_NIK not in str(entry.detail)
    assert entry.detail["nik"] == mask_nik(SITI_NIK)


def test_a_nik_another_village_holds_is_audited_with_no_hit(client, world, db):
    login(client, world["aro"])
    search(client, MARUF_NIK)
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "cari_nik")).all()
    assert entry.detail["hasil"] == 0


@pytest.mark.parametrize("typed", [
    lambda n: f"{n[:6]} {n[6:12]} {n[12:]}",
    lambda n: f"{n[:2]}.{n[2:4]}.{n[4:6]}.{n[6:12]}.{n[12:]}",
    lambda n: f"  {n}\u00a0",
])
def test_a_nik_with_spaces_or_dots_is_found(client, world, typed):
    login(client, world["aro"])
    assert f'href="/kasus/{world["siti"].id}"' in search(client, typed(SITI_NIK)).text


@pytest.mark.parametrize("typed", ["ma'ruf amin", "MA'RUF", "Ma\u2019ruf", "maruf"])
def test_names_with_apostrophes_and_any_case_are_found(client, world, typed):
    login(client, world["olak"])
    assert f'href="/kasus/{world["maruf"].id}"' in search(client, typed).text


@pytest.mark.parametrize("typed, message", [
    ("", "Tulis nomor kasus, NIK, No KK atau nama yang dicari."),
    ("   ", "Tulis nomor kasus, NIK, No KK atau nama yang dicari."),
    ("a", "Nama terlalu pendek"),
    ("'.'", "Nama terlalu pendek"),
    ("1504 0312", "NIK dan No KK terdiri dari 16 angka; yang ditulis 8 angka."),
])
def test_empty_short_or_partial_queries_are_told_why(client, world, typed, message):
    login(client, world["aro"])
    resp = search(client, typed)
    assert message in resp.text
    assert "Tidak ada kasus yang cocok." not in resp.text
    assert 'href="/kasus/' not in resp.text.split("<main>")[1]


def test_the_box_is_in_every_staff_header_and_posts(client, world):
    login(client, world["aro"])
    page = client.get("/").text
    assert 'action="/cari" class="cari" role="search"' in page
    assert 'method="post" action="/cari"' in page


def test_get_with_a_query_works_and_without_one_shows_the_empty_form(client, world):
    login(client, world["aro"])
    resp = client.get("/cari?q=Siti+Aminah")
    assert f'href="/kasus/{world["siti"].id}"' in resp.text
    empty = client.get("/cari")
    assert empty.status_code == 200
    assert "Tulis nomor kasus, NIK, No KK atau nama yang dicari." in empty.text


def test_admin_has_no_search_box_and_is_refused(client, make_user):
    login(client, make_user("admin", full_name="Admin Dinsos"))
    assert 'class="cari"' not in client.get("/bantuan").text
    assert client.get("/cari?q=Siti").status_code == 403
