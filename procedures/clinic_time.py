"""Clinic time: the clinic's zone, its days, its opening hours, and how a date and a time are written.

Times are stored in UTC and shown in the clinic's zone (CLINIC_TIME_ZONE, which is Django's TIME_ZONE). A clinic day
runs from local midnight to local midnight, so it lasts 23 or 25 hours when the clocks change. Opening hours are
read from CLINIC_OPENING_HOURS ("Mon-Fri 08:00-18:00; Sat 09:00-12:00"). A date or a time that Python code writes
(in a sentence, a message, a link, a file name or a CSV cell) is written by one of the named formats at the end; their
words use the letters of Django's date filter, as the templates do ("D j M Y H:i"), so a date reads the same on a
page, in a sentence and in a message.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import dateformat, timezone, translation

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def zone() -> tzinfo:
    return timezone.get_default_timezone()


def local(moment: datetime) -> datetime:
    """An aware instant in clinic time."""
    return timezone.localtime(moment, zone())


def today(now: datetime | None = None) -> date:
    return local(now or timezone.now()).date()


def day_of(moment: date | datetime) -> date:
    """The clinic day an instant falls on (a naive datetime is read as clinic time; a date is itself)."""
    if isinstance(moment, datetime):
        return (local(moment) if moment.tzinfo is not None else moment).date()
    return moment


def day_start(day: date) -> datetime:
    """Local midnight starting `day`, aware (normalised, for zones that change their clocks at 00:00)."""
    return datetime.combine(day, time.min, tzinfo=zone()).astimezone(UTC).astimezone(zone())


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight, as aware instants in clinic time: 23 or 25 hours apart when the
    clocks change (measured in UTC: Python subtracts two times of one zone by their wall clocks)."""
    return day_start(day), day_start(day + timedelta(days=1))


def clinic_datetime(day: date, at: time) -> datetime:
    """An aware instant for a wall-clock time in the clinic, refusing times the clocks skip or repeat."""
    first = datetime.combine(day, at, tzinfo=zone())
    if first.astimezone(UTC).astimezone(zone()).replace(tzinfo=None) != first.replace(tzinfo=None):
        raise ValueError(
            f"{time_of_day(at)} does not exist on {short_date(day)} (the clocks go forward); choose another time."
        )
    if first.utcoffset() != first.replace(fold=1).utcoffset():
        raise ValueError(
            f"{time_of_day(at)} happens twice on {short_date(day)} (the clocks go back); choose another time."
        )
    return first


# Opening hours.


@lru_cache(maxsize=8)
def parse_opening_hours(spec: str) -> dict[int, tuple[time, time]]:
    """Weekday (0 = Monday) to (opening, closing), clinic time."""
    hours: dict[int, tuple[time, time]] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        try:
            days, span = part.split()
            opens, closes = (time.fromisoformat(t) for t in span.split("-"))
            first, _, last = days.lower().partition("-")
            start, end = DAYS.index(first[:3]), DAYS.index((last or first)[:3])
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"CLINIC_OPENING_HOURS: cannot read {part!r}; write it like 'Mon-Fri 08:00-18:00'."
            ) from exc
        if opens >= closes:
            raise ImproperlyConfigured(f"CLINIC_OPENING_HOURS: {part!r} closes before it opens.")
        if start > end:
            raise ImproperlyConfigured(
                f"CLINIC_OPENING_HOURS: {part!r} names its days backwards; write the earlier day first."
            )
        for weekday in range(start, end + 1):
            hours[weekday] = (opens, closes)
    return hours


def opening_hours() -> dict[int, tuple[time, time]]:
    return parse_opening_hours(settings.CLINIC_OPENING_HOURS)


def hours_on(day: date) -> tuple[datetime, datetime] | None:
    """The aware opening and closing instants of a clinic day, or None when closed."""
    span = opening_hours().get(day.weekday())
    if span is None:
        return None
    return (
        timezone.make_aware(datetime.combine(day, span[0]), zone()),
        timezone.make_aware(datetime.combine(day, span[1]), zone()),
    )


