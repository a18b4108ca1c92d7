"""The field app's own files (/lapangan/): served to anyone (they carry no
personal data, and the app must open before a login, offline), each asset
named with the hash of its content so a release replaces exactly what changed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.http import login

STATIC = Path(__file__).resolve().parents[2] / "slrt" / "static"


def test_the_shell_opens_without_a_login_and_holds_no_personal_data(client, make_user, register):
    fas = make_user("fasilitator", full_name="Hendra Saputra")
    register(make_user("operator"), name="Syamsul Bahri")
    resp = client.get("/lapangan/")
    assert resp.status_code == 200
    page = resp.text
    assert "SLRT Lapangan" in page and 'lang="id"' in page
    assert "Syamsul" not in page and "Hendra" not in page
    # Its own CSP: no inline script, pictures of the phone's own photos (blob:) only.
    csp = resp.headers["Content-Security-Policy"]
    assert "img-src 'self' blob:" in csp and "unsafe" not in csp
    assert "<script>" not in page
    # Logged in on the web or not, the same page.
    login(client, fas)
    assert "Hendra" not in client.get("/lapangan/").text


def test_the_service_worker_precaches_every_asset_by_the_hash_of_its_content(client):
    resp = client.get("/lapangan/sw.js")
    assert resp.status_code == 200
    assert resp.mimetype == "text/javascript" and resp.headers["Cache-Control"] == "no-cache"
    body = resp.text
    assert 'importScripts("/static/vendor/workbox/workbox-sw.js")' in body
    assert "cdn" not in body.lower() and "googleapis" not in body
    for name in ("field/app.js", "field/app.css", "vendor/idb-keyval/idb-keyval.js",
                 "vendor/workbox/workbox-precaching.prod.js"):
        digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:16]
        assert f"/static/{name}?v={digest}" in body, name
    # The page itself is precached with a revision of what it is now.
    shell = client.get("/lapangan/").text
    revision = hashlib.sha256(shell.encode()).hexdigest()[:16]
    assert f'{{"revision": "{revision}", "url": "/lapangan/"}}' in body


def test_the_manifest_makes_the_app_installable(client):
    resp = client.get("/lapangan/manifest.webmanifest")
    assert resp.status_code == 200 and resp.mimetype == "application/manifest+json"
    manifest = resp.get_json(force=True)
    assert manifest["start_url"] == manifest["scope"] == "/lapangan/"
    assert manifest["display"] == "standalone" and manifest["lang"] == "id"
    sizes = {i["sizes"] for i in manifest["icons"]}
    assert sizes == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_app_words_are_extracted_for_translators_and_none_travel_while_indonesian(client):
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = STATIC.parents[1]
    with open(root / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    scripts = [(pattern, method) for pattern, method in method_map if method == "javascript"]
    words = {m for _f, _l, m, _c, _x in extract_from_dir(str(root), scripts, options_map)}
    assert {"Catat tanpa tugas", "Sinkron terakhir: %(when)s",
            "NIK harus 16 angka; yang diisi %(n)s angka."} <= words
    assert '<script type="application/json" id="teks">{}</script>' in client.get("/lapangan/").text
