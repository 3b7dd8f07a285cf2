"""Reads for the end of the day: a day's appointments whose time has passed with nobody recording whether the
patient came (`worklist.selectors.arrival_not_recorded`), those checked in still waiting for their result, and the
earlier days still holding open ones. Each list costs one query, however long."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from .. import clinic_time
from ..models import Appointment
from ..worklist.selectors import arrival_not_recorded, results_pending

ROW_RELATED = ("patient", "room", "radiologist", "procedure_type")
EARLIER_DAYS_SHOWN = 60


def closes_at(day: date) -> datetime | None:
    """When the clinic closes on `day` (CLINIC_OPENING_HOURS), or None on a day it does not open."""
    hours = clinic_time.hours_on(day)
    return hours[1] if hours else None


def _on(day: date) -> QuerySet[Appointment]:
    start, end = clinic_time.day_bounds(day)
    return Appointment.objects.filter(scheduled_start__gte=start, scheduled_start__lt=end)


def still_open(day: date, now: datetime | None = None) -> list[Appointment]:
    """The day's appointments whose start has passed, still booked or confirmed: each to close as attended or not."""
    rows = arrival_not_recorded(_on(day), now=now or timezone.now()).select_related(*ROW_RELATED)
    return list(rows.order_by("scheduled_start", "room__name", "pk"))


def awaiting_result(day: date, now: datetime | None = None) -> list[Appointment]:
    """The day's attended appointments still without a result (the worklist's "results pending", for this day)."""
    rows = results_pending(_on(day), now=now or timezone.now()).select_related(*ROW_RELATED)
    return list(rows.order_by("scheduled_start", "room__name", "pk"))


def earlier_days(before: date, now: datetime | None = None) -> list[dict]:
    """The days before `before` with appointments still open (start passed, arrival not recorded), newest first,
    each with how many: `{"day": date, "open": n}`. Old bookings that never closed show here until they do."""
    start = clinic_time.day_start(before)
    open_before = arrival_not_recorded(now=now or timezone.now()).filter(scheduled_start__lt=start)
    days = (
        open_before.annotate(day=TruncDate("scheduled_start", tzinfo=clinic_time.zone()))
        .values("day")
        .annotate(open=Count("id"))
        .order_by("-day")
    )
    return list(days[:EARLIER_DAYS_SHOWN])


def open_count(now: datetime | None = None) -> int:
    """How many appointments, on any day, wait to be closed (for the links that lead here)."""
    return arrival_not_recorded(now=now or timezone.now()).count()
