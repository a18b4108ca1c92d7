"""The complaint form follows the situation: focus on the category after a registry
lookup, no NIK/KK/address for an unidentified person, radio groups in a fieldset."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.factories import ARO
from tests.http import login, post


@pytest.fixture
def operator(client, make_user):
    user = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    login(client, user)
    return user


def _tag(html: str, element_id: str) -> str:
    return re.search(rf'<[a-z]+ [^>]*id="{element_id}"[^>]*>', html).group(0)


def test_after_a_lookup_the_category_has_the_focus(client, operator, make_registry):
    rec = make_registry("Siti Aminah", sex="P", birth=date(1969, 4, 12), bpnt=True)
    page = post(client, "/kasus/baru", {"step": "cari", "nik": rec.nik}).text
    assert "autofocus" in _tag(page, "category_code")
    assert page.count("autofocus") == 1


def test_the_unidentified_form_hides_identity_and_address(client, operator):
    page = post(client, "/kasus/baru", {"step": "tanpa_identitas", "village_code": ARO}).text
    assert 'class="person mode-unidentified"' in page
    for name in ("nik", "no_kk", "address", "dusun", "rt", "rw", "birth_date"):
        field = re.search(rf'<div class="field ([^"]*)">\s*<label for="{name}"', page)
        assert field and "identified-only" in field.group(1), name
    notes = re.search(r'<div class="field ([^"]*)">\s*<label for="identifying_notes"', page)
    assert "unidentified-only" in notes.group(1)


def test_a_person_with_identity_gets_no_identifying_notes(client, operator):
    page = post(client, "/kasus/baru", {"step": "baru", "name": "Syamsul Bahri",
                                        "village_code": ARO}).text
    assert 'class="person"' in page and "mode-unidentified" not in page


def test_the_server_still_refuses_a_nik_for_an_unidentified_person_at_its_field(client,
                                                                                 operator):
    resp = post(client, "/kasus/baru", {
        "step": "simpan", "is_unidentified": "y", "nik": "1504035508050002",
        "identifying_notes": "Lelaki sekitar 60 tahun di pasar", "village_code": ARO,
        "category_code": "ppks_lansia_terlantar", "channel": "laporan_desa", "urgency": "biasa",
        "reporter_is_beneficiary": "tidak", "reporter_name": "Ahmad Fauzi",
        "description": "Ditemukan di pasar, tidak ingat nama."})
    assert resp.status_code == 422
    # The field with its error stays visible in the unidentified mode, described by it.
    field = re.search(r'<div class="field ([^"]*)">\s*<label for="nik"', resp.text).group(1)
    assert "has-error" in field
    assert 'aria-describedby="nik-err"' in _tag(resp.text, "nik")
    assert "Kosongkan NIK" in resp.text


def test_radio_groups_are_fieldsets_with_a_legend(client, operator):
    page = post(client, "/kasus/baru", {"step": "baru", "name": "Syamsul Bahri",
                                        "village_code": ARO}).text
    group = re.search(r'<fieldset class="field radio-group[^"]*" id="reporter_is_beneficiary"'
                      r'[^>]*>\s*<legend>([^<]+)</legend>', page)
    assert group, "the reporter question is not a fieldset with a legend"
