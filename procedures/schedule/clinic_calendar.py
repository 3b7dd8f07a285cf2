"""The clinic's calendar for the schedules: a day is local midnight to local midnight in the clinic's zone.

Times are stored in UTC and shown in the clinic's zone, so a day may be 23 or 25 hours long when the clocks change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from .. import hours
from ..hours import day_bounds

__all__ = ["clinic_datetime", "day_bounds", "step_clinic_day", "week_start"]


def clinic_datetime(day: date, at: time) -> datetime:
    """An aware instant for a wall-clock time in the clinic, refusing times the clocks skip or repeat."""
    tz = timezone.get_default_timezone()
    first = datetime.combine(day, at, tzinfo=tz)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != first.replace(tzinfo=None):
        raise ValueError(f"{at:%H:%M} does not exist on {day:%a %d %b} (the clocks go forward); choose another time.")
    if first.utcoffset() != first.replace(fold=1).utcoffset():
        raise ValueError(f"{at:%H:%M} happens twice on {day:%a %d %b} (the clocks go back); choose another time.")
    return first


def step_clinic_day(day: date, step: int) -> date:
    """The next (step=1) or previous (step=-1) day the clinic is open; the adjacent day if it never opens."""
    candidate = day
    for _ in range(7):
        candidate += timedelta(days=step)
        if hours.hours_on(candidate) is not None:
            return candidate
    return day + timedelta(days=step)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
