"""Every page of the role matrix speaks the supervisor's language: no English
words of the interface, no raw codes of a life cycle or a table shown as text.

Each role opens every GET page it may open (the matrix of matrix.py, in the
world of conftest.py: a case referred and handed over, a proposal decided in a
Musdes, a registry record, an import, a visit); the text a person reads (text
nodes, and the title, placeholder, aria-label and alt attributes) is checked.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from slrt.cases.models import CHANNELS, URGENCIES
from slrt.cases.workflow import CASE_FLOW
from slrt.dtks.workflow import IMPORT_FLOW
from slrt.proposals.workflow import FLAG_FLOW, PROPOSAL_FLOW
from slrt.referrals.workflow import MOVES, STATUSES
from tests.http import login
from tests.security.matrix import ALLOWED, ROLES, _url

# English words that have no business on an Indonesian page, matched as whole
# words, case-sensitively where the Indonesian spelling differs only in case.
# Left out on purpose: "No" (No KK, the Indonesian abbreviation of Nomor),
# "status" and "data" (Indonesian words), "email", "online" (used as such).
ENGLISH = {
    "kit", "ware", "hr", "null", "None", "True", "False", "undefined", "NaN",
    "Submit", "Cancel", "Save", "Delete", "Edit", "Search", "Next", "Previous", "Back",
    "Home", "Login", "Logout", "Dashboard", "Error", "Loading", "Yes", "Upload",
    "Download", "Export", "Import", "Details", "details", "Family", "Kids", "Food",
    "the", "and", "of", "with", "from", "to", "is", "by", "for", "not", "found",
    "Not", "Found", "Forbidden", "page", "Page", "user", "User", "file", "File",
    "days", "day", "hours", "minutes", "month", "year", "pending", "approved",
    "rejected", "queued", "validated", "applied", "failed", "applying", "validating",
    "deleted", "created", "updated", "action", "reason", "note", "None.",
}
WORD = re.compile(r"[A-Za-z]+")

# What a page never shows as the whole of a cell or a line: a status or a move
# of a life cycle, a stored code of a table, a key with an underscore.
CODES = (set(CASE_FLOW.states) | set(CASE_FLOW.moves) | set(PROPOSAL_FLOW.states)
         | set(PROPOSAL_FLOW.moves) | set(FLAG_FLOW.states) | set(FLAG_FLOW.moves)
         | set(IMPORT_FLOW.states) | set(IMPORT_FLOW.moves) | set(STATUSES) | set(MOVES)
         | set(URGENCIES) | set(CHANNELS))
KEY = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
# A list of villages by their Kemendagri codes, where a person reads names.
VILLAGE_CODES = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}(, | ·)")
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class _Text(HTMLParser):
    """The pieces of text a person reads on the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.pieces.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.pieces.append(" ".join(data.split()))


def page_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.pieces


def defects(pieces: list[str]) -> list[str]:
    found = []
    for piece in pieces:
        english = {w for w in WORD.findall(piece) if w in ENGLISH}
        if english:
            found.append(f"English {sorted(english)}: {piece!r}")
        bare = piece.strip(" .:;,()")
        if bare in CODES or (bare.split(": ")[-1] in CODES and ": " in bare):
            found.append(f"code: {piece!r}")
        elif KEY.search(piece) and "@" not in piece and "/" not in piece:
            found.append(f"key: {piece!r}")
        if VILLAGE_CODES.match(piece):
            found.append(f"village codes: {piece!r}")
    return found


def test_the_checker_finds_what_it_looks_for():
    pieces = page_text('<p>Family kit</p><td>biasa</td><td>Biasa</td><th>p90_hari_selesai</th>'
                       '<div class="flash">BH-2612-0004-R1: terima.</div>'
                       '<span title="0 hr">3</span><script>var x = null;</script>'
                       '<p>No KK dan status kasus</p><p>15.04.03.2001 · 6 Desember 2026</p>')
    assert defects(pieces) == [
        "English ['Family', 'kit']: 'Family kit'", "code: 'biasa'", "key: 'p90_hari_selesai'",
        "code: 'BH-2612-0004-R1: terima.'", "English ['hr']: '0 hr'",
        "village codes: '15.04.03.2001 · 6 Desember 2026'"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_speaks_indonesian(app, client, world, role):
    users, case = world
    login(client, users[role])
    found = {}
    for endpoint in sorted(e for e, roles in ALLOWED.items() if role in roles):
        resp = client.get(_url(app, endpoint, case, users["operator"].id))
        assert resp.status_code in (200, 302), (endpoint, resp.status_code)
        if resp.mimetype == "text/html":
            bad = defects(page_text(resp.text))
        elif resp.mimetype == "text/csv":  # the header row of an export
            bad = defects(resp.data.decode("utf-8-sig").splitlines()[0].split(","))
        else:
            continue
        if bad:
            found[endpoint] = bad
    assert not found, "\n".join(f"{e}: {m}" for e, ms in found.items() for m in ms)


def test_the_proposal_form_shows_the_fields_of_its_kind_once(client, world):
    users, _case = world
    login(client, users["operator"])
    new = client.get("/usulan/baru").text
    assert "Alasan penonaktifan" not in new and "yang benar" not in new
    labels = re.findall(r'<label for="[^"]+">([^<]+)</label>', new)
    assert len(labels) == len(set(labels)) and "Nama calon penerima" in labels
    fix = client.get("/usulan/baru?jenis=perbaikan").text
    labels = re.findall(r'<label for="[^"]+">([^<]+)</label>', fix)
    assert len(labels) == len(set(labels))
    assert {"Nama yang tercatat di DTKS", "Nama yang benar"} <= set(labels)
    assert "Alasan penonaktifan" in client.get("/usulan/baru?jenis=nonaktif").text


def test_a_moved_referral_is_told_in_a_sentence(app, client, world):
    from tests.http import post

    users, case = world
    login(client, users["handler"])
    from slrt.extensions import db
    from slrt.referrals.models import Referral

    version = db.session.get(Referral, case.referral_id).version
    page = post(client, f"/rujukan/{case.referral_id}/tindakan",
                {"action": "proses", "version": str(version), "reason": ""},
                f"/rujukan/{case.referral_id}")
    assert page.status_code == 302
    text = client.get(page.headers["Location"]).text
    assert "mulai diproses." in text, [p for p in page_text(text) if "ujukan" in p]
    assert defects(page_text(text)) == []
    client.get("/laporan/ekspor?format=xlsx")
    supervisor = app.test_client()
    login(supervisor, users["supervisor"])
    supervisor.get(f"/kasus/{case.id}")
    audit_log = supervisor.get("/audit").text  # the move, the export, the look at the case
    assert "BH-" in audit_log
    assert defects(page_text(audit_log)) == []
