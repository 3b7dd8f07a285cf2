"""The appointment's day: checking the patient in, marking did not attend, and undoing either when it was a mistake.

The clock rules, in clinic time, each in one function below that both the services and the appointment page ask:

- check-in opens CHECK_IN_OPENS_MINUTES before the start, and only on the appointment's own day;
- did not attend only once the start has come, and never after a check-in (the patient came: a visit that ended
  without the procedure is a result, "not performed", or a cancellation); it records why, as far as anyone knows,
  and the next step (a rebook offered, the referrer told, discharged), and a rebook or a step not yet chosen goes on
  the follow-up list (procedures.services.followups);
- a patient who came but was never checked in is recorded as attended afterwards (`record_attended`, the end of the
  day's list): checked in, with no arrival time, so the result form does not take the moment of recording for the
  start;
- a check-in or did-not-attend recorded by mistake may be undone on the appointment's day only. The appointment goes
  back to the open status it had before (read from its history: booked, confirmed, or for a did-not-attend, checked
  in), through `Appointment.UNDO_TRANSITIONS` rather than the forward `TRANSITIONS`. The reminders the mistake
  closed reopen if their time is still ahead; one already due stays closed.

Each service runs in one transaction and refuses with a `BookingError` sentence, changing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from reminders import services as reminders

from .. import clinic_time
from ..models import Appointment
from .booking import (
    BookingError,
    check_conflicts,
    locked,
    refused_by_constraint,
    save_status,
    set_status,
    state_words,
    take_turn,
)
from .followups import sync_after_no_show

Status = Appointment.Status

# Why the reminders still to go were closed; an undo reopens the ones closed for exactly this reason.
# Why the appointment's reminders closed (reminders' close-reason codes): what undoing the change reopens.
CLOSED_BY_CHECK_IN = "checked_in"
CLOSED_BY_NO_SHOW = "no_show"
# What an undo is called in a sentence, and the reason its reminders were closed with.
UNDONE = {
    Status.CHECKED_IN: ("check-in", CLOSED_BY_CHECK_IN),
    Status.NO_SHOW: ("did-not-attend mark", CLOSED_BY_NO_SHOW),
}


def check_in_opens(appointment: Appointment) -> datetime:
    """CHECK_IN_OPENS_MINUTES before the start, but never before the start of the appointment's clinic day."""
    start = appointment.scheduled_start
    day_begins = clinic_time.day_start(clinic_time.day_of(start))
    return max(start - timedelta(minutes=settings.CHECK_IN_OPENS_MINUTES), day_begins)


def _check_in_refusal(appointment: Appointment, now: datetime) -> str:
    """Why the patient cannot be checked in now; "" when they can."""
    if not appointment.can_become(Status.CHECKED_IN):
        return f"This appointment is {state_words(appointment)}; it cannot be checked in."
    day = clinic_time.day_of(appointment.scheduled_start)
    if clinic_time.day_of(now) > day:
        return f"This appointment was on {clinic_time.short_date(day)}; a patient can only be checked in on the day."
    opens = check_in_opens(appointment)
    if now < opens:
        return (
            f"Check-in for this appointment opens at {clinic_time.time_of_day(opens)} "
            f"on {clinic_time.short_date(opens)}."
        )
    return ""


# The history's reason on a check-in recorded afterwards: its moment is when it was recorded, not an arrival.
ATTENDED_AFTERWARDS = "Attended: recorded afterwards, arrival time not known"


def _attended_refusal(appointment: Appointment, now: datetime) -> str:
    """Why the patient cannot be recorded as having come, afterwards; "" when they can."""
    if not appointment.has_upcoming_status:
        return f"This appointment is {state_words(appointment)}; there is no arrival to record."
    if appointment.scheduled_start > now:
        return "A patient can only be recorded as attended once the appointment's time has come."
    return ""


def _no_show_refusal(appointment: Appointment, now: datetime) -> str:
    if appointment.status == Status.CHECKED_IN:
        return (
            "This patient was checked in, so they came: log the result (not performed, if it was not done) or "
            "cancel the appointment instead."
        )
    if not appointment.can_become(Status.NO_SHOW):
        return f"This appointment is already {state_words(appointment)}."
    if appointment.scheduled_start > now:
        return "A patient can only miss an appointment once its time has come."
    return ""


def _undo_refusal(appointment: Appointment, now: datetime, *, undoing: str) -> str:
    what = UNDONE[undoing][0]
    if appointment.status != undoing:
        return f"This appointment is {state_words(appointment)}, so there is no {what} to undo."
    day = clinic_time.day_of(appointment.scheduled_start)
    if clinic_time.day_of(now) != day:
        return f"A {what} can only be undone on the day of the appointment ({clinic_time.short_date(day)})."
    return ""


def _refuse(sentence: str) -> None:
    if sentence:
        raise BookingError(sentence)


@dataclass(frozen=True)
class ArrivalActions:
    """Which of the day's actions the appointment page may offer now (whoever is looking may still lack the right)."""

    check_in: bool
    no_show: bool
    undo_check_in: bool
    undo_no_show: bool
    attended: bool = False  # recorded afterwards: offered where check-in is not (another day)


