"""The schedule as staff see it: a clinic day laid out as rooms by time, and a week of days.

Everything here reads; nothing changes state. Times are stored in UTC and shown in the clinic's zone, so a day is
local midnight to local midnight (23 or 25 hours when the clocks change) and grid positions are measured in real
elapsed minutes, computed in UTC: subtracting two datetimes that share a zone would ignore a change of offset.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from . import hours
from .models import Appointment, Room
from .patient_page.selectors import with_flag_badges, with_patient_flags
from .slots import free_starts, slot_step

ROW_MINUTES = 5  # the grid's resolution: a booking's block is as long as its duration, to the nearest 5 minutes
# The free cells staff click to book, and the time labels down the side, are one slot step (SLOT_STEP_MINUTES) long.


def clinic_datetime(day: date, at: time) -> datetime:
    """An aware instant for a wall-clock time in the clinic, refusing times the clocks skip or repeat."""
    tz = timezone.get_default_timezone()
    first = datetime.combine(day, at, tzinfo=tz)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != first.replace(tzinfo=None):
        raise ValueError(f"{at:%H:%M} does not exist on {day:%a %d %b} (the clocks go forward); choose another time.")
    if first.utcoffset() != first.replace(fold=1).utcoffset():
        raise ValueError(f"{at:%H:%M} happens twice on {day:%a %d %b} (the clocks go back); choose another time.")
    return first


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight, as aware instants (normalised, for zones that change at 00:00)."""
    tz = timezone.get_default_timezone()
    start, end = (datetime.combine(d, time.min, tzinfo=tz) for d in (day, day + timedelta(days=1)))
    return start.astimezone(UTC).astimezone(tz), end.astimezone(UTC).astimezone(tz)


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


# What the week view draws of each booking, and nothing more: a busy week is a thousand rows, and every column
# loaded is decoded (phone numbers are parsed) and set on a thousand objects.
WEEK_FIELDS = (
    "status",
    "scheduled_start",
    "expected_duration",
    "patient__given_name",
    "patient__family_name",
    "patient__mrn",
    "patient__email",
    "patient__mobile",
    "patient__preferred_channel",
    "patient__reminders_opt_out_at",
    "room__name",
)

# The day grid adds the side, the radiologist, whether a room is in use, and why a booking was cancelled.
DAY_FIELDS = (
    *WEEK_FIELDS,
    "laterality",
    "cancellation_reason",
    "room__is_active",
    "radiologist__first_name",
    "radiologist__last_name",
    "radiologist__username",
)


def appointments_between(start: datetime, end: datetime, *, fields: tuple[str, ...] = ()) -> list[Appointment]:
    """Appointments starting in [start, end), with everything a schedule shows, in one query: each comes with the
    badges for what its patient told us (`flags_html`), rendered once. `fields` (WEEK_FIELDS, DAY_FIELDS) loads
    only what a page shows; the week names no radiologist."""
    appointments = Appointment.objects.filter(scheduled_start__gte=start, scheduled_start__lt=end)
    related = ["patient", "room"]
    if not fields or any(f.startswith("radiologist__") for f in fields):
        related.append("radiologist")
    appointments = appointments.select_related(*related)
    if fields:
        appointments = appointments.only(*fields)
    return with_flag_badges(with_patient_flags(appointments.order_by("scheduled_start", "room__name")))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _minutes_between(earlier: datetime, later: datetime) -> float:
    return (_utc(later) - _utc(earlier)).total_seconds() / 60


@dataclass
class Block:
    appointment: Appointment
    column: int
    row: int
    span: int


@dataclass
class FreeCell:
    room: Room
    start: datetime
    column: int
    row: int
    span: int
    label: str = ""  # "14:15", clinic time
    param: str = ""  # "2030-06-06T14:15", clinic time, for the booking form's link


@dataclass
class TimeLabel:
    moment: datetime
    row: int
    span: int
    label: str = ""


