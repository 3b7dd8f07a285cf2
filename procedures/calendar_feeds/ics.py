"""A calendar feed as iCalendar (RFC 5545, made with the `icalendar` library): one event per appointment.

- UID `appointment-<pk>@<host>`, the one the patient's own invitation carries (reminders.channels.email), so an
  event keeps its identity through moves; DTSTART and DTEND in UTC; DTSTAMP and LAST-MODIFIED the appointment's last
  status change, so the same appointments give the same bytes (and the same ETag) however often they are read.
- SUMMARY: the procedure and, for a radiologist's feed, the room, for a room's feed, the radiologist. No patient's
  name unless CALENDAR_FEED_NAMES is on: then "Ductogram: Osei, Ama (RX200001)". Calendars are synced to phones and
  shared with secretaries; a name there is a disclosure.
- DESCRIPTION: the status, the side, and a link to the appointment's staff page (sign-in needed).
"""

from __future__ import annotations

from datetime import UTC, timedelta
from urllib.parse import urlparse

import icalendar
from django.conf import settings
from django.urls import reverse

from ..access import staff_name
from ..models import Appointment, CalendarFeed

PRODID = "-//Ductogram preparation tracker//Staff calendar feed//EN"
# How often a calendar program should read the feed again (RFC 7986 REFRESH-INTERVAL; X-PUBLISHED-TTL for Outlook).
REFRESH = timedelta(minutes=15)


def host() -> str:
    return urlparse(settings.SITE_URL).hostname or "localhost"


def calendar_name(feed: CalendarFeed) -> str:
    return f"Ductograms: {feed.subject_name}"


def summary(feed: CalendarFeed, appointment: Appointment, *, names: bool) -> str:
    procedure = appointment.procedure_type.name
    if names:
        patient = appointment.patient
        return f"{procedure}: {patient.family_name}, {patient.given_name} ({patient.mrn})"
    if feed.kind == CalendarFeed.Kind.ROOM:
        return f"{procedure}, {staff_name(appointment.radiologist) or 'no radiologist yet'}"
    return f"{procedure}, {appointment.room.name}"


def description(appointment: Appointment) -> str:
    page = f"{settings.SITE_URL}{reverse('procedures:appointment', args=[appointment.pk])}"
    side = f"{appointment.get_laterality_display()} side" if appointment.laterality else ""
    return ". ".join(filter(None, (appointment.get_status_display(), side, f"Details (sign-in needed): {page}")))


def event(feed: CalendarFeed, appointment: Appointment, *, names: bool) -> icalendar.Event:
    changed = appointment.status_changed_at.astimezone(UTC)
    start = appointment.scheduled_start.astimezone(UTC)
    item = icalendar.Event()
    item.add("uid", f"appointment-{appointment.pk}@{host()}")
    item.add("dtstamp", changed)
    item.add("last-modified", changed)
    item.add("dtstart", start)
    item.add("dtend", start + timedelta(minutes=appointment.expected_duration))
    item.add("summary", summary(feed, appointment, names=names))
    where = appointment.room.name + (f", {appointment.room.location}" if appointment.room.location else "")
    item.add("location", where)
    item.add("description", description(appointment))
    item.add("status", "CONFIRMED")
    item.add("transp", "OPAQUE")
    return item


def feed_calendar(feed: CalendarFeed, appointments: list[Appointment], *, names: bool) -> bytes:
    """The whole feed as bytes (CRLF lines, folded at 75 octets, as RFC 5545 asks)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", calendar_name(feed))
    cal.add("x-wr-calname", calendar_name(feed))
    # Neither property is one icalendar knows the type of: said as durations ("PT15M"), not as Python writes them.
    cal.add("refresh-interval", icalendar.vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for appointment in appointments:
        cal.add_component(event(feed, appointment, names=names))
    return cal.to_ical()
