"""The district supervisor loads a newer registry snapshot from the upload page,
in a real Chromium on a desktop.

The server runs on a fresh database with the demo data (the July 2022 registry
of Muara Bulian), as prepared by the fixtures of conftest.py.
The supervisor uploads last month's SIKS-NG export of Desa Pelayangan (40
residents, one of them with a NIK that Excel mangled), follows the check as the
page refreshes itself, applies the valid rows only, and then finds one of the
residents on *Cek DTKS* with the new period and without the stale-data warning
that the July 2022 data still carries. The import runs in a background process
started by the page (`flask dtks run ID`).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from tests.browser.pages import expect, log_in, watched_pages

PELAYANGAN = "15.04.03.2021"
ROWS = 40
STALE = "lebih dari 6 bulan"
PROGRAMS = ("BPNT PPKM", "BLT-DD", "PIP")  # BANSOS columns: every demo program round-trips


def _last_month() -> str:
    today = date.today()
    return f"{today.year - (today.month == 1)}-{(today.month - 2) % 12 + 1:02d}"


@pytest.fixture(scope="module")
def export_file(demo_env, tmp_path_factory) -> tuple[Path, list[dict]]:
    """Last month's SIKS-NG export of 40 Pelayangan residents from the demo registry;
    the second moved to another dusun, the NIK of the fourth was turned into
    1.50403E+15 by Excel."""
    from sqlalchemy import create_engine, text

    from config import normalise_database_url
    from slrt.dtks.siksng import siksng_header, siksng_row
    from slrt.regions.codes import iter_rows

    engine = create_engine(normalise_database_url(demo_env["DATABASE_URL"]))
    try:
        with engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(text(
                "SELECT registry_id, village_code, nik, no_kk, name, birth_place, birth_date,"
                " sex, relationship AS relationship_to_head, mother_name, address, dusun, rt,"
                " rw, padan, pkh, bpnt, pbi, other_programs FROM registry_records"
                " WHERE village_code = :v ORDER BY id LIMIT :n"), {"v": PELAYANGAN, "n": ROWS})]
    finally:
        engine.dispose()
    assert len(rows) == ROWS
    for r in rows:
        if isinstance(r["birth_date"], str):
            r["birth_date"] = date.fromisoformat(r["birth_date"])
    names = {r.code: r.name for r in iter_rows() if r.code.startswith("15")}
    path = tmp_path_factory.mktemp("export") / "DTKS_PELAYANGAN.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        w.writerow(siksng_header(programs=PROGRAMS))
        for i, r in enumerate(rows):
            if i == 1:
                r["dusun"] = "Dusun Baru"  # moved within the village since July 2022
            line = siksng_row(r, names, programs=PROGRAMS)
            if i == 3:
                line[10] = "1.50403E+15"
            w.writerow(line)
    return path, rows


def test_supervisor_uploads_checks_and_applies_a_newer_snapshot(server_url, export_file):
    from slrt.common.time import format_period_id

    base, (path, rows) = server_url, export_file
    period = _last_month()
    with watched_pages(("supervisor", "desktop")) as (page, watch):
        log_in(page, base, "supervisor")
        page.get_by_role("link", name="Impor DTKS").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Impor data DTKS/DTSEN")
        expect(page.locator("main")).to_contain_text("Juli 2022")
        expect(page.locator("main")).to_contain_text(STALE)

        page.get_by_label("Berkas ekspor SIKS-NG").set_input_files(str(path))
        page.get_by_label("Periode data").fill(period)
        page.get_by_role("button", name="Unggah dan periksa").click()

        # The page refreshes itself until the check in the background is done.
        status = page.locator("#status-impor")
        expect(status).to_contain_text("Selesai diperiksa", timeout=90_000)
        expect(status).to_contain_text(f"{ROWS} diperiksa: {ROWS - 1} sah, 1 bermasalah")
        problems = page.locator("table.list")
        expect(problems).to_contain_text("1.50403E+15")
        expect(problems).to_contain_text("Excel")
        with page.expect_download() as download:
            page.get_by_role("link", name="Unduh laporan lengkap (CSV)").click()
        report = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert report.splitlines()[0] == "baris,kolom,nilai,keterangan"
        assert "1.50403E+15" in report

        # 40 rows for a village of 544: the page names what the apply would
        # deactivate and waits for the supervisor to confirm that number.
        confirm = page.locator("#konfirmasi-nonaktif")
        expect(confirm).to_contain_text("504 data akan dinonaktifkan")
        confirm.get_by_role("checkbox").check()
        page.get_by_role("button", name=f"Terapkan {ROWS - 1} baris yang sah saja").click()
        expect(status).to_contain_text("Sudah diterapkan", timeout=90_000)
        # One moved, the others the same in the new period; the 504 of Pelayangan
        # missing from the file are marked inactive, the one with the spoiled NIK is
        # left as it was.
        expect(status).to_contain_text(
            f"0 baru, 1 berubah, {ROWS - 2} sama, 0 aktif kembali, 504 dinonaktifkan")

        # The resident who moved now carries the new period, without the warning.
        resident = rows[1]
        page.get_by_role("link", name="Cek DTKS").click()
        page.get_by_label("NIK atau nomor KK").fill(resident["nik"])
        page.get_by_role("button", name="Cek", exact=True).click()
        card = page.locator("#hasil-dtks")
        expect(card).to_contain_text(resident["name"])
        expect(card).to_contain_text("Dusun Baru")
        expect(card).to_contain_text(format_period_id(period))
        expect(card).not_to_contain_text(STALE)

    # No script broke and no request failed on the way.
    assert not watch.errors, f"errors seen by the browser: {watch.errors}"
