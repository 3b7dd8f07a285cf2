"""What staff see of the patient's answers: flags on the schedule and the appointment, and the call list.

The schedule shows hundreds of bookings in a fixed number of queries, so everything a flag needs is annotated onto
the appointments' own query (`with_patient_flags`): the latest safety answers' flags, when the preparation was
first read, any open request, and the last call. `flags_for` reads those annotations, or queries for a single
appointment that lacks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from .models import Appointment, PatientCall, PatientRequest, PreparationRead, SafetyAnswers

# "Staff see who has not read the preparation two days before": from 48 hours before the start (when the
# two-days-before reminder goes), an upcoming appointment whose patient has not read it is flagged.
PREPARATION_DUE_BEFORE = timedelta(hours=48)
# How far ahead the call list looks.
CALL_LIST_DAYS = 14


@dataclass(frozen=True)
class Flag:
    code: str
    label: str
    level: str  # "call" (red: call the patient), "warn" (amber: the radiologist should know), "ok" (green)
    title: str = ""


def with_patient_flags(queryset: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Annotate what the flags need onto the appointments' query: no extra query, however many appointments."""
    latest = SafetyAnswers.objects.filter(appointment=OuterRef("pk")).order_by("-answered_at", "-id")
    return queryset.annotate(
        pf_safety_flags=Subquery(latest.values("flags")[:1]),
        pf_safety_needs_call=Subquery(latest.values("needs_call")[:1]),
        pf_safety_at=Subquery(latest.values("answered_at")[:1]),
        pf_prep_read_at=Subquery(
            PreparationRead.objects.filter(appointment=OuterRef("pk")).order_by("read_at").values("read_at")[:1]
        ),
        pf_request_kind=Subquery(
            PatientRequest.objects.filter(appointment=OuterRef("pk"), status=PatientRequest.Status.OPEN).values("kind")[
                :1
            ]
        ),
        pf_last_call_at=Subquery(
            PatientCall.objects.filter(appointment=OuterRef("pk")).order_by("-called_at").values("called_at")[:1]
        ),
    )


def _annotations(appointment: Appointment) -> Appointment:
    """The appointment with the flag annotations, fetched if it came without them."""
    if hasattr(appointment, "pf_safety_at"):
        return appointment
    annotated = (
        with_patient_flags(Appointment.objects.filter(pk=appointment.pk))
        .values(
            "pf_safety_flags",
            "pf_safety_needs_call",
            "pf_safety_at",
            "pf_prep_read_at",
            "pf_request_kind",
            "pf_last_call_at",
        )
        .first()
        or {}
    )
    for name in (
        "pf_safety_flags",
        "pf_safety_needs_call",
        "pf_safety_at",
        "pf_prep_read_at",
        "pf_request_kind",
        "pf_last_call_at",
    ):
        setattr(appointment, name, annotated.get(name))
    return appointment


def is_upcoming(appointment: Appointment, now: datetime) -> bool:
    return appointment.status in (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED) and (
        appointment.scheduled_start > now
    )


def preparation_overdue(appointment: Appointment, now: datetime | None = None) -> bool:
    """Within two days of an upcoming appointment and the patient has not read the preparation."""
    now = now or timezone.now()
    a = _annotations(appointment)
    return is_upcoming(a, now) and a.pf_prep_read_at is None and a.scheduled_start - now <= PREPARATION_DUE_BEFORE


def safety_call_due(appointment: Appointment) -> bool:
    """The latest safety answers need a call (no discharge, possibly pregnant, infection) and nobody has called
    since they were given."""
    a = _annotations(appointment)
    if not a.pf_safety_needs_call:
        return False
    return a.pf_last_call_at is None or a.pf_last_call_at < a.pf_safety_at


def call_reasons(appointment: Appointment, now: datetime | None = None) -> list[str]:
    """Why staff should call this patient, in words; empty when there is no reason (or they have called)."""
    now = now or timezone.now()
    a = _annotations(appointment)
    if not is_upcoming(a, now):
        return []
    reasons = []
    if safety_call_due(a):
        labels = [SafetyAnswers.FLAGS[c][0] for c in (a.pf_safety_flags or "").split() if SafetyAnswers.FLAGS[c][1]]
        reasons.append(f"Safety answers: {', '.join(labels).lower()}. The exam may need rebooking.")
    called_since_due = a.pf_last_call_at is not None and a.pf_last_call_at >= a.scheduled_start - PREPARATION_DUE_BEFORE
    if preparation_overdue(a, now) and not called_since_due:
        reasons.append("Has not read the preparation, two days or less before the appointment.")
    return reasons


def flags_for(appointment: Appointment, now: datetime | None = None) -> list[Flag]:
    """The badges staff see for an appointment, most urgent first."""
    now = now or timezone.now()
    a = _annotations(appointment)
    flags: list[Flag] = []
    if safety_call_due(a) and is_upcoming(a, now):
        flags.append(Flag("call", "Call patient", "call", "The safety answers mean the exam may need rebooking"))
    codes = (a.pf_safety_flags or "").split()
    for code in codes:
        label, needs_call = SafetyAnswers.FLAGS[code]
        flags.append(Flag(code, label, "call" if needs_call else "warn", "From the patient's safety answers"))
    if a.pf_request_kind:
        kind = PatientRequest.Kind(a.pf_request_kind)
        label = "Asks to cancel" if kind == PatientRequest.Kind.CANCEL else "Asks to reschedule"
        flags.append(Flag("request", label, "warn", "A request from the patient's page is waiting on /requests/"))
    if preparation_overdue(a, now):
        flags.append(Flag("prep_unread", "Preparation not read", "warn", "Two days or less to go, and not read yet"))
    if a.pf_safety_at is not None and not codes:
        flags.append(Flag("safety_ok", "Safety answers ✓", "ok", "The safety questions are answered: nothing to flag"))
    if a.pf_prep_read_at is not None:
        flags.append(Flag("prep_read", "Read preparation ✓", "ok", "The patient has read the preparation"))
    return flags


def call_list(now: datetime | None = None, days: int = CALL_LIST_DAYS) -> list[tuple[Appointment, list[str]]]:
    """Upcoming appointments (the next `days` days) whose patient staff should call, soonest first, with why."""
    now = now or timezone.now()
    coming = with_patient_flags(
        Appointment.objects.filter(
            status__in=[Appointment.Status.BOOKED, Appointment.Status.CONFIRMED],
            scheduled_start__gt=now,
            scheduled_start__lt=now + timedelta(days=days),
        ).select_related("patient", "room")
    )
    # Only those with a reason: safety answers that need a call, or unread preparation within two days.
    unread_and_due = Q(pf_prep_read_at__isnull=True, scheduled_start__lte=now + PREPARATION_DUE_BEFORE)
    coming = coming.filter(Q(pf_safety_needs_call=True) | unread_and_due).order_by("scheduled_start")
    out = []
    for appointment in coming:
        reasons = call_reasons(appointment, now)
        if reasons:
            out.append((appointment, reasons))
    return out
