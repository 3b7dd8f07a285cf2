"""Reading what a link or a button carries: days, start times and ids from query strings and posted values.

Every page reads these through here, once, so a value typed into the address bar can only ever mean a day, an
instant or an id in range, or nothing (None): never a ValueError, an OverflowError or a database error later on.
The calendar pages accept days from FIRST_DAY to LAST_DAY, so a day's neighbours, its week and its clinic hours
can always be computed; ids are ASCII digits up to the largest 63-bit integer (the databases' bigint).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.utils import timezone

from . import clinic_time
from .text import has_control_characters

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
MAX_ID = 2**63 - 1

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_ID = re.compile(r"[0-9]{1,19}", re.ASCII)
_START = re.compile(r"[0-9T:.Z+-]+", re.ASCII)  # fromisoformat alone lets a trailing NUL through
_LONGEST_START = len("2030-06-06T10:00:00.000000+14:00")


def in_calendar(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def parse_day(value: str | None) -> date | None:
    """A day written YYYY-MM-DD, from FIRST_DAY to LAST_DAY; None for anything else."""
    value = (value or "").strip()
    if not _DAY.fullmatch(value):
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if in_calendar(day) else None


def parse_start(value: str | None) -> datetime | None:
    """A start from a link or a slot button: ISO 8601, aware (any zone) or naive (clinic time), on a day from
    FIRST_DAY to LAST_DAY in the clinic's zone; returned in clinic time. None for anything else, including a
    wall-clock time the clocks skip or repeat."""
    # A "+" in a query string arrives as a space: "2030-06-06T10:00 01:00" meant "+01:00".
    value = (value or "").strip().replace(" ", "+")
    if len(value) > _LONGEST_START or not _START.fullmatch(value):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Checked before any conversion: 9999-12-31T23:59-12:00 is a valid string whose UTC instant does not exist.
    if not in_calendar(moment.date()):
        return None
    if timezone.is_naive(moment):
        try:
            return clinic_time.clinic_datetime(moment.date(), moment.time())
        except ValueError:
            return None
    local = clinic_time.local(moment)
    return local if in_calendar(local.date()) else None


def parse_id(value: str | int | None) -> int | None:
    """A database id: ASCII digits only (not "²", "٣", "-1", "1e3" or " 7"), from 1 to MAX_ID; None otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= MAX_ID else None
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def parse_query(value: str | None, *, max_length: int) -> str | None:
    """Search words from a query string, stripped; None when they cannot match anything (too long, or holding
    control characters), so the search finds nobody and says so."""
    value = (value or "").strip()
    if len(value) > max_length or has_control_characters(value):
        return None
    return value


def shown(value: str, *, limit: int = 40) -> str:
    """A value from the address bar, safe and short enough to quote back in a message."""
    short = value if len(value) <= limit else f"{value[: limit - 1]}…"
    return "".join("?" if has_control_characters(c) else c for c in short)


def day_or_today(value: str | None) -> tuple[date, str | None]:
    """The day a `?date=` names; or today, with a sentence saying why, for anything unparsable or out of range (an
    empty value means today, silently)."""
    day = parse_day(value)
    if day is not None:
        return day, None
    if not value:
        return clinic_time.today(), None
    problem = f"'{shown(value)}' is not a date (use YYYY-MM-DD, from {FIRST_DAY.year} to {LAST_DAY.year}); "
    return clinic_time.today(), problem + "showing today."
