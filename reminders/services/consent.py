"""Reminders follow the patient's consent and reach: new details or a changed choice, a stop and a restart, and the
notices they missed while nothing reached them (sent once when something does)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from procedures.models import Appointment, Patient

from ..channels import channels
from ..models import Reminder
from ..stages import SERVICE_STAGES, Stage
from .reach import channels_for
from .scheduling import Closed, _earliest, _queue_due_on_commit, reopen_for_appointment, schedule_reminders


def patient_details_changed(patient: Patient, *, now: datetime | None = None) -> int:
    """A new email or mobile (or a changed preference) reaches the patient's coming appointments too; a channel that
    no longer reaches them closes its rows still to go now, so the timeline staff see says so at once; a notice
    that reached them by no channel goes now that one does."""
    now = now or timezone.now()
    reachable, noticed = patient.reminder_channels(), patient.notice_channels()
    code = Closed.OPTED_OUT if patient.reminders_opt_out_at else Closed.UNREACHABLE
    for channel in set(channels()) - reachable:
        rows = Reminder.objects.still_to_go().filter(appointment__patient=patient, channel=channel)
        if channel in noticed:
            rows = rows.exclude(stage__in=SERVICE_STAGES)  # service notices go whatever reminders do
        rows.close(Reminder.Status.CANCELLED, code, patient.why_unreachable(channel))
    count = 0
    for appointment in Appointment.objects.upcoming(now).filter(patient=patient).select_related("patient"):
        schedule_reminders(appointment, now=now)
        count += 1
    send_missed_notices(patient, now=now)
    return count


def opt_out(patient: Patient, *, at: datetime | None = None) -> int:
    """The patient wants no more reminders: record when, and cancel everything still to go."""
    at = at or timezone.now()
    with transaction.atomic():
        Patient.objects.filter(pk=patient.pk, reminders_opt_out_at__isnull=True).update(reminders_opt_out_at=at)
        patient.refresh_from_db(fields=["reminders_opt_out_at"])
        return (
            Reminder.objects.still_to_go()
            .filter(appointment__patient=patient)
            .exclude(stage__in=SERVICE_STAGES)
            .close(Reminder.Status.CANCELLED, Closed.OPTED_OUT)
        )


def resume(patient: Patient, *, now: datetime | None = None) -> None:
    """Reminders come back after the patient lifted an opt-out (on their page) or a STOP (by replying START): on
    every coming appointment the rows the stop cancelled reopen where their time is still ahead, and missing ones
    are made, by the channels that reach the patient now. Stages already past stay closed: nothing goes late."""
    now = now or timezone.now()
    for appointment in Appointment.objects.upcoming(now).filter(patient=patient).select_related("patient"):
        reopen_for_appointment(appointment, closed_because=Closed.OPTED_OUT, now=now)
    patient_details_changed(patient, now=now)


def send_missed_notices(patient: Patient, *, now: datetime | None = None) -> int:
    """Notices that reached the patient by no channel (kept as missed by _notice_rows) go once, now that a channel
    reaches them: the latest move of each coming appointment, and the cancellation of one not yet past. Returns how
    many rows it reopened; a second call finds none."""
    now = now or timezone.now()
    reopened = 0
    missed = Reminder.objects.filter(
        appointment__patient=patient,
        stage__in=[stage for stage in SERVICE_STAGES if stage != Stage.SLOT_OFFER],  # an offer is not kept for later
        status=Reminder.Status.CANCELLED,
        close_reason__in=[Closed.UNREACHABLE, Closed.OPTED_OUT],
        for_start__gt=now,
    ).select_related("appointment__patient", "appointment__procedure_type")
    latest: dict[tuple[int, str, str], Reminder] = {}
    for row in missed.order_by("created_at", "pk"):
        appointment = row.appointment
        about_now = row.for_start == appointment.scheduled_start and (
            (row.stage == Stage.CANCELLATION) == (appointment.status == Appointment.Status.CANCELLED)
        )
        if about_now:
            latest[(appointment.pk, row.stage, row.channel)] = row
    for row in latest.values():
        reaching = channels_for(row.appointment, row.stage, row.for_start, now)
        if row.channel not in reaching:
            continue
        reopened += Reminder.objects.filter(pk=row.pk, status=Reminder.Status.CANCELLED).update(
            status=Reminder.Status.PENDING, send_at=_earliest(now, row.channel), last_error="", close_reason=""
        )
        _queue_due_on_commit(row.appointment, now)
    return reopened
