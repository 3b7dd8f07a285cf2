"""The schedules' markup for what they repeat hundreds of times (bookings, free cells, time labels), built in Python:
a template include per block costs more than the whole query. Grid positions are data attributes that
static/js/grid.js reads (no inline styles, for the CSP).

A booking's markup is memoised in this process, keyed by everything it is made of: the booking's `values` (every
column shown, from the one query), its place in the grid, its patient flags as `flags_of` sees them now, and the
page's zone and addresses. A booked, moved, cancelled or checked-in appointment, a renamed patient or a new safety
answer is therefore a new key, never a stale block; nothing needs invalidating, and what is looked up costs no query.
"""

from __future__ import annotations

import html
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from .. import clinic_time
from ..access import staff_name
from ..models import Appointment
from ..patient_page.flags import Flag, flags_of
from ..templatetags.staff_badges import badges_html
from .bookings import Booking

# Bookings memoised per process: a busy day is about 200, a busy week 1,000. An entry (the row and its markup) is
# about 3 kB, so a full memo is about 12 MB (measured over 100,000 bench bookings).
MEMO_SIZE = 4096
STATUS_BADGE_TEMPLATE = "procedures/_status_badge.html"


class PageContext(NamedTuple):
    """What a booking's markup depends on besides the booking: the zone its times are shown in, the language of
    its words ("Booked", "Left"), and the links."""

    tz: ZoneInfo
    language: str | None
    appointment_url: str


def page_context() -> PageContext:
    return PageContext(
        clinic_time.zone(),
        translation.get_language(),
        reverse("procedures:appointment", args=[0]).removesuffix("0/"),
    )


@lru_cache(maxsize=64)
def _badges_for_status(status: str, language: str | None) -> SafeString:
    """The status badge (and "Not confirmed"), the same for every booking in a status: the one template every page
    includes (procedures/_status_badge.html), rendered once per status (and language: the labels are translated)."""
    shown = {"status": status, "get_status_display": Appointment.Status(status).label}
    badge = render_to_string(STATUS_BADGE_TEMPLATE, {"appointment": shown}).strip()
    return mark_safe(badge)  # noqa: S308 - the template's own (escaped) output, stripped of its final newline


@lru_cache(maxsize=256)
def _flag_badges(flags: tuple[Flag, ...]) -> SafeString:
    return badges_html(list(flags), compact=True)


def _no_reminders(b: Booking, patient, title: str) -> str:
    if b.has_upcoming_status and not patient.can_receive_reminders:
        return f' <span class="badge text-bg-warning"{title}>No reminders</span>'
    return ""


def _flags_now(b: Booking, now: datetime) -> tuple[Flag, ...]:
    return tuple(flags_of(b, now))


def _booking(values: tuple, page: PageContext) -> Booking:
    """The booking back from its values, with its times as the page shows them ("09:00")."""
    booking = Booking(values)
    booking.start_label = clinic_time.time_of_day(booking.scheduled_start)
    booking.end_label = clinic_time.time_of_day(booking.expected_end)
    return booking


@lru_cache(maxsize=MEMO_SIZE)
def _block(values: tuple, column: int, row: int, span: int, flags: tuple[Flag, ...], page: PageContext) -> str:
    a, e = _booking(values, page), html.escape
    patient, radiologist, by = a.patient, a.radiologist, ""
    if radiologist is not None:
        by = " · " + e(staff_name(radiologist))
    name, start, end = e(patient.full_name), e(a.start_label), e(a.end_label)
    no_reminders = _no_reminders(a, patient, ' title="No reminders can reach this patient"')
    return (
        f'<div class="booking status-{e(a.status)}" data-grid-col="{column}" data-grid-row="{row + 1}" '
        f'data-grid-span="{span}"\n   title="{name}, {start}-{end} ({a.expected_duration} min)">\n'
        f'  <span class="booking-line"><a class="booking-link" href="{e(page.appointment_url)}{a.pk}/">'
        f'<span class="booking-time">{start}–{end}</span> <strong>{name}</strong></a></span>\n'
        f'  <span class="booking-line small">MRN {e(patient.mrn)} · {e(a.get_laterality_display())}{by}'
        "</span>\n"
        f'  <span class="booking-line">{_badges_for_status(a.status, page.language)}{no_reminders}</span>\n'
        f'  <span class="booking-line small">{_flag_badges(flags)}</span>\n'
        "</div>\n"
    )


