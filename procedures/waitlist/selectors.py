"""Reads for the waiting-list page: the appointments waiting for an earlier time, and the freed times of the last
fortnight with every offer made of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from ..models import Appointment, FreedSlot, SlotOffer

# How far back the page shows freed times that have closed.
SHOWN_DAYS = 14


def waiting(now: datetime | None = None) -> QuerySet[Appointment]:
    """Upcoming appointments whose patient could come earlier, those booked earliest first (the order offers go in),
    each with the offer it has out, if any."""
    now = now or timezone.now()
    out = SlotOffer.objects.filter(status=SlotOffer.Status.OFFERED, expires_at__gt=now).select_related("freed_slot")
    return (
        Appointment.objects.upcoming(now)
        .filter(short_notice_ok=True)
        .select_related("patient", "room")
        .prefetch_related(Prefetch("slot_offers", queryset=out, to_attr="offers_out"))
        .order_by("created_at", "pk")
    )


def freed_times(now: datetime | None = None) -> QuerySet[FreedSlot]:
    """Times still being offered, and those freed in the last SHOWN_DAYS, the newest first, with their offers."""
    now = now or timezone.now()
    offers = SlotOffer.objects.select_related("appointment__patient").order_by("offered_at", "pk")
    return (
        FreedSlot.objects.filter(Q(status=FreedSlot.Status.OPEN) | Q(created_at__gte=now - timedelta(days=SHOWN_DAYS)))
        .select_related("room", "freed_by__patient", "filled_by__patient")
        .prefetch_related(Prefetch("offers", queryset=offers))
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class Tally:
    """The fortnight in numbers: times freed, filled from the list, offers out now, accepted and expired."""

    freed: int
    filled: int
    offers_out: int
    accepted: int
    expired: int


def tally(now: datetime | None = None) -> Tally:
    now = now or timezone.now()
    since = now - timedelta(days=SHOWN_DAYS)
    slots = FreedSlot.objects.filter(created_at__gte=since).aggregate(
        freed=Count("pk"), filled=Count("pk", filter=Q(status=FreedSlot.Status.FILLED))
    )
    Status = SlotOffer.Status
    offers = SlotOffer.objects.filter(offered_at__gte=since).aggregate(
        out=Count("pk", filter=Q(status=Status.OFFERED, expires_at__gt=now)),
        accepted=Count("pk", filter=Q(status=Status.ACCEPTED)),
        expired=Count("pk", filter=Q(status=Status.EXPIRED) | Q(status=Status.OFFERED, expires_at__lte=now)),
    )
    return Tally(slots["freed"], slots["filled"], offers["out"], offers["accepted"], offers["expired"])
