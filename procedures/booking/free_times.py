"""The free times the booking form lists as soon as it knows a date and a duration, before any "Book" is pressed.

The times themselves come from `procedures.slots.offered_slots` (the same search a refusal offers: the room's
next free starts from the day's opening, ruled by the chosen radiologist's other bookings too, then the nearest
in the other rooms), so a time listed here is one the booking check accepts. This module only reads what the
form holds so far, leniently: a field still empty or mistyped means nothing is listed yet, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .. import clinic_time, slots
from ..access import radiologists, staff_name
from ..models import MAX_BOOKABLE_MINUTES, Room
from ..params import parse_day, parse_id


@dataclass(frozen=True)
class FreeTimes:
    """What the form shows: the day asked about, the room and radiologist the times are free for, and the times."""

    day: date
    room: Room
    radiologist_name: str  # empty when none is chosen
    duration: int
    here: list[datetime] = field(default_factory=list)
    elsewhere: list[slots.Offer] = field(default_factory=list)


def _duration(value) -> int | None:
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes if 1 <= minutes <= MAX_BOOKABLE_MINUTES else None


def free_times(*, room, radiologist, day, duration) -> FreeTimes | None:
    """The next free times from the opening of `day` (raw form values: ids, "YYYY-MM-DD", minutes), or None
    while the date or the duration is not known yet. An unknown room falls back to the first active one, as the
    room select does; an unknown radiologist to none."""
    day = day if isinstance(day, date) else parse_day(day)
    minutes = _duration(duration)
    if day is None or minutes is None:
        return None
    rooms = Room.objects.filter(is_active=True).order_by("name")
    room_id = parse_id(room.pk if isinstance(room, Room) else room)
    chosen_room = (rooms.filter(pk=room_id).first() if room_id is not None else None) or rooms.first()
    if chosen_room is None:
        return None
    radiologist_id = parse_id(getattr(radiologist, "pk", radiologist))
    chosen = radiologists().filter(pk=radiologist_id).first() if radiologist_id is not None else None
    here, elsewhere = slots.offered_slots(
        room=chosen_room, after=clinic_time.day_start(day), duration=minutes, radiologist=chosen
    )
    return FreeTimes(day, chosen_room, staff_name(chosen) if chosen else "", minutes, here, elsewhere)
