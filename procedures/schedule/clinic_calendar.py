"""The schedules' calendar: stepping from a clinic day to the next or previous open one, and a day's week.

What a clinic day is (local midnight to local midnight, 23 or 25 hours when the clocks change) is clinic_time's.
"""

from __future__ import annotations

from datetime import date, timedelta

from .. import clinic_time

__all__ = ["step_clinic_day", "week_start"]


def step_clinic_day(day: date, step: int) -> date:
    """The next (step=1) or previous (step=-1) day the clinic is open; the adjacent day if it never opens."""
    candidate = day
    for _ in range(7):
        candidate += timedelta(days=step)
        if clinic_time.hours_on(candidate) is not None:
            return candidate
    return day + timedelta(days=step)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
