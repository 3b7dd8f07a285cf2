"""Booking: the only code that creates appointments, moves them, or changes their status (the day's own changes,
check-in and did not attend, are in `arrival`, with the same helpers).

Each operation runs in one transaction and either does everything or raises `BookingError` with a sentence a
scheduler can act on, changing nothing. Room and radiologist overlaps are checked inside the transaction; on
PostgreSQL an exclusion constraint (migration 0002) also holds under concurrent bookings, and its violation is
turned into the same sentence. Reminder rows are kept in step inside the same transaction (so a rolled-back
booking leaves none), and the notices that are due go to the workers once it commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from reminders import services as reminders

from .. import clinic_time
from ..access import RADIOLOGISTS, is_radiologist, staff_name
from ..models import MAX_BOOKABLE_MINUTES, Appointment, FreedSlot, Patient, ProcedureType, Room
from ..slots import booking_horizon, off_step_refusal
from .waitlist import slot_freed

# What a booking says besides who, where and when. All but the duration reason may be corrected without moving it;
# the reason goes with the length, which changes by rescheduling.
EDITABLE_DETAILS = ("laterality", "discharge", "referrer", "notes")
BOOKING_DETAILS = {*EDITABLE_DETAILS, "duration_reason"}


class BookingError(Exception):
    """A booking operation was refused; the message says why, in the scheduler's words."""


def _span(appointment: Appointment) -> str:
    return clinic_time.time_span(appointment.scheduled_start, appointment.expected_end)


def _overlapping(*, start: datetime, end: datetime, exclude_id: int | None):
    """Live appointments that overlap [start, end) (the queryset's one overlap rule), with what a refusal names."""
    return Appointment.objects.overlapping(start, end, exclude_id=exclude_id).select_related("room", "radiologist")


def check_conflicts(*, room: Room, radiologist, start: datetime, end: datetime, exclude_id: int | None) -> None:
    # `_overlapping` is looked up when called, so a test can stand in for it.
    for other in _overlapping(start=start, end=end, exclude_id=exclude_id):
        if other.room_id == room.pk:
            raise BookingError(f"{room.name} is booked {_span(other)} for another patient.")
        if radiologist is not None and other.radiologist_id == radiologist.pk:
            raise BookingError(f"{staff_name(radiologist)} is already booked {_span(other)} in {other.room.name}.")


def check_booking(
    *,
    procedure_type: ProcedureType,
    room: Room,
    radiologist,
    start: datetime,
    duration: int,
    duration_reason: str = "",
    exclude_id: int | None = None,
    is_a_radiologist: bool | None = None,
    overlaps: bool = True,
    on_step: bool = True,
) -> None:
    """Every rule a booked time must meet, cheapest first; raises BookingError for the first one broken.

    The services call it inside their transaction, with `is_a_radiologist` as their lock read it; forms call it to
    show the sentence before saving. `overlaps=False` leaves the overlap check to the database's exclusion
    constraint (PostgreSQL), whose refusal is put in the same words. `on_step=False` accepts a start off the slot
    step: a move that keeps the time it already had."""
    if timezone.is_naive(start):
        raise BookingError("The start time has no time zone; this is a bug, please report it.")
    now = timezone.now()
    latest = booking_horizon(now)
    if start > latest:
        raise BookingError(
            f"Bookings can be made up to {settings.BOOKING_HORIZON_DAYS} days ahead (until "
            f"{clinic_time.date_time(latest)}); {clinic_time.medium_date(start)} is too far."
        )
    if start <= now:
        raise BookingError(f"{clinic_time.short_date_time(start)} has already passed; choose a time in the future.")
    if not room.is_active:
        raise BookingError(f"{room.name} is not in use; choose another room.")
    if duration <= 0 or duration > MAX_BOOKABLE_MINUTES:
        raise BookingError(f"A booking lasts between 1 and {MAX_BOOKABLE_MINUTES} minutes.")
    if refusal := procedure_type.duration_refusal(duration, duration_reason):
        raise BookingError(refusal)
    end = start + timedelta(minutes=duration)
    opening = clinic_time.hours_on(clinic_time.day_of(start))
    if opening is None or start < opening[0] or end > opening[1]:
        raise BookingError(
            f"{clinic_time.short_date(start)} {clinic_time.time_span(start, end)} is outside clinic hours "
            f"({clinic_time.describe_opening_hours()})."
        )
    if on_step and (refusal := off_step_refusal(start, opening[0])):
        raise BookingError(refusal)
    if is_a_radiologist is None and radiologist is not None:
        is_a_radiologist = is_radiologist(radiologist)
    if radiologist is not None and not is_a_radiologist:
        raise BookingError(f"{staff_name(radiologist)} is not a radiologist.")
    if overlaps:
        check_conflicts(room=room, radiologist=radiologist, start=start, end=end, exclude_id=exclude_id)


