"""Reports (issue 6): every figure on hand-made data with known answers, the
dashboard numbers against the lists they link to, page = CSV = XLSX, exports
audited and masked, the registry recap against the seed's Table 1.4."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from slrt.common.time import format_cell_id
from slrt.reports.queries.aggregates import percentile
from slrt.reports.queries.case_report import case_report
from slrt.reports.queries.dashboard import dashboard, dashboard_counts
from slrt.reports.queries.dates import add_months, month_start
from slrt.reports.queries.lists import LISTS, list_rows, list_statement
from slrt.reports.queries.registry_recap import dtks_recap
from slrt.reports.queries.scopes import narrow, scope_for
from tests.commands import command
from tests.factories import ARO, OLAK
from tests.http import login
from tests.reports.world import OCT_END, OCT_START, TODAY, build_world

# Seed (000_31e1191e2ee9e8a8.txt), Tabel 1.4 "Rekap DTKS Periode Juli 2022 kecamatan
# Muara Bulian": desa/kelurahan, individu, keluarga -- typed from the seed, in its order.
TABLE_1_4 = {
    "Aro": (1231, 430), "Bajubang Laut": (1367, 420), "Kilangan": (1204, 395),
    "Malapari": (1262, 411), "Muara Bulian": (3852, 1275), "Muaro Singoan": (965, 324),
    "Napal Sisik": (584, 183), "Olak": (914, 309), "Pasar Baru": (1851, 553),
    "Pasar Terusan": (1579, 513), "Pelayangan": (544, 176), "Rambahan": (766, 218),
    "Rantau Puri": (1037, 373), "Rengas Condong": (3121, 1032), "Simpang Terusan": (1734, 530),
    "Singkawang": (915, 286), "Sridadi": (3142, 1025), "Sungai Baung": (2141, 666),
    "Sungai Buluh": (1727, 560), "Tenam": (1449, 459), "Teratai": (2574, 855),
}


@pytest.fixture
def world(make_user, register, db, make_registry):
    return build_world(make_user, register, db, make_registry)


# --------------------------------------------------------------------------- figures

def test_percentile_interpolates_between_ranks():
    assert percentile({}, 0.5) is None
    assert percentile({7: 1}, 0.9) == 7
    assert percentile({1: 1, 3: 1, 4: 1}, 0.5) == 3
    assert percentile({1: 1, 2: 1, 3: 1, 4: 1}, 0.5) == 2.5
    assert percentile({1: 1, 2: 1, 3: 1, 4: 1}, 0.9) == 3.7  # rank 2.7: 3 + 0.7
    assert percentile({2: 9, 30: 1}, 0.9) == 4.8  # rank 8.1 (0-based) of ten: 2 + 0.1 * 28


def test_case_report_for_october_on_hand_made_data(world, db):
    r = case_report(scope_for(world.supervisor), OCT_START, OCT_END, TODAY)
    assert r.total == 6  # C1 C2 C3 C4 C7 C10; C6 is September, the rest November
    assert [(c, n) for c, _name, n in r.by_category] == [
        ("korban_bencana", 3), ("sktm", 2), ("pbi_tidak_aktif", 1)]
    assert [(v, name, n) for v, name, n in r.by_village] == [(OLAK, "Olak", 3), (ARO, "Aro", 3)]
    assert {c: n for c, _l, n in r.by_channel} == {
        "datang_langsung": 2, "telepon": 2, "penjangkauan": 1, "whatsapp": 1}
    assert r.desk == {"dirujuk": 3, "selesai_di_desa": 2, "belum_selesai": 1}
    # days to resolve: C1 1, C10 2 (closed 00.30 WIB on 1 Nov), C2 3, C3 4
    assert r.resolution_days == {1: 1, 2: 1, 3: 1, 4: 1}
    assert (r.median_days, r.p90_days) == (2.5, 3.7)
    [prog] = r.programs
    assert (prog.code, prog.total, prog.by_group) == ("BENCANA_LOG", 3, {"selesai": 2,
                                                                          "ditolak": 1})
    # C1 closed on its due date, C7 rejected before it, C3 three days late
    assert (prog.closed, prog.on_time, prog.resolved, prog.days) == (3, 2, 2, {1: 1, 4: 1})
    assert (prog.median_days, prog.p90_days) == (2.5, 3.7)
    assert r.compliance == {"ditutup": 3, "tepat_waktu": 2, "terlambat": 1,
                            "terbuka_lewat": 0, "persen": 66.7}
    assert dict((s, n) for s, _l, n in r.proposals)["draf"] == 1
    assert sum(n for _s, _l, n in r.proposals) == 1
    assert r.by_month_category == {"2026-10": {"korban_bencana": 3, "sktm": 2,
                                              "pbi_tidak_aktif": 1}}


def test_november_report_counts_the_open_and_overdue(world):
    r = case_report(scope_for(world.supervisor), month_start(TODAY), TODAY, TODAY)
    assert r.total == 4  # C5 C8 C9 C11
    [prog] = r.programs
    assert (prog.total, prog.by_group, prog.overdue_open) == (
        3, {"terbuka": 2, "selesai": 1}, 1)  # C5 due 3 Nov is overdue; C8 due today is not
    assert r.desk == {"dirujuk": 3, "selesai_di_desa": 1, "belum_selesai": 0}


def test_report_scope_follows_the_user(world):
    aro = case_report(scope_for(world.op_aro), OCT_START, OCT_END, TODAY)
    assert aro.total == 3 and {v for v, _n, _c in aro.by_village} == {ARO}
    assert sum(n for _s, _l, n in aro.proposals) == 1
    olak = case_report(scope_for(world.op_olak), OCT_START, OCT_END, TODAY)
    assert olak.total == 3 and olak.desk == {"dirujuk": 2, "selesai_di_desa": 0,
                                             "belum_selesai": 1}
    assert sum(n for _s, _l, n in olak.proposals) == 0
    # an operator narrowing to another village sees nothing, not that village
    assert case_report(narrow(scope_for(world.op_aro), OLAK), OCT_START, OCT_END,
                         TODAY).total == 0
    handler = case_report(scope_for(world.handler), OCT_START, OCT_END, TODAY)
    assert handler.total == 3  # the cases referred to his program: C1 C3 C7
    assert case_report(scope_for(world.handler_lansia), OCT_START, OCT_END,
                         TODAY).total == 0


# The four numbers of a desk's or a supervisor's dashboard, and of a handler's.
CASE_COUNTS = ("kasus_terbuka", "rujukan_segera", "rujukan_lewat", "kasus_selesai_bulan_ini")
REFERRAL_COUNTS = ("rujukan_terbuka", "rujukan_segera", "rujukan_lewat",
                   "rujukan_selesai_bulan_ini")


@pytest.mark.parametrize("who,keys,numbers", [
    ("supervisor", CASE_COUNTS, (4, 1, 1, 3)),
    ("op_aro", CASE_COUNTS, (2, 1, 1, 2)),
    ("op_olak", CASE_COUNTS, (2, 0, 0, 1)),
    ("fas", CASE_COUNTS, (4, 1, 1, 3)),
    ("handler", REFERRAL_COUNTS, (2, 1, 1, 1)),
    ("handler_lansia", REFERRAL_COUNTS, (0, 0, 0, 0)),
])
def test_dashboard_counts_per_role(world, who, keys, numbers):
    expected = dict(zip(keys, numbers, strict=True))
    scope = scope_for(getattr(world, who))
    counts = dashboard_counts(scope, TODAY)
    assert counts.values == expected
    for key, n in expected.items():  # each number is exactly the rows of its list
        kind = LISTS[key][1]
        assert len(list_rows(list_statement(scope, key, TODAY), kind, full_nik=False)) == n


def test_dashboard_charts_read_the_same_figures_as_the_full_report(world):
    """The dashboard skips what its charts do not draw; what it draws is equal."""
    scope = scope_for(world.supervisor)
    start = add_months(month_start(TODAY), -11)
    light = dashboard(world.supervisor, TODAY).report
    full = case_report(scope, start, TODAY, TODAY)
    assert light.total == full.total == 11  # all eleven cases, September to November
    assert (light.by_category, light.by_village, light.by_month_category, light.months) == (
        full.by_category, full.by_village, full.by_month_category, full.months)
    assert [(p.code, p.by_group, p.days, p.on_time, p.closed) for p in light.programs] == [
        (p.code, p.by_group, p.days, p.on_time, p.closed) for p in full.programs]
    assert light.months[0] == "2025-12" and light.months[-1] == "2026-11"


def test_resolved_this_month_uses_the_wib_month(world):
    """C10 closed at 17.30 UTC on 31 October, which is 00.30 WIB on 1 November."""
    scope = scope_for(world.op_aro)
    rows = list_rows(list_statement(scope, "kasus_selesai_bulan_ini", TODAY), "kasus",
                       full_nik=True)
    assert {r[0] for r in rows} == {world.cases["C9"].number, world.cases["C10"].number}


def test_charts_are_plain_svg_with_the_values(world):
    from slrt.reports.charts import charts_for

    charts = charts_for(case_report(scope_for(world.supervisor), OCT_START, OCT_END, TODAY))
    assert set(charts) == {"per_bulan", "per_desa", "per_program", "median_hari", "tepat_waktu"}
    for chart in charts.values():
        svg = str(chart.svg)
        assert chart.title and f"<title>{chart.title}</title>" in svg
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        assert 'font-size="14"' in svg and 'viewBox="0 0 360 ' in svg
        assert "<script" not in svg and "style=" not in svg and "http://" not in svg.replace(
            'xmlns="http://www.w3.org/2000/svg"', "")
    charts = {key: str(chart.svg) for key, chart in charts.items()}
    assert ">2,5 hari<" in charts["median_hari"]  # BENCANA_LOG median
    assert ">66,7%<" in charts["tepat_waktu"]
    assert "Korban bencana" in charts["per_bulan"] and ">6<" in charts["per_bulan"]
    assert ">Aro<" in charts["per_desa"] and ">Olak<" in charts["per_desa"]
    # a long program name is wrapped on two lines
    assert ">Bantuan logistik</tspan>" in charts["median_hari"]
    assert ">korban bencana</tspan>" in charts["median_hari"]


def test_a_long_label_is_wrapped_then_shortened():
    from slrt.reports.charts import hbars, wrap

    assert wrap("Korban bencana (kebakaran, banjir, longsor)") == [
        "Korban bencana", "(kebakaran, banji…"]
    assert wrap("Aro") == ["Aro"]
    svg = str(hbars([("Korban bencana (kebakaran, banjir, longsor)", 3)], "Kasus"))
    assert "<title>Korban bencana (kebakaran, banjir, longsor)</title>" in svg


# --------------------------------------------------------------------------- pages

def test_dashboard_numbers_link_to_lists_that_hold_them(client, world):
    login(client, world.op_aro)
    home = client.get("/").text
    links = re.findall(r'href="/laporan/daftar\?daftar=(\w+)"><strong>(\d+)</strong>', home)
    assert [k for k, _n in links] == ["kasus_terbuka", "rujukan_segera", "rujukan_lewat",
                                      "kasus_selesai_bulan_ini"]
    assert home.count("<svg") == 5
    for key, n in links:
        page = client.get(f"/laporan/daftar?daftar={key}")
        assert page.status_code == 200
        body = page.text.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page.text \
            else ""
        assert body.count("<tr>") == int(n), key
        assert f"{n} baris" in page.text
    # a list of another role's dashboard is not there
    assert client.get("/laporan/daftar?daftar=rujukan_terbuka").status_code == 404


def test_handler_dashboard_counts_his_program(client, world):
    login(client, world.handler)
    home = client.get("/").text
    keys = re.findall(r'href="/laporan/daftar\?daftar=(\w+)"', home)
    assert keys == ["rujukan_terbuka", "rujukan_segera", "rujukan_lewat",
                    "rujukan_selesai_bulan_ini"]
    page = client.get("/laporan/daftar?daftar=rujukan_terbuka").text
    assert world.referrals["C5"].number in page and world.referrals["C8"].number in page
    assert world.referrals["C1"].number not in page


def _page_tables(text: str) -> dict[str, list[list[str]]]:
    tables = {}
    for title, body in re.findall(r'<table class="list" data-table="([^"]+)">(.*?)</table>',
                                  text, re.S):
        rows = []
        for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            rows.append([html.unescape(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr)])
        tables[html.unescape(title)] = rows
    return tables


def test_page_csv_and_xlsx_agree(client, world, db):
    from openpyxl import load_workbook

    login(client, world.supervisor)
    qs = "dari=2026-10-01&sampai=2026-10-31"
    page = client.get(f"/laporan/?{qs}")
    assert page.status_code == 200 and page.text.count("<svg") == 5
    tables = _page_tables(page.text)
    assert list(tables) == ["Ringkasan", "Per kategori", "Per desa", "Per saluran",
                            "Per program", "Usulan DTKS"]
    summary = dict(tables["Ringkasan"][1:])
    # the words a supervisor uses, Indonesian numbers, a dash for what has no value
    assert summary["Kasus dicatat"] == "6" and summary["Median hari sampai selesai"] == "2,5"
    assert summary["Persen tepat waktu"] == "66,7"
    assert summary["Periode dari"] == "1 Oktober 2026"
    assert tables["Per program"][0][:3] == ["Program", "Rujukan", "Terbuka"]

    xlsx = client.get(f"/laporan/ekspor?{qs}&format=xlsx")
    assert xlsx.status_code == 200
    assert "laporan-kasus-" in xlsx.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(xlsx.data))
    assert wb.sheetnames == list(tables)
    assert wb["Ringkasan"]["B4"].value == 6  # a number the sheet can sum, not text
    assert wb["Ringkasan"]["B9"].value == 2.5
    for title, rows in tables.items():
        sheet = [[format_cell_id(v) for v in row] for row in wb[title].iter_rows(values_only=True)]
        assert sheet == rows, title

    data = client.get(f"/laporan/ekspor?{qs}&format=csv").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(data)))
    assert lines[0] == ["bagian", "kode", "nama", "nilai", "kolom"]
    assert ["Ringkasan", "median_hari_selesai", "Median hari sampai selesai", "2.5",
            "nilai"] in lines
    assert ["Ringkasan", "periode_dari", "Periode dari", "2026-10-01", "nilai"] in lines
    names = {(b, n) for b, _k, n, _v, _c in lines[1:]}
    for title, rows in tables.items():
        assert {(title, row[0]) for row in rows[1:]} == {(b, n) for b, n in names if b == title}


def test_monthly_report_is_a_print_page_with_charts(client, world):
    login(client, world.supervisor)
    page = client.get("/laporan/bulanan?bulan=2026-10")
    assert page.status_code == 200
    assert "print-report" in page.text and page.text.count("<svg") == 5
    assert "Periode Oktober 2026" in page.text
    assert dict(_page_tables(page.text)["Ringkasan"][1:])["Kasus dicatat"] == "6"
    assert client.get("/laporan/bulanan?bulan=2026-13").status_code == 400


# --------------------------------------------------------------------------- exports

def _audit_entries(db):
    from sqlalchemy import select

    from slrt.audit.models import AuditEntry

    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "ekspor")
                                   .order_by(AuditEntry.id)))


def test_list_exports_mask_niks_and_are_audited(client, world, db, app):
    nik = world.cases["C5"].beneficiary.nik
    login(client, world.op_aro)
    resp = client.get("/laporan/daftar/ekspor?daftar=kasus_terbuka&format=csv")
    text = resp.data.decode("utf-8-sig")
    assert f"{nik[:6]}******{nik[-4:]}" in text and nik not in text
    [entry] = _audit_entries(db)
    assert entry.actor_id == world.op_aro.id and entry.role == "operator"
    assert entry.detail["daftar"] == "kasus_terbuka" and entry.detail["format"] == "csv"
    assert entry.detail["nik"] == "disamarkan" and entry.detail["jumlah"] == 2

    app.config["SLRT_FULL_NIK_ROLES"] = ("supervisor",)
    client.post("/keluar", data={})
    client2 = app.test_client()
    login(client2, world.supervisor)
    xlsx = client2.get("/laporan/daftar/ekspor?daftar=kasus_terbuka&format=xlsx")
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[0][5] == "NIK" and nik in {r[5] for r in rows[1:]}
    assert _audit_entries(db)[-1].detail["nik"] == "lengkap"


def test_report_exports_are_audited_with_their_filters(client, world, db):
    login(client, world.op_aro)
    client.get(f"/laporan/ekspor?dari=2026-10-01&sampai=2026-10-31&desa={ARO}&format=xlsx")
    [entry] = _audit_entries(db)
    assert entry.detail["laporan"] == "kasus" and entry.detail["desa"] == ARO
    assert (entry.detail["dari"], entry.detail["sampai"]) == ("2026-10-01", "2026-10-31")


def _command(db, db_url, tmp_path, *args, ok=True):
    """`flask reports ...` as the supervisor runs it, after what the test committed."""
    db.session.commit()
    done = command(db_url, tmp_path, *args, ok=ok)
    db.session.remove()
    return done


def test_cli_cases_report(world, db, db_url, tmp_path):
    from openpyxl import load_workbook

    result = _command(db, db_url, tmp_path, "reports", "cases", "--from", "2026-10-01",
                      "--to", "2026-10-31", "--format", "csv")
    lines = list(csv.reader(io.StringIO(result.stdout)))
    assert lines[0] == ["bagian", "kode", "nama", "nilai", "kolom"]
    assert ["Ringkasan", "kasus_dicatat", "Kasus dicatat", "6", "nilai"] in lines
    assert ["Per program", "BENCANA_LOG", "Bantuan logistik korban bencana", "66.7",
            "persen_tepat_waktu"] in lines
    out = tmp_path / "kasus.xlsx"
    _command(db, db_url, tmp_path, "reports", "cases", "--from", "2026-10-01", "--to",
             "2026-10-31", "--format", "xlsx", "--output", out)
    assert load_workbook(out)["Ringkasan"]["B4"].value == 6
    entries = _audit_entries(db)
    assert len(entries) == 2 and entries[0].actor_name.startswith("cli:")
    bad = _command(db, db_url, tmp_path, "reports", "cases", "--from", "2026-10-32", "--to",
                   "2026-10-31", ok=False)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    assert len(_audit_entries(db)) == 2


# --------------------------------------------------------------------------- registry recap

@pytest.fixture
def imported_registry(app, db, tmp_path):
    """The demo registry of the 21 villages (July 2022), through the real importer."""
    from slrt.demo.registry import generate_registry
    from slrt.dtks import importer

    rows = list(generate_registry())
    path = tmp_path / "dtks-muara-bulian-2022-07.txt"
    importer.write_siksng(path, rows, importer.region_names_for({r["village_code"]
                                                                  for r in rows}))
    outcome = importer.import_file(path, "2022-07", "DTKS", "15.04")
    assert outcome.status == "applied"
    return rows


def test_dtks_recap_matches_table_1_4(app, db, db_url, imported_registry, tmp_path, make_user,
                                      client):
    from openpyxl import load_workbook

    result = _command(db, db_url, tmp_path, "reports", "dtks-recap", "--kecamatan", "15.04.03",
                      "--period", "2022-07", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0] == "kode_desa,desa,individu,keluarga"
    rows = list(csv.reader(lines[1:]))
    assert len(rows) == 22 and rows[-1][0] == "TOTAL"
    codes = [r[0] for r in rows[:-1]]
    assert codes == sorted(codes) and all(c.startswith("15.04.03.") for c in codes)
    assert {r[1]: (int(r[2]), int(r[3])) for r in rows[:-1]} == TABLE_1_4
    assert rows[-1][2:] == [str(sum(v[0] for v in TABLE_1_4.values())),
                            str(sum(v[1] for v in TABLE_1_4.values()))]
    assert rows[-1][2:] == ["33959", "10993"]

    # another period lists nobody (the importer's dates), the rows are still there
    empty = _command(db, db_url, tmp_path, "reports", "dtks-recap", "--kecamatan", "15.04.03",
                     "--period", "2022-06").stdout.splitlines()
    assert len(empty) == 23 and empty[-1] == "TOTAL,,0,0"

    out = tmp_path / "rekap.xlsx"
    _command(db, db_url, tmp_path, "reports", "dtks-recap", "--kecamatan", "15.04.03",
             "--period", "2022-07", "--format", "xlsx", "--output", out)
    sheet = [list(r) for r in load_workbook(out).active.iter_rows(values_only=True)]
    assert sheet[0] == ["Kode desa", "Desa/kelurahan", "Individu", "Keluarga (No KK berbeda)"]
    assert sheet[-1] == ["TOTAL", None, 33959, 10993]  # numbers, not text
    assert [[str(v) if v is not None else "" for v in r] for r in sheet[1:]] == rows

    login(client, make_user("supervisor"))
    page = client.get("/laporan/dtks?kecamatan=15.04.03&periode=2022-07").text
    for name, (people, households) in TABLE_1_4.items():
        assert f"<td>{name}</td><td>{people}</td><td>{households}</td>" in page
    web_csv = client.get("/laporan/dtks/ekspor?kecamatan=15.04.03&periode=2022-07&format=csv")
    web_lines = web_csv.data.decode("utf-8-sig").splitlines()
    # the office's download reads the page's words; the command line keeps the codes
    assert web_lines[0] == "Kode desa,Desa/kelurahan,Individu,Keluarga (No KK berbeda)"
    assert web_lines[1:] == lines[1:]


def test_recap_counts_a_changed_family_card_in_its_period(app, db, make_registry):
    """Households are distinct No KK of the period; a record listed 2022-07 and
    2023-01 counts in both; one first listed 2023-01 only in 2023-01."""
    from datetime import date

    from slrt.dtks.models import RegistryRecord
    from tests.factories import build_kk

    kk1, kk2 = build_kk("15.04.03", date(2016, 3, 2), 11), build_kk("15.04.03", date(2018, 5, 9),
                                                                     12)
    make_registry("Hasan Basri", village=OLAK, no_kk=kk1, period="2023-01", since_period="2022-07")
    make_registry("Halimah", village=OLAK, no_kk=kk1, sex="P", relationship="Istri",
                  period="2023-01", since_period="2022-07")
    make_registry("Ilham", village=OLAK, no_kk=kk2, period="2023-01", since_period="2023-01")
    db.session.commit()
    assert db.session.query(RegistryRecord).count() == 3
    olak = {p: next(r for r in dtks_recap("15.04.03", p) if r[0] == OLAK)
            for p in ("2022-07", "2023-01", "2023-02")}
    assert olak["2022-07"][2:] == (2, 1)
    assert olak["2023-01"][2:] == (3, 2)
    assert olak["2023-02"][2:] == (0, 0)


def test_a_period_without_resolved_cases_shows_a_dash(client, world):
    login(client, world.supervisor)
    summary = dict(_page_tables(client.get("/laporan/?dari=2026-12-01&sampai=2026-12-02")
                                .text)["Ringkasan"][1:])
    assert summary["Kasus dicatat"] == "0" and summary["Median hari sampai selesai"] == "–"
