"""The help page (/bantuan): each role reads its own day, with links to its pages."""

from __future__ import annotations

import re

import pytest

from tests.factories import ARO
from tests.http import login

# role -> (a heading of its help, pages its help links to, a heading of another role's help)
HELP = {
    "operator": ("Mencatat warga yang datang", ["/kasus/baru", "/dtks/cek", "/kasus"],
                 "Antrean rujukan"),
    "fasilitator": ("Warga pindah atau meninggal", ["/desa-saya"], "Impor DTKS"),
    "handler": ("Serah terima bantuan", ["/rujukan/antrean"], "Mencatat warga yang datang"),
    "supervisor": ("Log audit", ["/audit", "/laporan"], "Klien API"),
    "admin": ("Klien API", ["/admin/pengguna"], "Mencatat kunjungan"),
}


@pytest.mark.parametrize("role", sorted(HELP))
def test_each_role_reads_its_own_help(client, make_user, role):
    heading, links, other = HELP[role]
    user = make_user(role, villages=[ARO] if role in ("operator", "fasilitator") else None,
                     full_name="Nur Hasanah")
    login(client, user)
    resp = client.get("/bantuan")
    assert resp.status_code == 200
    main = resp.text.split("<main>")[1]
    assert f"<h2>{heading}</h2>" in main
    assert f"<h2>{other}</h2>" not in main
    for link in links:
        assert f'href="{link}' in main, link
    # every link of the page opens for this role
    for href in set(re.findall(r'href="(/[^"]*)"', main)):
        assert client.get(href).status_code == 200, href


def test_the_header_links_to_help(client, make_user):
    login(client, make_user("operator", villages=[ARO]))
    assert 'href="/bantuan">Bantuan</a>' in client.get("/").text