def refused_by_constraint(*, room: Room, radiologist, start: datetime, duration: int, exclude_id) -> BookingError:
    """Turn a lost race (the exclusion constraint fired) into the sentence the check would have given."""
    end = start + timedelta(minutes=duration)
    try:
        check_conflicts(room=room, radiologist=radiologist, start=start, end=end, exclude_id=exclude_id)
    except BookingError as exc:
        return exc
    return BookingError(f"{room.name} was just booked by someone else at that time; choose another time.")


def state_words(appointment: Appointment) -> str:
    """The status as it reads after "This appointment is ...": "cancelled", "marked as did not attend"."""
    if appointment.status == Appointment.Status.NO_SHOW:
        return "marked as did not attend"
    return appointment.get_status_display().lower()


def set_status(appointment: Appointment, status: str, *, by) -> None:
    appointment.status = status
    appointment.status_changed_at = timezone.now()
    if by is not None:
        appointment._history_user = by


def take_turn(room: Room, radiologist) -> bool | None:
    """Bookings into one room, or for one radiologist, take turns here, so each overlap check sees the last booking.

    Without the turn, concurrent bookings all pass the check and PostgreSQL's exclusion constraint decides; when
    three or more race for one slot its checks can deadlock, an error instead of a sentence. Room first, then
    radiologist, always (PostgreSQL locks a row's tables in the order of the FROM list), so two bookings never wait
    for each other. SQLite's IMMEDIATE transactions already queue.

    One statement: it also answers whether the radiologist is one (None when there is none), for check_booking.
    """
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        if radiologist is None:
            cursor.execute(f"SELECT r.id FROM {Room._meta.db_table} r WHERE r.id = %s{lock}", [room.pk])
            return None
        users = type(radiologist)._meta
        memberships = users.get_field("groups").remote_field.through._meta.db_table
        groups = Group._meta.db_table
        lock = f"{lock} OF r, u" if lock and connection.features.has_select_for_update_of else lock
        cursor.execute(
            f"SELECT r.id, EXISTS (SELECT 1 FROM {memberships} m INNER JOIN {groups} g ON g.id = m.group_id "
            f"WHERE m.user_id = u.{users.pk.column} AND g.name = %s) "
            f"FROM {Room._meta.db_table} r, {users.db_table} u WHERE r.id = %s AND u.{users.pk.column} = %s{lock}",
            [RADIOLOGISTS, room.pk, radiologist.pk],
        )
        row = cursor.fetchone()
    return bool(row and row[1])


def _database_refuses_overlaps() -> bool:
    """PostgreSQL holds the exclusion constraints of migration 0002: a new booking that overlaps is refused by its
    insert (and put in the checker's words by refused_by_constraint), so the booking need not ask first."""
    return connection.vendor == "postgresql"


def locked(appointment: Appointment) -> Appointment:
    """The appointment re-read under a row lock, so two staff acting at once cannot both move it. Only its own row:
    locking the joined procedure type and room too would hold them against a booking that takes the room's turn and
    then checks its procedure type (a deadlock, tests/procedures/test_waitlist_concurrency.py)."""
    lock = Appointment.objects.select_for_update(of=("self",))
    return lock.select_related("procedure_type", "room").get(pk=appointment.pk)


