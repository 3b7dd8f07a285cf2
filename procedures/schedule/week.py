"""A week of clinic days, Monday to Sunday, each with its bookings in start order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from django.utils import timezone
from django.utils.safestring import SafeString

from .. import clinic_time
from .bookings import Booking, bookings_between
from .clinic_calendar import week_start
from .markup import week_bookings_html


@dataclass
class WeekDay:
    day: date
    opening: tuple[datetime, datetime] | None
    appointments: list[Booking]
    now: datetime = field(default_factory=timezone.now)  # the patient flags are as of this moment

    @cached_property
    def live(self) -> list[Booking]:
        return [a for a in self.appointments if a.is_live]

    @property
    def cancelled_count(self) -> int:
        return sum(1 for a in self.appointments if not a.is_live)

    @property
    def bookings_html(self) -> SafeString:
        return week_bookings_html(self.live, self.now)


def week_schedule(day: date, *, now: datetime | None = None) -> list[WeekDay]:
    """Monday to Sunday around `day` in one query; weekend days appear only if the clinic opens or has bookings."""
    now = now or timezone.now()
    monday = week_start(day)
    start, _ = clinic_time.day_bounds(monday)
    _, end = clinic_time.day_bounds(monday + timedelta(days=6))
    by_day: dict[date, list[Booking]] = {}
    for a in bookings_between(start, end):
        by_day.setdefault(clinic_time.day_of(a.scheduled_start), []).append(a)
    days = []
    for offset in range(7):
        current = monday + timedelta(days=offset)
        opening = clinic_time.hours_on(current)
        if opening is None and current.weekday() >= 5 and not by_day.get(current):
            continue
        days.append(WeekDay(day=current, opening=opening, appointments=by_day.get(current, []), now=now))
    return days
