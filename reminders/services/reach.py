"""By which channels a message may go: the one rule scheduling and sending both ask (channels_for). Service notices
are not reminders: a move, a cancellation, or an "arrive as soon as you can" reaches a patient who stopped reminders
too, by every channel that reaches them."""

from __future__ import annotations

from datetime import datetime

from procedures.models import Appointment

from ..stages import ANNOUNCING_STAGES, SERVICE_STAGES
from ..wording import too_late_to_arrive_early


def asks_to_arrive_asap(appointment: Appointment, stage: str, for_start: datetime, now: datetime) -> bool:
    """A confirmation or move notice whose arrive-by time has already gone: it asks the patient to come as soon as
    they can, so it is a service notice."""
    return stage in ANNOUNCING_STAGES and too_late_to_arrive_early(
        for_start, appointment.procedure_type.arrival_lead, now=now
    )


def channels_for(appointment: Appointment, stage: str, for_start: datetime, now: datetime) -> frozenset[str]:
    """The one answer to "by which channels may this message go": a service notice (a move, a cancellation, an
    "arrive as soon as you can") by every channel that reaches the patient, whether or not they stopped reminders;
    a reminder only by the channels they agreed to and have not stopped. Scheduling and sending both ask here."""
    patient = appointment.patient
    if stage in SERVICE_STAGES or asks_to_arrive_asap(appointment, stage, for_start, now):
        return patient.notice_channels()
    return patient.reminder_channels()