def book_appointment(
    *,
    patient: Patient,
    procedure_type: ProcedureType,
    room: Room,
    scheduled_start: datetime,
    expected_duration: int | None = None,
    radiologist: AbstractBaseUser | None = None,
    booked_by: AbstractBaseUser | None = None,
    **details,
) -> Appointment:
    unknown = set(details) - BOOKING_DETAILS
    if unknown:
        raise TypeError(f"book_appointment() got unexpected details: {', '.join(sorted(unknown))}")
    duration = procedure_type.default_duration if expected_duration is None else expected_duration
    appointment = Appointment(
        patient=patient,
        procedure_type=procedure_type,
        room=room,
        radiologist=radiologist,
        scheduled_start=scheduled_start,
        expected_duration=duration,
        created_by=booked_by,
        **details,
    )
    if booked_by is not None:
        appointment._history_user = booked_by
    try:
        with transaction.atomic():
            radiologist_ok = take_turn(room, radiologist)
            check_booking(
                is_a_radiologist=radiologist_ok,
                procedure_type=procedure_type,
                room=room,
                radiologist=radiologist,
                start=scheduled_start,
                duration=duration,
                duration_reason=details.get("duration_reason", ""),
                overlaps=not _database_refuses_overlaps(),
            )
            appointment.save()
            reminders.schedule_reminders(appointment, just_booked=True)
    except IntegrityError as exc:
        raise refused_by_constraint(
            room=room, radiologist=radiologist, start=scheduled_start, duration=duration, exclude_id=None
        ) from exc
    return appointment


# How long a reason for moving may be: it is kept as the history row's change reason.
MOVE_REASON_MAX_LENGTH = 100


def reschedule_appointment(
    appointment: Appointment,
    *,
    new_start: datetime,
    room: Room | None = None,
    radiologist: AbstractBaseUser | None = None,
    unassign_radiologist: bool = False,
    expected_duration: int | None = None,
    duration_reason: str | None = None,
    reason: str = "",
    by: AbstractBaseUser | None = None,
    to_a_freed_time: bool = False,
) -> Appointment:
    """Move an upcoming appointment. A patient's confirmation was for the old time, so it goes back to booked.

    `room` and `radiologist` None keep the ones booked; `unassign_radiologist=True` leaves it with no radiologist
    (and cannot be combined with one). A new radiologist is checked for clashes like a booking. `reason` (why it
    moved) is kept as the change reason of the appointment's history row. `duration_reason` replaces the reason on
    file for a length outside the usual range; None keeps it. A new start must fall on the slot step, unless it is
    the time the patient already has or (`to_a_freed_time`, the waiting list) a time another booking held."""
    if unassign_radiologist and radiologist is not None:
        raise TypeError("reschedule_appointment() got a radiologist and unassign_radiologist=True")
    why = (reason or "").strip()
    if len(why) > MOVE_REASON_MAX_LENGTH:
        raise BookingError(f"Keep the reason for moving to {MOVE_REASON_MAX_LENGTH} characters ({len(why)} given).")
    try:
        with transaction.atomic():
            current = locked(appointment)
            if not current.has_upcoming_status:
                raise BookingError(f"This appointment is {state_words(current)} and can no longer be moved.")
            room = room or current.room
            if not unassign_radiologist:
                radiologist = radiologist or current.radiologist
            duration = current.expected_duration if expected_duration is None else expected_duration
            length_reason = current.duration_reason if duration_reason is None else duration_reason.strip()
            radiologist_ok = take_turn(room, radiologist)
            check_booking(
                is_a_radiologist=radiologist_ok,
                procedure_type=current.procedure_type,
                room=room,
                radiologist=radiologist,
                start=new_start,
                duration=duration,
                duration_reason=length_reason,
                exclude_id=current.pk,
                on_step=new_start != current.scheduled_start and not to_a_freed_time,
            )
            old_start = current.scheduled_start
            left = {"room": current.room, "radiologist": current.radiologist, "duration": current.expected_duration}
            # The patient's page says "moved from" the time they last knew of, until they have seen it.
            known = current.moved_from or old_start
            current.moved_from = None if known == new_start else known
            current.scheduled_start = new_start
            current.room = room
            current.radiologist = radiologist
            current.expected_duration = duration
            current.duration_reason = length_reason
            if why:
                current._change_reason = why
            set_status(current, Appointment.Status.BOOKED, by=by)
            with transaction.atomic():
                current.save()
            reminders.reschedule_reminders(current, old_start=old_start)
            if old_start != new_start:
                slot_freed(current, start=old_start, cause=FreedSlot.Cause.MOVED, **left)
    except IntegrityError as exc:
        raise refused_by_constraint(
            room=room,
            radiologist=radiologist,
            start=new_start,
            duration=duration,
            exclude_id=appointment.pk,
        ) from exc
    return current