@dataclass
class DaySchedule:
    day: date
    rooms: list[Room]
    opening: tuple[datetime, datetime] | None
    live: list[Appointment]
    off_grid: list[Appointment]  # cancelled or did not attend: listed, not drawn, as they no longer hold the room
    grid_start: datetime | None = None
    row_count: int = 0
    blocks: list[Block] = field(default_factory=list)
    free_cells: list[FreeCell] = field(default_factory=list)
    labels: list[TimeLabel] = field(default_factory=list)

    @property
    def clinic_opens(self) -> bool:
        return self.opening is not None

    @property
    def is_empty(self) -> bool:
        return not self.live and not self.off_grid

    @property
    def blocks_html(self) -> SafeString:
        return blocks_html(self.blocks)

    @property
    def free_cells_html(self) -> SafeString:
        return free_cells_html(self.free_cells)

    @property
    def labels_html(self) -> SafeString:
        return labels_html(self.labels)


def label_times(appointments: list[Appointment]) -> list[Appointment]:
    """Give each appointment its clinic-time `start_label` and `end_label` ("09:00"), converted once.

    A busy week holds hundreds of bookings; formatting their times in Python, not with template filters, keeps
    the page quick.
    """
    tz = timezone.get_current_timezone()
    for a in appointments:
        a.start_label = f"{a.scheduled_start.astimezone(tz):%H:%M}"
        a.end_label = f"{a.expected_end.astimezone(tz):%H:%M}"
    return appointments


def _grid_span(opening, live: list[Appointment]) -> tuple[datetime, datetime] | None:
    """Clinic hours, widened to show any booking outside them (one made before the hours changed, say)."""
    starts = [a.scheduled_start for a in live]
    ends = [a.expected_end for a in live]
    if opening is not None:
        starts.append(opening[0])
        ends.append(opening[1])
    if not starts:
        return None
    first, last = _utc(min(starts)), _utc(max(ends))
    # Round outwards to whole label slots, counted from the clinic's local hour.
    local_first = timezone.localtime(first)
    slot_minutes = slot_step() // timedelta(minutes=1)
    first -= timedelta(minutes=local_first.minute % slot_minutes, seconds=local_first.second)
    rows = math.ceil(_minutes_between(first, last) / slot_minutes) * slot_minutes
    return first, first + timedelta(minutes=rows)


