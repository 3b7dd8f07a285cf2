"""Calendar feeds: the staff page that makes and revokes them (/calendar/), and the feed itself
(/calendar/<token>.ics), which needs no sign-in: the token is the key.

The feed answers conditional requests: its ETag is the SHA-256 of its bytes (which hold no moment of their own, so
the same appointments give the same tag), its Last-Modified is `selectors.last_modified`; a calendar that sends
either back gets 304 Not Modified while nothing changed. A revoked feed answers 410 Gone, so calendars stop asking;
a token nobody made, 404.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_http_methods, require_POST

from ..access import can_have_feeds, can_manage_all_feeds, is_radiologist, staff_required
from ..models import CalendarFeed
from . import ics, selectors, services
from .forms import NewFeedForm


def feed_url(token: str) -> str:
    """The address a calendar program subscribes to, on the site's public address (SITE_URL)."""
    return f"{settings.SITE_URL}{reverse('procedures:calendar-feed', args=[token])}"


def _page(request: HttpRequest, *, form: NewFeedForm | None = None, created=None, status: int = 200) -> HttpResponse:
    everyone = can_manage_all_feeds(request.user)
    return render(
        request,
        "procedures/calendar_feeds/feeds.html",
        {
            "feeds": selectors.manageable(request.user),
            "form": form or (NewFeedForm() if everyone else None),
            "can_make_own": is_radiologist(request.user),
            "created": created,
            "past_days": selectors.PAST_DAYS,
            "horizon_days": settings.BOOKING_HORIZON_DAYS,
            "names_shown": settings.CALENDAR_FEED_NAMES,
        },
        status=status,
    )


def _may_see_page(request: HttpRequest) -> None:
    if not can_have_feeds(request.user):
        raise PermissionDenied


@require_http_methods(["GET"])
@staff_required()
def feeds(request: HttpRequest) -> HttpResponse:
    """The feeds the signed-in radiologist (her own) or administrator (everyone's) may revoke, and making one."""
    _may_see_page(request)
    return _page(request)


@require_POST
@staff_required()
def new_feed(request: HttpRequest) -> HttpResponse:
    """Make a feed: `mine` for a radiologist's own, else the administrator's choice. The answer is the page itself,
    with the address shown this once (it is kept nowhere: not in a message, not in the session)."""
    _may_see_page(request)
    form = None
    if request.POST.get("mine"):
        choice = {"kind": CalendarFeed.Kind.RADIOLOGIST, "user": request.user}
    else:
        form = NewFeedForm(request.POST)
        if not can_manage_all_feeds(request.user):
            raise PermissionDenied
        if not form.is_valid():
            return _page(request, form=form, status=400)
        choice = form.cleaned_subject()
    try:
        feed, token = services.create_feed(by=request.user, **choice)
    except services.FeedError as exc:
        messages.error(request, str(exc))
        return redirect("procedures:calendar-feeds")
    return _page(request, created={"feed": feed, "url": feed_url(token)})


@require_http_methods(["GET", "POST"])
@staff_required()
def revoke_feed(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks "revoke this feed?"; POST revokes it."""
    _may_see_page(request)
    feed = get_object_or_404(CalendarFeed.objects.select_related("user", "room"), pk=pk, revoked_at__isnull=True)
    if not services.may_manage(request.user, kind=feed.kind, user=feed.user):
        raise PermissionDenied
    if request.method == "POST":
        services.revoke_feed(feed, by=request.user)
        messages.success(request, f"Revoked the calendar feed for {feed.subject_name}: calendars using it get no more.")
        return redirect("procedures:calendar-feeds")
    return render(request, "procedures/calendar_feeds/revoke.html", {"feed": feed})


@require_http_methods(["GET", "HEAD"])
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed as text/calendar, or 304 when the calendar's copy is current; 410 once revoked, 404 if unknown."""
    feed = selectors.feed_for_token(token)
    if feed is None:
        raise Http404("No such calendar feed.")
    if feed.is_revoked:
        return HttpResponse(
            "This calendar feed was revoked. Ask for a new one on the Calendar feeds page.",
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    now = timezone.now()
    names = settings.CALENDAR_FEED_NAMES
    body = ics.feed_calendar(feed, selectors.events(feed, now, names=names), names=names)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["ETag"] = quote_etag(hashlib.sha256(body).hexdigest())
    changed = selectors.last_modified(now)
    response["Last-Modified"] = http_date(changed.timestamp())
    response["Content-Disposition"] = 'inline; filename="ductograms.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    # Kept only by the calendar program, which must ask again each time (with its ETag).
    patch_cache_control(response, private=True, no_cache=True)
    services.record_use(feed, now=now)
    return get_conditional_response(
        request, etag=response["ETag"], last_modified=int(changed.timestamp()), response=response
    )
