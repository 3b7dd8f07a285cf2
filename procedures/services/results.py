"""Results: the only code that saves what the radiologist logs about a procedure."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ..models import ProcedureResult
from .booking import complete_appointment, locked


@transaction.atomic
def record_result(result: ProcedureResult, *, by: AbstractBaseUser | None = None) -> ProcedureResult:
    """Save a result being logged or corrected, after `full_clean()`: a result that breaks a rule (times that end
    before they start, last longer than RESULT_MAX_HOURS or lie more than a day from the booking) raises
    `ValidationError` and saves nothing.

    Who logged it, and when, is stamped by the system on the first save and kept through corrections. A logged
    result means the patient came, so an appointment still open is completed with it; one already ended
    (cancelled, did not attend) keeps its status."""
    appointment = locked(result.appointment)  # a cancellation at this moment waits, or is seen
    result.full_clean()
    if result.pk is None:
        result.logged_by = by
        result.logged_at = timezone.now()
    if by is not None:
        result._history_user = by
    result.save()
    if appointment.is_open:
        complete_appointment(appointment, by=by)
    return result