@transaction.atomic
def change_booking_details(appointment: Appointment, *, by: AbstractBaseUser | None = None, **details) -> Appointment:
    """Correct what a booking says (side, discharge, referrer, notes) without moving it; its time, room, length
    and status stay as they are. Saving nothing new writes nothing."""
    unknown = set(details).difference(EDITABLE_DETAILS)
    if unknown:
        raise TypeError(f"change_booking_details() got unexpected details: {', '.join(sorted(unknown))}")
    current = locked(appointment)
    changed = [name for name, value in details.items() if getattr(current, name) != value]
    if not changed:
        return current
    for name in changed:
        setattr(current, name, details[name])
    if by is not None:
        current._history_user = by
    current.save(update_fields=changed)
    return current


def save_status(current: Appointment, status: str, *, by, closing: str = "") -> Appointment:
    """Save `current` (already locked and checked) in its new status; `closing` (a reminders close-reason code)
    closes its open reminders."""
    set_status(current, status, by=by)
    current.save()
    if closing:
        reminders.close_for_appointment(current, closing)
    return current


@transaction.atomic
def cancel_appointment(
    appointment: Appointment,
    *,
    reason: str = "",
    reason_code: str = Appointment.CancelReason.OTHER,
    by: AbstractBaseUser | None = None,
) -> Appointment:
    """Cancel an open appointment for one of `Appointment.CancelReason`, with optional words (needed for "other").

    Without a code it is "other" (DESIGN.md's `cancel_appointment(appointment, reason="...")`), so the words are
    needed then. The words on file are the reason's label when none are given, so every cancellation reads with a
    reason."""
    codes = Appointment.CancelReason
    if reason_code not in codes.values:
        raise BookingError("Choose why the appointment is cancelled.")
    words = (reason or "").strip()
    if reason_code == codes.OTHER and not words:
        raise BookingError('Say why the appointment is cancelled: the reason is "Other".')
    limit = Appointment._meta.get_field("cancellation_reason").max_length
    if len(words) > limit:
        raise BookingError(f"Keep the words on cancelling to {limit} characters ({len(words)} given).")
    current = locked(appointment)
    if not current.can_become(Appointment.Status.CANCELLED):
        raise BookingError(f"This appointment is already {state_words(current)}.")
    current.cancel_reason_code = reason_code
    current.cancellation_reason = words or codes(reason_code).label
    save_status(current, Appointment.Status.CANCELLED, by=by)
    reminders.cancel_reminders(current)
    slot_freed(
        current,
        start=current.scheduled_start,
        duration=current.expected_duration,
        room=current.room,
        radiologist=current.radiologist,
        cause=FreedSlot.Cause.CANCELLED,
    )
    return current


@transaction.atomic
def confirm_attendance(appointment: Appointment, *, by: AbstractBaseUser | None = None) -> Appointment:
    """The patient says they will come. Confirming twice is harmless."""
    current = locked(appointment)
    if current.status == Appointment.Status.CONFIRMED:
        return current
    if not current.can_become(Appointment.Status.CONFIRMED):
        raise BookingError(f"This appointment is {state_words(current)}.")
    return save_status(current, Appointment.Status.CONFIRMED, by=by)


@transaction.atomic
def complete_appointment(appointment: Appointment, *, by: AbstractBaseUser | None = None) -> Appointment:
    """Logging a result means the patient came: an open appointment becomes completed. Idempotent."""
    current = locked(appointment)
    if current.status == Appointment.Status.COMPLETED:
        return current
    if not current.can_become(Appointment.Status.COMPLETED):
        raise BookingError(f"This appointment is {state_words(current)}; it cannot be completed.")
    return save_status(current, Appointment.Status.COMPLETED, by=by, closing="completed")