def build_day(day: date, *, rooms: list[Room], appointments: list[Appointment], now: datetime | None = None):
    """Lay a day out: a column per room, a row per ROW_MINUTES, a block per live booking, a cell per free slot."""
    now = now or timezone.now()
    opening = hours.hours_on(day)
    live = [a for a in label_times(appointments) if a.is_live]
    off_grid = [a for a in appointments if not a.is_live]
    # Active rooms, and any other room that has a booking this day.
    shown = {r.pk: r for r in rooms}
    for a in live:
        shown.setdefault(a.room_id, a.room)
    ordered_rooms = sorted(shown.values(), key=lambda r: r.name)
    schedule = DaySchedule(day=day, rooms=ordered_rooms, opening=opening, live=live, off_grid=off_grid)
    span = _grid_span(opening, live)
    if span is None or not ordered_rooms:
        return schedule
    grid_start, grid_end = span
    schedule.grid_start = grid_start
    schedule.row_count = round(_minutes_between(grid_start, grid_end) / ROW_MINUTES)
    column_of = {room.pk: index + 2 for index, room in enumerate(ordered_rooms)}  # column 1 holds the times

    def row_of(moment: datetime) -> int:
        return int(_minutes_between(grid_start, moment) // ROW_MINUTES) + 1

    step = slot_step()
    per_slot = max(1, step // timedelta(minutes=ROW_MINUTES))
    moment = grid_start
    while moment < grid_end:
        label = f"{timezone.localtime(moment):%H:%M}"
        schedule.labels.append(TimeLabel(moment=moment, row=row_of(moment), span=per_slot, label=label))
        moment += step

    busy: dict[int, list[tuple[datetime, datetime]]] = {}
    for a in live:
        first = row_of(a.scheduled_start)
        span_rows = max(1, math.ceil(a.expected_duration / ROW_MINUTES))
        span_rows = min(span_rows, schedule.row_count - first + 1)
        schedule.blocks.append(Block(appointment=a, column=column_of[a.room_id], row=first, span=span_rows))
        busy.setdefault(a.room_id, []).append((a.scheduled_start, a.expected_end))

    if opening is not None:
        for room in ordered_rooms:
            if not room.is_active:
                continue
            starts = free_starts(opens=opening[0], closes=opening[1], length=step, busy=busy.get(room.pk, []), now=now)
            for local in starts:
                schedule.free_cells.append(
                    FreeCell(
                        room=room,
                        start=local,
                        column=column_of[room.pk],
                        row=row_of(local),
                        span=per_slot,
                        label=f"{local:%H:%M}",
                        param=f"{local:%Y-%m-%dT%H:%M}",
                    )
                )
    return schedule


def day_schedule(day: date, *, now: datetime | None = None) -> DaySchedule:
    """The day's schedule in two queries, however many bookings it holds."""
    start, end = day_bounds(day)
    appointments = appointments_between(start, end, fields=DAY_FIELDS)
    rooms = list(Room.objects.filter(is_active=True))
    return build_day(day, rooms=rooms, appointments=appointments, now=now)


@dataclass
class WeekDay:
    day: date
    opening: tuple[datetime, datetime] | None
    appointments: list[Appointment]

    @cached_property
    def live(self) -> list[Appointment]:
        return [a for a in self.appointments if a.is_live]

    @property
    def cancelled_count(self) -> int:
        return sum(1 for a in self.appointments if not a.is_live)

    @property
    def bookings_html(self) -> SafeString:
        return week_bookings_html(self.live)


def week_schedule(day: date) -> list[WeekDay]:
    """Monday to Sunday around `day` in one query; weekend days appear only if the clinic opens or has bookings."""
    monday = week_start(day)
    start, _ = day_bounds(monday)
    _, end = day_bounds(monday + timedelta(days=6))
    by_day: dict[date, list[Appointment]] = {}
    for a in label_times(appointments_between(start, end, fields=WEEK_FIELDS)):
        by_day.setdefault(timezone.localtime(a.scheduled_start).date(), []).append(a)
    days = []
    for offset in range(7):
        current = monday + timedelta(days=offset)
        opening = hours.hours_on(current)
        if opening is None and current.weekday() >= 5 and not by_day.get(current):
            continue
        days.append(WeekDay(day=current, opening=opening, appointments=by_day.get(current, [])))
    return days


# The pages' markup for what they repeat hundreds of times (bookings, free cells, time labels), built here in Python
# once per page: a template include per block costs more than the whole query. The same markup the templates had;
# grid positions are data attributes that static/js/grid.js reads (no inline styles, for the CSP).


def _url_prefix(name: str) -> str:
    return reverse(name, args=[0]).removesuffix("0/")


_CONFIRMED = mark_safe(
    '<span class="badge status-badge status-confirmed" title="The patient has confirmed">Confirmed&nbsp;✓</span>'
)
_NOT_CONFIRMED = mark_safe(
    ' <span class="badge text-bg-light border confirmation-badge" title="The patient has not confirmed yet">'
    "Not confirmed</span>"
)


@lru_cache(maxsize=16)
def _badges_for_status(status: str) -> SafeString:
    if status == Appointment.Status.CONFIRMED:
        return _CONFIRMED
    badges = format_html(
        '<span class="badge status-badge status-{}">{}</span>', status, Appointment.Status(status).label
    )
    return badges + _NOT_CONFIRMED if status == Appointment.Status.BOOKED else badges


def _status_badges(a: Appointment) -> SafeString:
    """The status badge (and "Not confirmed"), the same for every booking in a status: built once per status."""
    return _badges_for_status(a.status)


def _no_reminders(a: Appointment, title: str) -> SafeString:
    if a.has_upcoming_status and not a.patient.can_receive_reminders:
        return format_html(' <span class="badge text-bg-warning"{}>No reminders</span>', title)
    return mark_safe("")


_NO_REMINDERS_TITLE = mark_safe(' title="No reminders can reach this patient"')


def _block_html(block: Block, appointment_url: str, patient_url: str) -> str:
    a, e = block.appointment, html.escape
    radiologist = ""
    if a.radiologist_id is not None:
        radiologist = " · " + e(a.radiologist.get_full_name() or a.radiologist.get_username())
    name, start, end = e(a.patient.full_name), e(a.start_label), e(a.end_label)
    return (
        f'<div class="booking status-{e(a.status)}" data-grid-col="{block.column}" data-grid-row="{block.row + 1}" '
        f'data-grid-span="{block.span}"\n   title="{name}, {start}-{end} ({a.expected_duration} min)">\n'
        f'  <span class="booking-line"><a class="booking-link booking-time" href="{e(appointment_url)}{a.pk}/">'
        f'{start}–{end}</a> <a class="booking-patient" href="{e(patient_url)}{a.patient_id}/"><strong>{name}</strong>'
        "</a></span>\n"
        f'  <span class="booking-line small">MRN {e(a.patient.mrn)} · {e(a.get_laterality_display())}{radiologist}'
        "</span>\n"
        f'  <span class="booking-line">{_status_badges(a)}{_no_reminders(a, _NO_REMINDERS_TITLE)}</span>\n'
        f'  <span class="booking-line small">{a.flags_html}</span>\n'
        "</div>\n"
    )


def blocks_html(blocks: list[Block]) -> SafeString:
    """The day grid's booking blocks."""
    appointment_url, patient_url = _url_prefix("procedures:appointment"), _url_prefix("procedures:patient")
    # Every value in a block is escaped or already safe markup.
    # Every value in a block is escaped or already safe markup.
    return mark_safe("".join(_block_html(block, appointment_url, patient_url) for block in blocks))  # noqa: S308  # noqa: S308


def free_cells_html(cells: list[FreeCell]) -> SafeString:
    """The day grid's free cells, each a link to the booking form for that room and time."""
    book_url = reverse("procedures:book")
    return format_html_join(
        "\n",
        '<a class="free-slot" href="{}?room={}&amp;start={}" data-grid-col="{}" data-grid-row="{}" '
        'data-grid-span="{}" aria-label="Book {} at {}"><span>+ {}</span></a>',
        ((book_url, c.room.pk, c.param, c.column, c.row + 1, c.span, c.room.name, c.label, c.label) for c in cells),
    )


def labels_html(labels: list[TimeLabel]) -> SafeString:
    """The times down the grid's side; those on the hour stand out."""
    return format_html_join(
        "\n",
        '<div class="time-label{}" data-grid-row="{}" data-grid-span="{}">{}</div>',
        ((" on-the-hour" if t.label[3:] == "00" else "", t.row + 1, t.span, t.label) for t in labels),
    )


def week_bookings_html(appointments: list[Appointment]) -> SafeString:
    """One day's bookings in the week view (plain string building: format_html per value costs more than the query)."""
    appointment_url, patient_url = _url_prefix("procedures:appointment"), _url_prefix("procedures:patient")
    e = html.escape
    parts = []
    for a in appointments:
        parts.append(
            f'<div class="week-booking status-{e(a.status)}">\n'
            f'  <span class="d-block"><a class="booking-link" href="{e(appointment_url)}{a.pk}/"><strong>'
            f"{e(a.start_label)}</strong>–{e(a.end_label)}</a> · {e(a.room.name)}</span>\n"
            f'  <span class="d-block"><a class="booking-patient" href="{e(patient_url)}{a.patient_id}/">'
            f'{e(a.patient.full_name)}</a> <span class="text-body-secondary small">{e(a.patient.mrn)}</span></span>\n'
            f'  <span class="d-block">{_status_badges(a)}{_no_reminders(a, mark_safe(""))}</span>\n'
            f'  <span class="d-block small">{a.flags_html}</span>\n'
            "</div>"
        )
    return mark_safe("\n".join(parts))  # noqa: S308 - every value above is escaped or already safe markup
