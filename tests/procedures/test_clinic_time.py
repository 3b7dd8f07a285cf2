"""Clinic time: a day's bounds and the named formats, in the clinic's zone (Europe/London) and across the days its
clocks change: Sunday 31 March 2030 (01:00 GMT becomes 02:00 BST, a 23-hour day) and Sunday 27 October 2030 (02:00
BST becomes 01:00 GMT, a 25-hour day). The readers that need a day's bounds ask here, and get the same answer."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from procedures import clinic_time
from procedures.exports import selectors as exports
from procedures.reports.period import Filters
from procedures.services.arrival import check_in_opens
from tests.clinic import LONDON, NOW, TODAY, at

SPRING = date(2030, 3, 31)  # the clocks go forward
AUTUMN = date(2030, 10, 27)  # the clocks go back


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- The zone and a day's bounds. ----------------------------------------------------------------------------


def test_the_clinics_zone_is_clinic_time_zone(settings):
    assert settings.TIME_ZONE == settings.CLINIC_TIME_ZONE == "Europe/London"
    assert clinic_time.zone() == LONDON
    assert clinic_time.local(utc(2030, 6, 5, 11, 0)) == NOW


@pytest.mark.parametrize(
    ("day", "start", "end", "hours"),
    [
        (SPRING, utc(2030, 3, 31, 0, 0), utc(2030, 3, 31, 23, 0), 23),
        (AUTUMN, utc(2030, 10, 26, 23, 0), utc(2030, 10, 28, 0, 0), 25),
        (date(2030, 3, 30), utc(2030, 3, 30, 0, 0), utc(2030, 3, 31, 0, 0), 24),
        (date(2030, 10, 28), utc(2030, 10, 28, 0, 0), utc(2030, 10, 29, 0, 0), 24),
        (TODAY, utc(2030, 6, 4, 23, 0), utc(2030, 6, 5, 23, 0), 24),
    ],
    ids=["march", "october", "before-march", "after-october", "summer"],
)
def test_a_day_runs_from_local_midnight_to_local_midnight_whatever_its_length(day, start, end, hours):
    first, last = clinic_time.day_bounds(day)
    assert (first, last) == (start, end)
    assert last.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=hours)  # real elapsed time
    assert last - first == timedelta(hours=24)  # what Python says of two times in one zone: wall-clock time
    assert clinic_time.local(first).time() == clinic_time.local(last).time() == time(0, 0)
    assert clinic_time.day_start(day) == first
    assert clinic_time.day_start(day + timedelta(days=1)) == last


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (utc(2030, 3, 30, 23, 59), date(2030, 3, 30)),  # 23:59 GMT
        (utc(2030, 3, 31, 0, 30), SPRING),  # 00:30 GMT
        (utc(2030, 3, 31, 22, 59), SPRING),  # 23:59 BST
        (utc(2030, 3, 31, 23, 0), date(2030, 4, 1)),  # 00:00 BST
        (utc(2030, 10, 26, 22, 59), date(2030, 10, 26)),  # 23:59 BST
        (utc(2030, 10, 26, 23, 0), AUTUMN),  # 00:00 BST
        (utc(2030, 10, 27, 23, 59), AUTUMN),  # 23:59 GMT
        (utc(2030, 10, 28, 0, 0), date(2030, 10, 28)),  # 00:00 GMT
    ],
)
def test_an_instant_falls_on_the_clinic_day_its_local_time_says(moment, day):
    assert clinic_time.day_of(moment) == day
    assert clinic_time.today(moment) == day
    start, end = clinic_time.day_bounds(day)
    assert start <= moment < end


def test_a_date_or_a_naive_clinic_time_is_its_own_day():
    assert clinic_time.day_of(SPRING) == SPRING
    assert clinic_time.day_of(datetime(2030, 3, 31, 23, 30)) == SPRING


def test_a_day_starts_at_the_first_instant_that_exists_where_the_clocks_change_at_midnight(settings):
    settings.TIME_ZONE = "Asia/Beirut"  # 00:00 becomes 01:00 on the last Sunday of March
    start, end = clinic_time.day_bounds(SPRING)
    assert start == utc(2030, 3, 30, 22, 0)
    assert clinic_time.local(start).time() == time(1, 0)
    assert end - start == timedelta(hours=23)


def test_the_opening_hours_of_a_clock_change_day_are_in_that_days_clinic_time(settings):
    settings.CLINIC_OPENING_HOURS = "Mon-Fri 08:00-18:00; Sun 09:00-12:00"
    assert clinic_time.hours_on(SPRING) == (utc(2030, 3, 31, 8, 0), utc(2030, 3, 31, 11, 0))  # BST
    assert clinic_time.hours_on(AUTUMN) == (utc(2030, 10, 27, 9, 0), utc(2030, 10, 27, 12, 0))  # GMT
    assert clinic_time.hours_on(date(2030, 3, 30)) is None  # a Saturday


def test_a_wall_clock_time_the_clocks_skip_or_repeat_is_refused_and_others_are_placed_in_the_right_offset():
    with pytest.raises(ValueError, match=r"^01:30 does not exist on Sun 31 Mar \(the clocks go forward\)"):
        clinic_time.clinic_datetime(SPRING, time(1, 30))
    with pytest.raises(ValueError, match=r"^01:30 happens twice on Sun 27 Oct \(the clocks go back\)"):
        clinic_time.clinic_datetime(AUTUMN, time(1, 30))
    assert clinic_time.clinic_datetime(SPRING, time(0, 30)) == utc(2030, 3, 31, 0, 30)
    assert clinic_time.clinic_datetime(SPRING, time(2, 30)) == utc(2030, 3, 31, 1, 30)
    assert clinic_time.clinic_datetime(AUTUMN, time(0, 30)) == utc(2030, 10, 26, 23, 30)
    assert clinic_time.clinic_datetime(AUTUMN, time(2, 30)) == utc(2030, 10, 27, 2, 30)


def test_the_readers_of_a_day_ask_clinic_time():
    """Reports, exports and check-in bound a clock-change day as clinic_time does (they once did their own sums)."""
    period = Filters(preset="custom", first=SPRING, last=AUTUMN)
    assert (period.start, period.end) == (clinic_time.day_start(SPRING), clinic_time.day_bounds(AUTUMN)[1])
    where = exports.appointments(SPRING, SPRING, with_results=False).query.where.children
    bounds = {child.lookup_name: child.rhs for child in where if child.lhs.target.name == "scheduled_start"}
    assert bounds == {"gte": utc(2030, 3, 31, 0, 0), "lt": utc(2030, 3, 31, 23, 0)}

    class Early:
        scheduled_start = clinic_time.clinic_datetime(SPRING, time(0, 30))

    assert check_in_opens(Early) == clinic_time.day_start(SPRING)  # two hours before would be the day before


# --- How a date and a time are written. ----------------------------------------------------------------------


def test_each_named_format_writes_its_example():
    moment = at(date(2026, 12, 3), "14:30")
    assert clinic_time.time_of_day(moment) == "14:30"
    assert clinic_time.time_span(moment, moment + timedelta(minutes=45)) == "14:30-15:15"
    assert clinic_time.short_date(moment) == "Thu 3 Dec"
    assert clinic_time.medium_date(moment) == "Thu 3 Dec 2026"
    assert clinic_time.long_date(moment) == "Thursday 3 December 2026"
    assert clinic_time.plain_date(moment) == "3 Dec 2026"
    assert clinic_time.short_date_time(moment) == "Thu 3 Dec 14:30"
    assert clinic_time.date_time(moment) == "Thu 3 Dec 2026 14:30"
    assert clinic_time.iso_day(moment) == "2026-12-03"
    assert clinic_time.iso_month(moment) == "2026-12"
    assert clinic_time.iso_minute(moment) == "2026-12-03 14:30"
    assert clinic_time.iso_minute(moment, sep="T") == "2026-12-03T14:30"
    assert clinic_time.iso_instant(moment) == "2026-12-03T14:30:00+00:00"
    assert (
        clinic_time.iso_instant(at(date(2030, 6, 6), "09:00") + timedelta(seconds=7.5)) == "2030-06-06T09:00:07+01:00"
    )


def test_dates_and_wall_clock_times_are_written_as_they_are():
    assert clinic_time.short_date(date(2030, 6, 5)) == "Wed 5 Jun"
    assert clinic_time.plain_date(date(1980, 1, 9)) == "9 Jan 1980"
    assert clinic_time.iso_day(date(2030, 6, 5)) == "2030-06-05"
    assert clinic_time.time_of_day(time(9, 5)) == "09:05"
    assert time(9, 5).strftime(clinic_time.TIME_INPUT) == clinic_time.time_of_day(time(9, 5))  # the form's field
    assert clinic_time.date_time(datetime(2030, 6, 5, 9, 5)) == "Wed 5 Jun 2030 09:05"  # naive: clinic time


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (utc(2030, 3, 31, 0, 59), "Sun 31 Mar 2030 00:59"),  # GMT
        (utc(2030, 3, 31, 1, 0), "Sun 31 Mar 2030 02:00"),  # BST: 01:00-01:59 is never written
        (utc(2030, 3, 31, 22, 30), "Sun 31 Mar 2030 23:30"),
        (utc(2030, 3, 31, 23, 30), "Mon 1 Apr 2030 00:30"),
        (utc(2030, 10, 26, 23, 30), "Sun 27 Oct 2030 00:30"),  # BST
        (utc(2030, 10, 27, 0, 30), "Sun 27 Oct 2030 01:30"),  # BST, the first 01:30
        (utc(2030, 10, 27, 1, 30), "Sun 27 Oct 2030 01:30"),  # GMT, the second
        (utc(2030, 10, 27, 23, 30), "Sun 27 Oct 2030 23:30"),
        (utc(2030, 10, 28, 0, 30), "Mon 28 Oct 2030 00:30"),
    ],
)
def test_an_instant_is_written_in_the_clinic_time_of_its_moment_across_the_changes(moment, written):
    assert clinic_time.date_time(moment) == written
    day, hhmm = written.rsplit(" ", 1)
    assert clinic_time.medium_date(moment) == day
    assert clinic_time.time_of_day(moment) == hhmm
    assert clinic_time.iso_minute(moment) == f"{clinic_time.iso_day(clinic_time.day_of(moment))} {hhmm}"


def test_a_booking_across_the_change_spans_its_clinic_times():
    start = utc(2030, 10, 27, 0, 30)  # 01:30 BST
    assert clinic_time.time_span(start, start + timedelta(hours=1)) == "01:30-01:30"  # an hour: 01:30 GMT
    start = utc(2030, 3, 31, 0, 30)  # 00:30 GMT
    assert clinic_time.time_span(start, start + timedelta(hours=1)) == "00:30-02:30"


def test_the_very_ends_of_the_calendar_are_written_as_given_rather_than_failing():
    assert clinic_time.date_time(datetime.min.replace(tzinfo=UTC)) == "Mon 1 Jan 0001 00:00"
    assert clinic_time.date_time(datetime.max.replace(tzinfo=UTC)) == "Fri 31 Dec 9999 23:59"
    assert clinic_time.iso_minute(datetime.max.replace(tzinfo=UTC)) == "9999-12-31 23:59"
    assert clinic_time.iso_day(date(5, 1, 2)) == "0005-01-02"
