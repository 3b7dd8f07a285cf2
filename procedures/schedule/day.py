"""A clinic day laid out as rooms by time: a column per room, a row per ROW_MINUTES, a block per live booking and a
link per free slot.

Grid positions are measured in real elapsed minutes, computed in UTC: subtracting two datetimes that share a zone
would ignore a change of offset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone
from django.utils.safestring import SafeString

from .. import clinic_time
from ..models import Room
from ..slots import free_starts, slot_step
from .bookings import Booking, bookings_between, label_times
from .markup import blocks_html, free_cells_html, labels_html

ROW_MINUTES = 5  # the grid's resolution: a booking's block is as long as its duration, to the nearest 5 minutes
# The free cells staff click to book, and the time labels down the side, are one slot step (SLOT_STEP_MINUTES) long.


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _minutes_between(earlier: datetime, later: datetime) -> float:
    return (_utc(later) - _utc(earlier)).total_seconds() / 60


@dataclass
class Block:
    appointment: Booking
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
    live: list[Booking]
    off_grid: list[Booking]  # cancelled or did not attend: listed, not drawn, as they no longer hold the room
    now: datetime  # the patient flags are as of this moment
    grid_start: datetime | None = None
    row_count: int = 0
    now_row: int | None = None  # the grid row "now" falls in, when the grid shows it (today, within its hours)
    now_label: str = ""
    blocks: list[Block] = field(default_factory=list)
    free_cells: list[FreeCell] = field(default_factory=list)
    labels: list[TimeLabel] = field(default_factory=list)

    # What js/grid.js needs to move the "now" line as the minutes pass, without reloading the page.
    row_minutes = ROW_MINUTES

    @property
    def grid_start_ms(self) -> int | None:
        return None if self.grid_start is None else int(self.grid_start.timestamp() * 1000)

    @property
    def zone_name(self) -> str:
        return clinic_time.zone_name()

    @property
    def clinic_opens(self) -> bool:
        return self.opening is not None

    @property
    def is_empty(self) -> bool:
        return not self.live and not self.off_grid

    @property
    def blocks_html(self) -> SafeString:
        return blocks_html(self.blocks, self.now)

    @property
    def free_cells_html(self) -> SafeString:
        return free_cells_html(self.free_cells)

    @property
    def labels_html(self) -> SafeString:
        return labels_html(self.labels)


def _grid_span(opening, live: list[Booking]) -> tuple[datetime, datetime] | None:
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
    local_first = clinic_time.local(first)
    slot_minutes = slot_step() // timedelta(minutes=1)
    first -= timedelta(minutes=local_first.minute % slot_minutes, seconds=local_first.second)
    rows = math.ceil(_minutes_between(first, last) / slot_minutes) * slot_minutes
    return first, first + timedelta(minutes=rows)


def build_day(day: date, *, rooms: list[Room], appointments: list, now: datetime | None = None) -> DaySchedule:
    """Lay a day out: a column per room, a row per ROW_MINUTES, a block per live booking, a cell per free slot.
    `appointments` are `Booking`s (or Appointments) of the day, in start order."""
    now = now or timezone.now()
    opening = clinic_time.hours_on(day)
    live = [a for a in appointments if a.is_live]
    off_grid = label_times([a for a in appointments if not a.is_live])
    # Active rooms, and any other room that has a booking this day.
    shown = {r.pk: r for r in rooms}
    for a in live:
        if a.room_id not in shown:
            shown[a.room_id] = a.room
    ordered_rooms = sorted(shown.values(), key=lambda r: r.name)
    schedule = DaySchedule(day=day, rooms=ordered_rooms, opening=opening, live=live, off_grid=off_grid, now=now)
    span = _grid_span(opening, live)
    if span is None or not ordered_rooms:
        return schedule
    grid_start, grid_end = span
    schedule.grid_start = grid_start
    schedule.row_count = round(_minutes_between(grid_start, grid_end) / ROW_MINUTES)
    column_of = {room.pk: index + 2 for index, room in enumerate(ordered_rooms)}  # column 1 holds the times

    def row_of(moment: datetime) -> int:
        return int(_minutes_between(grid_start, moment) // ROW_MINUTES) + 1

    if grid_start <= now < grid_end:
        schedule.now_row = row_of(now)
        schedule.now_label = clinic_time.time_of_day(now)

    step = slot_step()
    per_slot = max(1, step // timedelta(minutes=ROW_MINUTES))
    moment = grid_start
    while moment < grid_end:
        label = clinic_time.time_of_day(moment)
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
            column, cells = column_of[room.pk], schedule.free_cells
            starts = free_starts(opens=opening[0], closes=opening[1], length=step, busy=busy.get(room.pk, []), now=now)
            for local in starts:  # hundreds a day: each formatted once
                label = clinic_time.time_of_day(local)
                param = clinic_time.iso_minute(local, sep="T")
                cells.append(FreeCell(room, local, column, row_of(local), per_slot, label, param))
    return schedule


def day_schedule(day: date, *, now: datetime | None = None) -> DaySchedule:
    """The day's schedule in two queries (its bookings, the rooms in use), however many bookings it holds."""
    start, end = clinic_time.day_bounds(day)
    return build_day(
        day, rooms=list(Room.objects.filter(is_active=True)), appointments=bookings_between(start, end), now=now
    )