def describe_opening_hours() -> str:
    return settings.CLINIC_OPENING_HOURS


# How a date and a time are written. Each takes a date, a time or a datetime as it makes sense; an aware datetime
# is written in clinic time (at the calendar's very ends, where the clinic's zone cannot reach, as given).

TIME_INPUT = "%H:%M"  # a form's time field (what time_of_day writes, in strftime's letters)


def _clinic(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:
            return local(value)
        except OverflowError:
            return value
    return value


# Languages that write a date differently from English, by the English letters they replace: Polish names the month
# in the genitive ("3 grudnia", Django's letter E) after a comma, and writes day and month names in lower case.
# English, Welsh ("Dydd Iau 3 Rhagfyr 2026") and Urdu ("جمعرات 3 دسمبر 2026") write them as the English letters say.
LANGUAGE_DATE_LETTERS = {
    "pl": {"D j M": "D, j E", "D j M Y": "D, j E Y", "l j F": "l, j E", "l j F Y": "l, j E Y", "j M Y": "j E Y"},
}
LOWER_CASE_DATE_NAMES = {"pl"}


def _written(value, letters: str) -> str:
    """`value` in `letters`, or in the active language's own letters for them (LANGUAGE_DATE_LETTERS)."""
    language = (translation.get_language() or "").split("-")[0]
    written = dateformat.format(_clinic(value), LANGUAGE_DATE_LETTERS.get(language, {}).get(letters, letters))
    return written.lower() if language in LOWER_CASE_DATE_NAMES else written


def time_of_day(value: time | datetime) -> str:
    """14:30"""
    value = _clinic(value)
    return f"{value.hour:02d}:{value.minute:02d}"


def time_span(start: datetime, end: datetime) -> str:
    """14:30-15:15"""
    return f"{time_of_day(start)}-{time_of_day(end)}"


def short_date(value: date | datetime) -> str:
    """Thu 3 Dec"""
    return _written(value, "D j M")


def medium_date(value: date | datetime) -> str:
    """Thu 3 Dec 2026"""
    return _written(value, "D j M Y")


def day_and_month(value: date | datetime) -> str:
    """Thursday 3 December: a day this year, as a patient's page names it in a sentence."""
    return _written(value, "l j F")


def long_date(value: date | datetime) -> str:
    """Thursday 3 December 2026"""
    return _written(value, "l j F Y")


def plain_date(value: date | datetime) -> str:
    """3 Dec 2026: a date whose weekday does not matter (a date of birth, the ends of a range)."""
    return _written(value, "j M Y")


def short_date_time(value: datetime) -> str:
    """Thu 3 Dec 14:30"""
    return f"{short_date(value)} {time_of_day(value)}"


def date_time(value: datetime) -> str:
    """Thu 3 Dec 2026 14:30"""
    return f"{medium_date(value)} {time_of_day(value)}"


def iso_day(value: date | datetime) -> str:
    """2026-12-03: for links, file names and CSV cells."""
    value = _clinic(value)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def iso_month(value: date | datetime) -> str:
    """2026-12"""
    value = _clinic(value)
    return f"{value.year:04d}-{value.month:02d}"


def iso_minute(value: datetime, sep: str = " ") -> str:
    """2026-12-03 14:30 (or with sep="T", 2026-12-03T14:30 for a link): clinic time, sortable."""
    return f"{iso_day(value)}{sep}{time_of_day(value)}"


def iso_instant(value: datetime) -> str:
    """2026-12-03T14:30:00+00:00 (in summer, 2030-06-06T09:00:00+01:00): clinic time with its seconds and its
    offset from UTC, ISO 8601, for files that programs read; the offset makes each instant unambiguous, the hour the
    clocks go back included."""
    return _clinic(value).replace(microsecond=0).isoformat()


def zone_name() -> str:
    """The clinic's zone as configured (CLINIC_TIME_ZONE): "Europe/London"."""
    return str(zone())
