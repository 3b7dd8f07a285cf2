"""Reads for calendar feeds: the feeds a member of staff may manage, the feed a token opens, the appointments it
lists, and when they last changed (for Last-Modified)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, QuerySet

from .. import clinic_time
from ..access import can_manage_all_feeds
from ..models import Appointment, CalendarFeed
from .services import hash_token

# A feed lists the ductograms from this many days back (clinic days), and to BOOKING_HORIZON_DAYS ahead.
PAST_DAYS = 30


def manageable(user) -> QuerySet[CalendarFeed]:
    """The feeds still working that `user` may revoke: everyone's for an administrator, else her own."""
    feeds = CalendarFeed.objects.active().select_related("user", "room", "created_by")
    if can_manage_all_feeds(user):
        return feeds.order_by("kind", "room__name", "user__last_name", "user__first_name", "-created_at", "-pk")
    return feeds.filter(kind=CalendarFeed.Kind.RADIOLOGIST, user=user)


def feed_for_token(token: str) -> CalendarFeed | None:
    """The feed whose token this is, revoked or not (the view says which), or None."""
    return CalendarFeed.objects.select_related("user", "room").filter(token_hash=hash_token(token)).first()


def window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """From the start of the clinic day PAST_DAYS ago to the end of the last bookable day. Whole days, so what the
    feed lists changes only at midnight (or when an appointment does)."""
    today = clinic_time.today(now)
    start = clinic_time.day_start(today - timedelta(days=PAST_DAYS))
    end = clinic_time.day_start(today + timedelta(days=settings.BOOKING_HORIZON_DAYS + 1))
    return start, end


def events(feed: CalendarFeed, now: datetime | None = None, *, names: bool = False) -> list[Appointment]:
    """The feed's live appointments (booked, confirmed, checked in, done) in the window, in start order; cancelled
    and did-not-attend ones are left out. One query; the patient is read only when the events name her."""
    start, end = window(now)
    chosen = Appointment.objects.live().filter(scheduled_start__gte=start, scheduled_start__lt=end)
    if feed.kind == CalendarFeed.Kind.ROOM:
        chosen = chosen.filter(room_id=feed.room_id)
    else:
        chosen = chosen.filter(radiologist_id=feed.user_id)
    related = ["room", "radiologist", "procedure_type"] + (["patient"] if names else [])
    return list(chosen.select_related(*related).order_by("scheduled_start", "pk"))


def last_modified(now: datetime | None = None) -> datetime:
    """No earlier than any change to any feed's contents: the latest status change (a booking, a move, a
    cancellation) of any appointment in the window, whatever feed it was or is in, and the start of today (when the
    window last moved). Coarse on purpose: a Last-Modified later than the truth costs a download, an earlier one a
    missed change. The ETag, from the feed's own bytes, is exact."""
    start, end = window(now)
    changed = Appointment.objects.filter(scheduled_start__gte=start, scheduled_start__lt=end).aggregate(
        latest=Max("status_changed_at")
    )["latest"]
    today = clinic_time.day_start(clinic_time.today(now))
    return max(filter(None, (changed, today)))
