"""The province supervisor's comparison of the regencies (slrt/reports/queries/
regencies.py): each row counts as the regency supervisor's own dashboard and
case report, whether the period starts on the first of a month (read from the
monthly summaries) or not (read from the cases and referrals themselves), and
the page asks as many statements for four regencies with villages and cases
as for two."""

from __future__ import annotations

from datetime import date

import pytest

from tests.database import statements
from tests.factories import wib
from tests.http import login

TODAY = date(2026, 11, 30)
# Batang Hari, Muaro Jambi, then Kota Jambi and Kerinci.
FIRST_TWO, NEXT_TWO = ("15.04", "15.05"), ("15.71", "15.01")
PEOPLE = {"15.04": ("Sahril", "Siti Aminah", "Junaidi"),
          "15.05": ("Syafrudin", "Nurhayati", "Rahmat Hidayat"),
          "15.71": ("Abdul Karim", "Wati Lestari", "Zulkifli"),
          "15.01": ("Rosmiati", "Mariam", "Syamsul Bahri")}


def _regency(code, make_user, register, db) -> dict:
    """A regency's desk, handler and supervisor, and three disaster cases of its
    first village: one registered on 1 Nov (not referred), one referred on 2 Nov
    and left open past its due date, one referred on 16 Nov and delivered the
    same day (on time)."""
    from slrt.referrals import services as referrals
    from slrt.referrals.aid import Composition
    from slrt.referrals.catalog import code_in, load_programs
    from slrt.regions.queries import villages_of
    from slrt.regions.services import load_regions

    load_regions(code)
    load_programs(code)
    db.session.commit()
    village = villages_of(code)[0].code
    logistics = code_in("BENCANA_LOG", code, "15.04")
    desk = make_user("operator", kabupaten=code, villages=[village])
    handler = make_user("handler", kabupaten=code, programs=[logistics])
    supervisor = make_user("supervisor", kabupaten=code)
    first, late, delivered = PEOPLE[code]
    register(desk, village=village, category="korban_bencana", name=first,
             when=wib(2026, 11, 1), description="Rumah rusak diterjang angin puting beliung.")
    for name, day in ((late, 2), (delivered, 16)):
        case = register(desk, village=village, category="korban_bencana", name=name,
                        when=wib(2026, 11, day), description="Rumah terbakar habis.")
        ref = referrals.refer(desk, case, [logistics], "Rumah terbakar",
                              now=wib(2026, 11, day, 11))[0]
        if name == delivered:
            referrals.move(handler, ref, "terima", now=wib(2026, 11, day, 13))
            referrals.record_handover(handler, ref, Composition(adult_men=1), {"matras": 1},
                                      name, "", now=wib(2026, 11, day, 14))
            referrals.move(handler, ref, "salurkan", now=wib(2026, 11, day, 15))
    db.session.commit()
    return {"village": village, "supervisor": supervisor}


@pytest.fixture
def province(make_user, register, db):
    from slrt.regions.services import load_regions

    regencies = {code: _regency(code, make_user, register, db) for code in FIRST_TWO}
    load_regions("15.06")  # Sarolangun: villages loaded, no case yet
    db.session.commit()
    chief = make_user("province_supervisor", kabupaten="15", full_name="Dra. Hj. Erniwati")
    return chief, regencies


@pytest.mark.parametrize("start", [date(2026, 11, 1), date(2026, 11, 2)],
                         ids=["monthly summary", "cases themselves"])
def test_each_row_is_the_regency_supervisors_own_figures(province, start):
    from slrt.reports.queries.case_report import case_report
    from slrt.reports.queries.dashboard import dashboard_counts
    from slrt.reports.queries.regencies import compare_regencies, province_total
    from slrt.reports.queries.scopes import scope_for

    chief, regencies = province
    rows = {r.code: r for r in compare_regencies(chief, start, TODAY, TODAY)}
    for code, regency in regencies.items():
        scope = scope_for(regency["supervisor"])
        own = case_report(scope, start, TODAY, TODAY, detail=False)
        row = rows[code]
        assert row.counts.values == dashboard_counts(scope, TODAY).values
        assert row.cases == own.total == (3 if start.day == 1 else 2)
        assert row.referred == sum(p.total for p in own.programs) == 2
        assert row.compliance == own.compliance
        assert row.compliance["ditutup"] == 1 and row.on_time == 100.0
        # The monthly summary knows nothing of today; the cases themselves do.
        assert row.compliance["terbuka_lewat"] == (0 if start.day == 1 else 1)
        assert row.counts.values["rujukan_lewat"] == 1
    assert rows["15.06"].cases == 0 and rows["15.06"].counts.values["kasus_terbuka"] == 0
    total = province_total(chief, start, TODAY, TODAY)
    assert total.cases == 2 * rows["15.04"].cases
    assert total.compliance["ditutup"] == 2 and total.on_time == 100.0
    assert total.counts.values["rujukan_lewat"] == 2


def test_a_period_ending_mid_month_in_the_past_counts_only_its_own_days(province):
    """1-15 November, asked on 30 November: the monthly summaries hold the whole
    month, so they may not answer; the case of 16 November is not counted."""
    from slrt.reports.queries.case_report import case_report
    from slrt.reports.queries.regencies import compare_regencies, province_total
    from slrt.reports.queries.scopes import scope_for

    chief, regencies = province
    start, end = date(2026, 11, 1), date(2026, 11, 15)
    rows = {r.code: r for r in compare_regencies(chief, start, end, TODAY)}
    for code, regency in regencies.items():
        own = case_report(scope_for(regency["supervisor"]), start, end, TODAY, detail=False)
        assert rows[code].cases == own.total == 2
        assert rows[code].referred == sum(p.total for p in own.programs) == 1
        assert rows[code].compliance["ditutup"] == own.compliance["ditutup"] == 0
    assert province_total(chief, start, end, TODAY).cases == 4


@pytest.mark.parametrize("dari", ["2026-11-01", "2026-11-02"])
def test_the_page_asks_as_many_statements_for_four_regencies_as_for_two(
        app, province, make_user, register, db, dari):
    chief, _regencies = province
    client = app.test_client()
    login(client, chief)
    url = f"/laporan/kabupaten?dari={dari}&sampai=2026-11-30"

    def page(loaded: int) -> int:
        client.get(url)  # the regions and catalogs kept per process read once
        with statements(db.engine) as seen:
            resp = client.get(url)
        assert resp.status_code == 200
        # the 11 regencies and cities of Jambi (named wherever one is loaded), the province
        assert resp.text.count('<tr data-kabupaten="15') == 11 + 1
        assert resp.text.count('<td class="num">3</td>' if dari.endswith("01")
                               else '<td class="num">2</td>') >= loaded
        return len(seen)

    two = page(2)
    for code in NEXT_TWO:
        _regency(code, make_user, register, db)
    four = page(4)
    assert four == two