def blocks_html(blocks: list, now: datetime) -> SafeString:
    """The day grid's booking blocks (`day.Block`s)."""
    page = page_context()
    parts = [
        _block(b.appointment.values, b.column, b.row, b.span, _flags_now(b.appointment, now), page) for b in blocks
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every value in a block is escaped or already safe markup


def free_cells_html(cells: list) -> SafeString:
    """The day grid's free cells (`day.FreeCell`s), each a link to the booking form for that room and time."""
    book_url = html.escape(reverse("procedures:book"))
    rooms: dict[int, tuple[str, str]] = {}
    parts = []
    for c in cells:
        if c.room.pk not in rooms:
            rooms[c.room.pk] = (str(c.room.pk), html.escape(c.room.name))
        room_id, room_name = rooms[c.room.pk]
        parts.append(
            f'<a class="free-slot" href="{book_url}?room={room_id}&amp;start={c.param}" data-grid-col="{c.column}" '
            f'data-grid-row="{c.row + 1}" data-grid-span="{c.span}" aria-label="Book {room_name} at {c.label}">'
            f"<span>+ {c.label}</span></a>"
        )
    return mark_safe("\n".join(parts))  # noqa: S308 - the room's name is escaped; the rest are numbers and times


def labels_html(labels: list) -> SafeString:
    """The times down the grid's side (`day.TimeLabel`s); those on the hour stand out."""
    return mark_safe(  # noqa: S308 - times ("09:15") and numbers only
        "\n".join(
            f'<div class="time-label{" on-the-hour" if t.label[3:] == "00" else ""}" data-grid-row="{t.row + 1}" '
            f'data-grid-span="{t.span}">{t.label}</div>'
            for t in labels
        )
    )


@lru_cache(maxsize=MEMO_SIZE)
def _week_booking(values: tuple, flags: tuple[Flag, ...], page: PageContext) -> str:
    a, e = _booking(values, page), html.escape
    patient = a.patient
    return (
        f'<div class="week-booking status-{e(a.status)}">\n'
        f'  <span class="d-block"><a class="booking-link" href="{e(page.appointment_url)}{a.pk}/"><strong>'
        f'{e(a.start_label)}</strong>–{e(a.end_label)} · {e(a.room_name)}<span class="d-block">'
        f"{e(patient.full_name)}</span></a></span>\n"
        f'  <span class="d-block text-body-secondary small">{e(patient.mrn)}</span>\n'
        f'  <span class="d-block">{_badges_for_status(a.status, page.language)}{_no_reminders(a, patient, "")}</span>\n'
        f'  <span class="d-block small">{_flag_badges(flags)}</span>\n'
        "</div>"
    )


def week_bookings_html(bookings: list[Booking], now: datetime) -> SafeString:
    """One day's bookings in the week view."""
    page = page_context()
    parts = [_week_booking(b.values, _flags_now(b, now), page) for b in bookings]
    return mark_safe("\n".join(parts))  # noqa: S308 - every value is escaped or already safe markup


def memo_counts() -> tuple[int, int]:
    """Bookings' markup found in the memo and built, since the process started (or `forget`)."""
    day, week = _block.cache_info(), _week_booking.cache_info()
    return day.hits + week.hits, day.misses + week.misses


def forget() -> None:
    """Empty this process's memo (the benchmark's cold figures; tests that want a cold start)."""
    _block.cache_clear()
    _week_booking.cache_clear()
