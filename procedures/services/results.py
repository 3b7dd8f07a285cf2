"""Results: the only code that saves what the radiologist logs about a procedure."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ..models import ProcedureResult
from .booking import complete_appointment, locked
from .followups import sync_after_result


def times_were_given(result: ProcedureResult) -> bool:
    """Whether a person gave the result's times (`ProcedureResult.times_given`): the form fills no end, so a new
    result's end was entered; a correction keeps what was known, and gives the times when it changes the end (an
    older result whose end was assumed from the booking counts once someone corrects it)."""
    if result.started_at is None or result.ended_at is None:
        return False
    if result.pk is None:
        return True
    stored = ProcedureResult.objects.filter(pk=result.pk).values_list("ended_at", "times_given").first()
    if stored is None:
        return True
    ended_at, given = stored
    return given or ended_at != result.ended_at


@transaction.atomic
def record_result(result: ProcedureResult, *, by: AbstractBaseUser | None = None) -> ProcedureResult:
    """Save a result being logged or corrected, after `full_clean()`: a result that breaks a rule (a performed
    procedure without its start or end, times that end before they start, last longer than RESULT_MAX_HOURS or lie
    more than a day from the booking) raises `ValidationError` and saves nothing.

    Who logged it, and when, is stamped by the system on the first save and kept through corrections; whether its
    times were given by a person, by `times_were_given`. A logged result means the patient came, so an appointment
    still open is completed with it; one already ended (cancelled, did not attend) keeps its status. A result that
    asks someone to act opens its follow-up (procedures.services.followups), and a correction updates it."""
    appointment = locked(result.appointment)  # a cancellation at this moment waits, or is seen
    result.full_clean()
    result.times_given = times_were_given(result)
    if result.pk is None:
        result.logged_by = by
        result.logged_at = timezone.now()
    if by is not None:
        result._history_user = by
    result.save()
    if appointment.is_open:
        complete_appointment(appointment, by=by)
    sync_after_result(result, by=by)
    return result
