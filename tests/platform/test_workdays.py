"""Working days: the counted span agrees with walking it day by day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from slrt.common.workdays import DaysOff, is_working_day, working_days_between

DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))


def walked(start: date, end: date, extra) -> int:
    if end < start:
        return -walked(end, start, extra)
    n, day = 0, start
    while day < end:
        day += timedelta(days=1)
        n += is_working_day(day, extra)
    return n


@settings(max_examples=300, deadline=None)
@given(start=DAYS, end=DAYS, added=st.sets(DAYS, max_size=4), worked=st.sets(DAYS, max_size=4))
def test_counting_the_span_agrees_with_walking_it(start, end, added, worked):
    extra = DaysOff(added, worked)
    assert working_days_between(start, end, extra) == walked(start, end, extra)
    assert working_days_between(start, end) == walked(start, end, frozenset())


def test_christmas_2026_with_the_governments_cuti_bersama():
    # Tue 22 Dec to Mon 4 Jan: 23, 28, 29, 30, 31 Dec and 4 Jan (24 Dec cuti bersama,
    # 25 Dec and 1 Jan holidays)
    assert working_days_between(date(2026, 12, 22), date(2027, 1, 4)) == 6
    worked_24 = DaysOff((), [date(2026, 12, 24)])
    assert working_days_between(date(2026, 12, 22), date(2027, 1, 4), worked_24) == 7
