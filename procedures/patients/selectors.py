"""A patient's whole history for their staff page (`/patients/<id>/`), in a fixed number of queries however long
it is; and the two questions the booking form asks before a second booking (`same_day_booking`, `upcoming_booking`).

Results are read only for those who may see them (`procedures.access.can_see_results`): for anyone else the
query is never made, so no template slip can show a report to a scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reminders.channels import hand_delivered
from reminders.models import Reminder

from .. import clinic_time
from ..access import can_see_results
from ..models import (
    Appointment,
    Patient,
    PatientCall,
    PatientRequest,
    ProcedureResult,
    ProcedureType,
    SafetyAnswers,
)


def upcoming_booking(patient: Patient, procedure_type: ProcedureType) -> Appointment | None:
    """The patient's soonest upcoming appointment of this type (booked or confirmed, not yet begun), or None."""
    coming = Appointment.objects.upcoming().filter(patient=patient, procedure_type=procedure_type)
    return coming.select_related("room", "patient").order_by("scheduled_start", "pk").first()


def same_day_booking(patient: Patient, day: date) -> Appointment | None:
    """The patient's first live appointment of any type on clinic day `day` (booked, confirmed, checked in or
    done), or None: a second visit the same day is worth a question even when the first is under way or over."""
    start, end = clinic_time.day_bounds(day)
    on_the_day = Appointment.objects.live().filter(patient=patient, scheduled_start__gte=start, scheduled_start__lt=end)
    return on_the_day.select_related("room", "patient", "procedure_type").order_by("scheduled_start", "pk").first()


@dataclass(frozen=True)
class Answers:
    """One submission of the safety questions, as staff read it."""

    answers: SafetyAnswers
    rows: list[tuple[str, str, bool]]  # (question, answer in the patient's words, flagged)


@dataclass(frozen=True)
class History:
    patient: Patient
    appointments: list[Appointment]  # newest first
    reminders: list[Reminder]  # newest first
    answers: list[Answers]
    requests: list[PatientRequest]
    calls: list[PatientCall]
    can_see_results: bool
    results: list[tuple[Appointment, ProcedureResult, list[str]]]  # empty unless can_see_results


def patient_history(patient: Patient, user) -> History:
    """Appointments, messages sent, safety answers, requests, calls, and results for those who may read them.
    Six queries (five without results), whatever the patient's history."""
    shown = can_see_results(user)
    appointments = Appointment.objects.filter(patient=patient).select_related("room", "procedure_type", "radiologist")
    appointments = list(appointments.order_by("-scheduled_start", "-pk"))
    results: list[tuple[Appointment, ProcedureResult, list[str]]] = []
    if shown:
        labels = dict(ProcedureResult.Finding.choices)
        by_appointment = {
            r.appointment_id: r
            for r in ProcedureResult.objects.filter(appointment__patient=patient).select_related("performed_by")
        }
        for appointment in appointments:
            result = by_appointment.get(appointment.pk)
            if result is not None:
                results.append((appointment, result, [labels.get(f, f) for f in result.findings or []]))
    by_pk = {a.pk: a for a in appointments}

    def attach(rows):
        # Each row's appointment is one already fetched: no select_related, no query per row.
        rows = list(rows)
        for row in rows:
            row.appointment = by_pk[row.appointment_id]
        return rows

    reminders = attach(Reminder.objects.filter(appointment__patient=patient).order_by("-send_at", "-pk"))
    by_hand = set(hand_delivered())
    for reminder in reminders:
        reminder.printable = reminder.channel in by_hand  # a letter: its PDF is a link away
    answers = [
        Answers(a, [(s.question.question, s.answer, s.flag is not None) for s in a.shown()])
        for a in attach(SafetyAnswers.objects.filter(appointment__patient=patient).order_by("-answered_at", "-pk"))
    ]
    requests = attach(
        PatientRequest.objects.filter(appointment__patient=patient)
        .select_related("handled_by")
        .order_by("-created_at", "-pk")
    )
    calls = attach(
        PatientCall.objects.filter(appointment__patient=patient)
        .select_related("called_by")
        .order_by("-called_at", "-pk")
    )
    return History(
        patient=patient,
        appointments=appointments,
        reminders=reminders,
        answers=answers,
        requests=requests,
        calls=calls,
        can_see_results=shown,
        results=results,
    )
