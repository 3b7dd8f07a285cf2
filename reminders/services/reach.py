"""By which channels a message may go: the one rule scheduling and sending both ask (channels_for). Service notices
are not reminders: a move, a cancellation, or an "arrive as soon as you can" reaches a patient who stopped reminders
too, by every channel that reaches them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from procedures.models import Appointment

from ..channels import not_reaching
from ..models import Reminder
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


def fallback_channels(
    appointment: Appointment, stage: str, for_start: datetime, now: datetime, *, failed: Iterable[str]
) -> frozenset[str]:
    """By which channels a message may go again after the channels `failed` did not carry it (services.fallbacks):
    any channel that reaches the patient, as for a service notice (they agreed to be told; the channel they chose
    failed), unless it is a reminder and they stopped reminders. The failed channels count as reaching nobody (a
    letter, which goes only to a patient nothing else reaches, goes when the text and email did not arrive)."""
    with not_reaching(failed):
        if appointment.patient.reminders_opt_out_at:
            return channels_for(appointment, stage, for_start, now)
        return appointment.patient.notice_channels()


def failed_before(reminder: Reminder) -> set[str]:
    """The channels whose messages this row sends again: those of the rows it falls back from (one query each)."""
    failed, row = set(), reminder
    while row.fallback_of_id:
        row = row.fallback_of
        failed.add(row.channel)
    return failed


def allowed_channels(reminder: Reminder, now: datetime) -> frozenset[str]:
    """By which channels the row's message may go as it is sent: channels_for, or for a row sent again after
    another channel failed, fallback_channels."""
    appointment = reminder.appointment
    if reminder.fallback_of_id:
        failed = failed_before(reminder)
        return fallback_channels(appointment, reminder.stage, reminder.for_start, now, failed=failed)
    return channels_for(appointment, reminder.stage, reminder.for_start, now)