def arrival_actions(appointment: Appointment, *, now: datetime | None = None) -> ArrivalActions:
    now = now or timezone.now()
    return ArrivalActions(
        check_in=not _check_in_refusal(appointment, now),
        no_show=not _no_show_refusal(appointment, now),
        undo_check_in=not _undo_refusal(appointment, now, undoing=Status.CHECKED_IN),
        undo_no_show=not _undo_refusal(appointment, now, undoing=Status.NO_SHOW),
        attended=not _attended_refusal(appointment, now),
    )


@transaction.atomic
def check_in(appointment: Appointment, *, by: AbstractBaseUser | None = None) -> Appointment:
    current = locked(appointment)
    _refuse(_check_in_refusal(current, timezone.now()))
    return save_status(current, Status.CHECKED_IN, by=by, closing=CLOSED_BY_CHECK_IN)


@transaction.atomic
def record_attended(appointment: Appointment, *, by: AbstractBaseUser | None = None) -> Appointment:
    """The patient came, recorded once the time has passed (the end of the day's list): checked in, the result now
    pending, without an arrival time (the history says so, `ATTENDED_AFTERWARDS`)."""
    current = locked(appointment)
    _refuse(_attended_refusal(current, timezone.now()))
    current._change_reason = ATTENDED_AFTERWARDS
    return save_status(current, Status.CHECKED_IN, by=by, closing=CLOSED_BY_CHECK_IN)


def _no_show_words(reason: str, next_step: str) -> str:
    reasons, steps = dict(Appointment.NoShowReason.choices), dict(Appointment.NextStep.choices)
    if reason and reason not in reasons:
        raise BookingError("Choose why the patient did not attend from the list.")
    if next_step and next_step not in steps:
        raise BookingError("Choose the next step from the list: rebook offered, referrer told, or discharged.")
    why = reasons.get(reason, "no reason recorded")
    return f"Did not attend: {why}. Next: {steps.get(next_step, 'to decide')}."[:100]


@transaction.atomic
def mark_no_show(
    appointment: Appointment, *, by: AbstractBaseUser | None = None, reason: str = "", next_step: str = ""
) -> Appointment:
    """The patient did not come: why (`Appointment.NoShowReason`) and what next (`Appointment.NextStep`). Both may
    be left out (an older caller, the admin's bulk action): the follow-up list then asks for the next step."""
    current = locked(appointment)
    _refuse(_no_show_refusal(current, timezone.now()))
    current._change_reason = _no_show_words(reason, next_step)
    current.no_show_reason, current.no_show_next_step = reason, next_step
    save_status(current, Status.NO_SHOW, by=by, closing=CLOSED_BY_NO_SHOW)
    sync_after_no_show(current, by=by)
    return current


def undo_check_in(appointment: Appointment, *, by: AbstractBaseUser | None = None) -> Appointment:
    """A patient checked in by mistake (the wrong one, say): back to booked or confirmed, as before, on the day."""
    return _undo(appointment, Status.CHECKED_IN, by=by)


def undo_no_show(appointment: Appointment, *, by: AbstractBaseUser | None = None) -> Appointment:
    """A patient marked as did not attend who did come after all: back to the status before, on the day. The
    appointment takes its room again, so a booking made into the freed time since refuses the undo."""
    return _undo(appointment, Status.NO_SHOW, by=by)


def _status_before(current: Appointment) -> str:
    """The latest open status in the appointment's history that undoing its current one may return to."""
    allowed = Appointment.UNDO_TRANSITIONS[Status(current.status)]
    statuses = current.history.order_by("-history_date", "-history_id").values_list("status", flat=True)
    return next((s for s in statuses[:50] if s in allowed), Status.BOOKED)


def _undo(appointment: Appointment, undoing: str, *, by) -> Appointment:
    what, closed_because = UNDONE[undoing]
    try:
        with transaction.atomic():
            current = locked(appointment)
            now = timezone.now()
            _refuse(_undo_refusal(current, now, undoing=undoing))
            if not current.is_live:  # did not attend freed the room; taking it back must not double-book it
                take_turn(current.room, current.radiologist)
                try:
                    check_conflicts(
                        room=current.room,
                        radiologist=current.radiologist,
                        start=current.scheduled_start,
                        end=current.expected_end,
                        exclude_id=current.pk,
                    )
                except BookingError as exc:
                    raise BookingError(f"The {what} cannot be undone: {exc}") from None
            set_status(current, _status_before(current), by=by)
            current.no_show_reason = current.no_show_next_step = ""
            with transaction.atomic():
                current.save()
            reminders.reopen_for_appointment(current, closed_because=closed_because, now=now)
            if undoing == Status.NO_SHOW:
                sync_after_no_show(current, by=by)  # nothing to follow up any more
    except IntegrityError as exc:
        lost = refused_by_constraint(
            room=appointment.room,
            radiologist=appointment.radiologist,
            start=appointment.scheduled_start,
            duration=appointment.expected_duration,
            exclude_id=appointment.pk,
        )
        raise BookingError(f"The {what} cannot be undone: {lost}") from exc
    return current
