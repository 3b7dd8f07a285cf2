"""The radiologist's worklist: today's list, the appointments waiting for a result, and what the result form starts
with. Reads only; results are written by `procedures.services.record_result`.

"Results pending" is defined once, here (`results_pending`): an appointment whose start has passed, that the
patient attended (checked in, or completed), and has no result yet. The worklist and the admin's "Results pending"
filter both ask it. A past appointment still booked or confirmed (nobody recorded whether the patient came) is not
pending a result: it waits on the end of the day's list (`arrival_not_recorded`, procedures.end_of_day) until someone
records that she came or did not. Each list costs one query, however long.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from procedures import clinic_time

from ..models import Appointment, ProcedureResult, SafetyAnswers
from ..patient_page.flags import flags_of
from ..patient_page.selectors import with_patient_flags
from ..services.arrival import ATTENDED_AFTERWARDS

# What every worklist row shows beside the appointment itself.
ROW_RELATED = ("patient", "room", "radiologist", "procedure_type")


def results_pending(queryset: QuerySet[Appointment] | None = None, now: datetime | None = None):
    """Attended appointments (checked in, or completed) whose start has passed with no result logged."""
    queryset = Appointment.objects.all() if queryset is None else queryset
    has_result = Exists(ProcedureResult.objects.filter(appointment=OuterRef("pk")))
    attended = queryset.filter(status__in=Appointment.ATTENDED)
    return attended.filter(scheduled_start__lte=now or timezone.now()).exclude(has_result)


def arrival_not_recorded(queryset: QuerySet[Appointment] | None = None, now: datetime | None = None):
    """Appointments whose start has passed still booked or confirmed: nobody recorded whether the patient came."""
    queryset = Appointment.objects.all() if queryset is None else queryset
    return queryset.filter(status__in=Appointment.UPCOMING, scheduled_start__lte=now or timezone.now())


def _rows(queryset: QuerySet[Appointment], now: datetime) -> list[Appointment]:
    """Each appointment with its flags' facts (one query), its flags, and whether the safety questions were answered."""
    has_result = Exists(ProcedureResult.objects.filter(appointment=OuterRef("pk")))
    rows = list(with_patient_flags(queryset.select_related(*ROW_RELATED).annotate(has_result=has_result)))
    for a in rows:
        # The full set of flags (the template shows the all-clear too): the radiologist needs to know the answers
        # were given.
        a.flags = flags_of(a, now)
        a.answered = a.pf_safety_at is not None
    return rows


def todays_list(user, now: datetime | None = None) -> list[Appointment]:
    """Today's appointments that hold their room (clinic day), the user's own first, then the rest, each by time."""
    now = now or timezone.now()
    start, end = clinic_time.day_bounds(clinic_time.today(now))
    today = Appointment.objects.live().filter(scheduled_start__gte=start, scheduled_start__lt=end)
    rows = _rows(today.order_by("scheduled_start", "room__name"), now)
    for a in rows:
        a.is_mine = a.radiologist_id == user.pk
    return sorted(rows, key=lambda a: not a.is_mine)  # stable: each group stays in time order


def pending_list(now: datetime | None = None) -> list[Appointment]:
    """Every appointment waiting for a result (`results_pending`), oldest first."""
    now = now or timezone.now()
    rows = _rows(results_pending(now=now).order_by("scheduled_start", "pk"), now)
    for a in rows:
        a.has_result = False
    return rows


def check_in_time(appointment: Appointment) -> datetime | None:
    """When the patient was checked in, from the appointment's history (the last check-in, if undone and redone);
    None when there was none, or when her coming was recorded afterwards (`arrival.ATTENDED_AFTERWARDS`: that
    moment is when someone recorded it, not when she arrived)."""
    checked_in = appointment.history.filter(status=Appointment.Status.CHECKED_IN)
    checked_in = checked_in.order_by("-history_date", "-history_id")
    rows = list(checked_in.values_list("status_changed_at", "history_change_reason")[:50])
    if not rows:
        return None
    moment = rows[0][0]
    if any(at == moment and why == ATTENDED_AFTERWARDS for at, why in rows):
        return None
    return moment


def result_prefill(appointment: Appointment) -> dict:
    """What a new result for the appointment starts with: the appointment, and the start from the check-in when
    there was one (to the minute). Nothing else is assumed: the end is entered (typed, or "finished now"), and
    without a check-in so is the start, so a result never records the booking as what happened."""
    prefill: dict = {"appointment": appointment.pk}
    checked_in = check_in_time(appointment)
    if checked_in is not None:
        prefill["started_at"] = checked_in.replace(second=0, microsecond=0)
    return prefill


def result_context(appointment: Appointment) -> dict:
    """What the radiologist should see above the result form, read-only: the booking, the side and discharge, the
    expected duration, the check-in time and the patient's latest safety answers (three queries)."""
    appointment = Appointment.objects.select_related(*ROW_RELATED).filter(pk=appointment.pk).first() or appointment
    latest = SafetyAnswers.objects.filter(appointment=appointment).order_by("-answered_at", "-id").first()
    answers = []
    if latest is not None:
        for shown in latest.shown():
            answers.append({"question": shown.question.question, "answer": shown.answer, "flagged": bool(shown.flag)})
    return {
        "appointment": appointment,
        "checked_in_at": check_in_time(appointment),
        "latest_answers": latest,
        "answer_rows": answers,
    }


def safe_next(target: str | None, *, host: str, secure: bool, default: str) -> str:
    """`target` if it is a path on this site (where to go back to after logging a result), else `default`."""
    target = target or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={host}, require_https=secure):
        return target
    return default
