"""Free times: the one place that decides where a booking of a given length fits.

Three things ask: `free_slots` (a room's free starts on a day), the times offered when a booking is refused, and
the free cells of the day grid. All of them use `free_starts`, stepping by the one setting SLOT_STEP_MINUTES from
the clinic's opening time, never offering a time already past or beyond the booking horizon (BOOKING_HORIZON_DAYS,
which also bounds what the booking service accepts), and treating every live appointment (booked, confirmed,
checked in, completed) as holding its room and its radiologist. Any aware datetime may be asked about, down to the
calendar's first and last days: nothing is computed outside today to the horizon.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import clinic_time
from .models import Appointment, Room

Interval = tuple[datetime, datetime]

# On a refusal: this many times in the room asked for, then this many in the other rooms, within this many days.
SLOTS_OFFERED = 6
OTHER_ROOM_SLOTS_OFFERED = 4
SLOT_SEARCH_DAYS = 14
# The horizon never reaches the calendar's last days, so a clinic day there can still be laid out in any zone.
LAST_BOOKABLE = datetime.max.replace(tzinfo=UTC) - timedelta(days=3)


def slot_step() -> timedelta:
    return timedelta(minutes=settings.SLOT_STEP_MINUTES)


def off_step_refusal(start: datetime, opens: datetime) -> str | None:
    """Why `start` is no bookable start, or None: starts fall every slot step from the day's opening (`opens`), as
    the free times offered do, so a room's day packs without gaps of a few minutes nobody can use."""
    step = slot_step()
    past = (start.astimezone(UTC) - opens.astimezone(UTC)) % step
    if not past:
        return None
    before = start - past
    return (
        f"Bookings start every {settings.SLOT_STEP_MINUTES} minutes from the clinic's opening at "
        f"{clinic_time.time_of_day(opens)}; {clinic_time.time_of_day(start)} is not one of those times: choose "
        f"{clinic_time.time_of_day(before)} or {clinic_time.time_of_day(before + step)}."
    )


def booking_horizon(now: datetime | None = None) -> datetime:
    """The latest start a booking or a move may have: BOOKING_HORIZON_DAYS from now."""
    now = now or timezone.now()
    try:
        return min(now + timedelta(days=settings.BOOKING_HORIZON_DAYS), LAST_BOOKABLE)
    except OverflowError:  # a horizon past the calendar's end
        return LAST_BOOKABLE


def free_starts(
    *,
    opens: datetime,
    closes: datetime,
    length: timedelta,
    busy: Iterable[Interval],
    now: datetime,
    latest: datetime | None = None,
) -> list[datetime]:
    """Starts from `opens`, every slot step, where `length` ends by `closes`, starts after `now` (and no later than
    `latest`, the booking horizon unless given) and overlaps no busy interval. Computed in UTC, so a day with a
    clock change still steps in real minutes."""
    busy = [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in busy]
    step = slot_step()
    latest = booking_horizon(now) if latest is None else latest
    start, closes = opens.astimezone(UTC), closes.astimezone(UTC)
    found = []
    while start <= latest and start + length <= closes:  # the horizon first: it keeps clear of the calendar's end
        end = start + length
        if start > now and all(end <= b_start or start >= b_end for b_start, b_end in busy):
            found.append(timezone.localtime(start))
        start += step
    return found


def _live_between(start: datetime, end: datetime, *, exclude_id: int | None = None, holders: Q | None = None):
    """Live appointments overlapping [start, end) (the queryset's one overlap rule), held by `holders`."""
    qs = Appointment.objects.overlapping(start, end, exclude_id=exclude_id)
    if holders is not None:
        qs = qs.filter(holders)
    return qs.only("scheduled_start", "expected_duration", "room_id", "radiologist_id")


def free_slots(*, room: Room, day: date, duration: int, exclude_id: int | None = None) -> list[datetime]:
    """Aware starts on `day` inside clinic hours where `duration` fits in `room`.

    `exclude_id` leaves one appointment out, so moving a booking may offer times overlapping its own slot. A day
    already past, or beyond the booking horizon, has none."""
    now = timezone.now()
    if not clinic_time.today(now) <= day <= clinic_time.day_of(booking_horizon(now)):
        return []
    opening = clinic_time.hours_on(day)
    if opening is None or not room.is_active:
        return []
    booked = _live_between(*opening, exclude_id=exclude_id, holders=Q(room=room))
    return free_starts(
        opens=opening[0],
        closes=opening[1],
        length=timedelta(minutes=duration),
        busy=[(a.scheduled_start, a.expected_end) for a in booked],
        now=now,
    )


@dataclass(frozen=True)
class Offer:
    """A free time in another room than the one asked for."""

    room: Room
    start: datetime


def offered_slots(
    *,
    room: Room,
    after: datetime,
    duration: int,
    radiologist=None,
    exclude_id: int | None = None,
    count: int = SLOTS_OFFERED,
    elsewhere: int = OTHER_ROOM_SLOTS_OFFERED,
) -> tuple[list[datetime], list[Offer]]:
    """What to offer when a booking is refused: the first free starts in `room` from `after` on, then the nearest
    free starts in the other active rooms, across the following clinic days if need be.

    When a radiologist is chosen, their other bookings rule times out too, so every time offered can be taken.
    Nothing is offered beyond the booking horizon, so a time asked for past it (or at the calendar's ends) offers
    nothing rather than failing. Two queries, however many days are searched.
    """
    now = timezone.now()
    latest = booking_horizon(now)
    if after > latest:
        return [], []
    after = max(after, now)
    first_day = clinic_time.day_of(after)
    searched = min(SLOT_SEARCH_DAYS, (clinic_time.day_of(latest) - first_day).days)
    days = [first_day + timedelta(days=n) for n in range(searched + 1)]
    openings = {day: span for day in days if (span := clinic_time.hours_on(day)) is not None}
    if not openings:
        return [], []
    rooms = [room, *Room.objects.filter(is_active=True).exclude(pk=room.pk)]
    holders = Q(room__in=[r.pk for r in rooms])
    if radiologist is not None:
        holders |= Q(radiologist=radiologist)
    window_start = min(span[0] for span in openings.values())
    window_end = max(span[1] for span in openings.values())
    busy_by_room: dict[int, list[Interval]] = {}
    theirs: list[Interval] = []
    for a in _live_between(window_start, window_end, exclude_id=exclude_id, holders=holders):
        busy_by_room.setdefault(a.room_id, []).append((a.scheduled_start, a.expected_end))
        if radiologist is not None and a.radiologist_id == radiologist.pk:
            theirs.append((a.scheduled_start, a.expected_end))
    length = timedelta(minutes=duration)

    def free_in(r: Room, wanted: int) -> list[datetime]:
        found: list[datetime] = []
        if not r.is_active:
            return found
        busy = busy_by_room.get(r.pk, []) + theirs
        for opens, closes in openings.values():
            starts = free_starts(opens=opens, closes=closes, length=length, busy=busy, now=now, latest=latest)
            found += [s for s in starts if s >= after]
            if len(found) >= wanted:
                break
        return found[:wanted]

    here = free_in(room, count)
    others = [Offer(r, s) for r in rooms[1:] for s in free_in(r, elsewhere)]
    others.sort(key=lambda offer: (abs(offer.start - after), offer.room.name))
    return here, others[:elsewhere]
