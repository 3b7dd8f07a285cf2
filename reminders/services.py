"""Reminder services: schedule rows, keep them in step with the appointment, claim due ones, send each once.

The rules the field learned the hard way, and where they are kept:
- A reminder is a row with a `send_at`; a periodic dispatch claims due rows (no ETA tasks in the broker).
- Whether a row may still be sent is decided by the row itself: booking changes update the rows in the same
  transaction, and a send claims its row with a compare-and-set UPDATE on the row's own columns, so a cancelled or
  moved appointment is never reminded and two workers never send the same row.
- A claimed row carries a lease; a worker that dies mid-send leaves it to be reclaimed after the lease, which
  outlasts the task's hard time limit, so a slow send is never sent again while still running.
- Reminder bookkeeping never writes the appointment: its status belongs to the booking services.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from procedures.models import Appointment, Patient

from . import content
from .channels import PermanentSendError, TransientSendError
from .channels.email import send_email
from .channels.sms import get_backend
from .models import Channel, Reminder, ReminderRule
from .stages import ANNOUNCING_STAGES, Stage
from .timing import allowed_time, quiet_until, send_time

log = logging.getLogger(__name__)

OPEN = Q(status=Reminder.Status.PENDING) | Q(status=Reminder.Status.SENDING, claim_token__isnull=True)
LAST_DISPATCH_CACHE_KEY = "reminders:last-dispatch"
TOO_LATE = "Too close to the appointment for this stage: its content went with the booking or move notice."


def allowed_channels(patient: Patient) -> set[str]:
    """The channels this patient wants and can be reached on; empty once they opt out."""
    if patient.reminders_opt_out_at or patient.preferred_channel == Patient.Channel.NONE:
        return set()
    wanted = {
        Patient.Channel.EMAIL: {Channel.EMAIL},
        Patient.Channel.SMS: {Channel.SMS},
        Patient.Channel.BOTH: {Channel.EMAIL, Channel.SMS},
    }[patient.preferred_channel]
    reachable = {Channel.EMAIL} if patient.email else set()
    if patient.mobile:
        reachable.add(Channel.SMS)
    return {str(c) for c in wanted & reachable}


def _rules(appointment: Appointment) -> list[ReminderRule]:
    return list(ReminderRule.objects.filter(procedure_type_id=appointment.procedure_type_id, is_active=True))


def _fold_horizon(now: datetime) -> datetime:
    return now + timedelta(minutes=settings.REMINDER_FOLD_MINUTES)


def _folded_stages(start: datetime, rules: list[ReminderRule], now: datetime) -> list[str]:
    """Timed stages too close or already past for this start: an announcing notice carries their content."""
    horizon = _fold_horizon(now)
    return [r.stage for r in rules if not r.is_event and send_time(start, r.offset) <= horizon]


def _rule(rules: list[ReminderRule], stage: str) -> ReminderRule | None:
    return next((r for r in rules if r.stage == stage), None)


def _event_rows(appointment, rule, channels, *, now, content_stages, occasion="") -> list[Reminder]:
    return [
        Reminder(
            appointment=appointment,
            rule=rule,
            stage=rule.stage,
            channel=channel,
            for_start=appointment.scheduled_start,
            occasion=occasion,
            send_at=allowed_time(now, channel),
            content_stages=content_stages,
        )
        for channel in sorted(channels & set(rule.channels))
    ]


def _timed_rows(appointment, rules, channels, *, now, existing: set) -> list[Reminder]:
    start, horizon = appointment.scheduled_start, _fold_horizon(now)
    rows = []
    for rule in rules:
        if rule.is_event:
            continue
        due = send_time(start, rule.offset)
        for channel in sorted(channels & set(rule.channels)):
            if (rule.pk, channel) in existing:
                continue
            late = due <= horizon
            rows.append(
                Reminder(
                    appointment=appointment,
                    rule=rule,
                    stage=rule.stage,
                    channel=channel,
                    for_start=start,
                    send_at=allowed_time(due, channel),
                    status=Reminder.Status.SKIPPED if late else Reminder.Status.PENDING,
                    last_error=TOO_LATE if late else "",
                    content_stages=[rule.stage],
                )
            )
    return rows


def _save_new(rows: list[Reminder]) -> None:
    # Another process may have scheduled the same rows a moment ago; the unique constraint keeps one of each.
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def _queue_due_on_commit(appointment: Appointment, now: datetime) -> None:
    """Notices that are due now go to the worker as soon as the booking commits; dispatch is the safety net."""

    def queue() -> None:
        ids = list(
            Reminder.objects.filter(
                appointment=appointment, status=Reminder.Status.PENDING, send_at__lte=now
            ).values_list("pk", flat=True)
        )
        queue_sends(ids)

    transaction.on_commit(queue)


def schedule_reminders(appointment: Appointment, *, now: datetime | None = None) -> list[Reminder]:
    """Create the rows the appointment's current time needs and does not have yet; never duplicates.

    A first booking gets its confirmation; timed stages whose time has passed (or is within the fold window) are
    recorded as skipped and their content rides with the confirmation instead of all firing at once. Called inside
    the booking's transaction, so a rolled-back booking leaves no reminder; sends are queued on commit.
    """
    now = now or timezone.now()
    _schedule(appointment, now)
    _queue_due_on_commit(appointment, now)
    return list(appointment.reminders.filter(for_start=appointment.scheduled_start, occasion=""))


def _schedule(appointment: Appointment, now: datetime) -> None:
    if appointment.status not in (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED):
        return
    if appointment.scheduled_start <= now:
        return
    channels = allowed_channels(appointment.patient)
    if not channels:
        return
    rules = _rules(appointment)
    existing = set(
        appointment.reminders.filter(for_start=appointment.scheduled_start).values_list("rule_id", "channel")
    )
    rows = _timed_rows(appointment, rules, channels, now=now, existing=existing)
    confirmation = _rule(rules, Stage.BOOKING_CONFIRMATION)
    if confirmation and not appointment.reminders.filter(stage=Stage.BOOKING_CONFIRMATION).exists():
        folded = _folded_stages(appointment.scheduled_start, rules, now)
        rows += _event_rows(
            appointment, confirmation, channels, now=now, content_stages=[Stage.BOOKING_CONFIRMATION, *folded]
        )
    _save_new(rows)


def reschedule_reminders(appointment: Appointment, *, old_start: datetime, now: datetime | None = None) -> None:
    """Move pending reminders to the new time, skip stages already past, and tell the patient.

    Called inside the reschedule's transaction, so no reminder for the old time can be claimed after it commits.
    """
    now = now or timezone.now()
    start = appointment.scheduled_start
    if start == old_start:
        return
    rules = {r.pk: r for r in ReminderRule.objects.filter(procedure_type_id=appointment.procedure_type_id)}
    taken = set(appointment.reminders.filter(for_start=start, occasion="").values_list("rule_id", "channel"))
    folded = _folded_stages(start, [r for r in rules.values() if r.is_active], now)
    moved = f"The appointment moved to {_local(start)}."
    announced_by_confirmation: set[str] = set()
    for reminder in appointment.reminders.filter(OPEN).exclude(for_start=start):
        rule = rules[reminder.rule_id]
        key = (rule.pk, reminder.channel)
        if key in taken or (rule.is_event and reminder.stage != Stage.BOOKING_CONFIRMATION):
            _close(reminder, Reminder.Status.CANCELLED, moved)
        elif rule.is_event:
            # The patient never heard of the old time: the confirmation simply announces the new one.
            _move(reminder, start, allowed_time(now, reminder.channel), [Stage.BOOKING_CONFIRMATION, *folded])
            announced_by_confirmation.add(reminder.channel)
            taken.add(key)
        elif send_time(start, rule.offset) > _fold_horizon(now):
            _move(reminder, start, allowed_time(send_time(start, rule.offset), reminder.channel), [rule.stage])
            taken.add(key)
        else:
            # Too late for this stage at the new time; _schedule records it as skipped for the new time.
            _close(reminder, Reminder.Status.CANCELLED, moved)
    _reopen_cancelled_by_a_move(appointment, rules, now)
    _schedule(appointment, now)
    notice = next((r for r in rules.values() if r.stage == Stage.RESCHEDULED and r.is_active), None)
    if notice:
        # On a channel whose confirmation had not gone yet, that confirmation now carries the new time.
        _save_new(
            _event_rows(
                appointment,
                notice,
                allowed_channels(appointment.patient) - announced_by_confirmation,
                now=now,
                content_stages=[Stage.RESCHEDULED, *folded],
                occasion=appointment.status_changed_at.isoformat(),
            )
        )
    _queue_due_on_commit(appointment, now)


def _reopen_cancelled_by_a_move(appointment: Appointment, rules: dict[int, ReminderRule], now: datetime) -> None:
    """An appointment moved back to a time it had before finds that time's timed rows cancelled by the move away
    (and the unique constraint keeps _schedule from making new ones): those whose time is still ahead reopen."""
    start, horizon = appointment.scheduled_start, _fold_horizon(now)
    channels = allowed_channels(appointment.patient)
    for reminder in appointment.reminders.filter(
        for_start=start, occasion="", status=Reminder.Status.CANCELLED, channel__in=channels
    ):
        rule = rules[reminder.rule_id]
        if rule.is_event or not rule.is_active or send_time(start, rule.offset) <= horizon:
            continue
        Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.CANCELLED).update(
            status=Reminder.Status.PENDING,
            send_at=allowed_time(send_time(start, rule.offset), reminder.channel),
            content_stages=[rule.stage],
            last_error="",
        )


def cancel_reminders(appointment: Appointment, *, now: datetime | None = None) -> int:
    """Called inside the cancellation's transaction: nothing pending goes out, and the patient is told."""
    now = now or timezone.now()
    closed = Reminder.objects.filter(OPEN, appointment=appointment).exclude(stage=Stage.CANCELLATION)
    count = closed.update(
        status=Reminder.Status.CANCELLED,
        last_error="The appointment was cancelled.",
        claim_token=None,
        lease_until=None,
    )
    notice = ReminderRule.objects.filter(
        procedure_type_id=appointment.procedure_type_id, stage=Stage.CANCELLATION, is_active=True
    ).first()
    if notice and appointment.scheduled_start > now:
        channels = allowed_channels(appointment.patient)
        _save_new(
            _event_rows(
                appointment,
                notice,
                channels,
                now=now,
                content_stages=[Stage.CANCELLATION],
                occasion=appointment.status_changed_at.isoformat(),
            )
        )
        _queue_due_on_commit(appointment, now)
    return count


def patient_details_changed(patient: Patient, *, now: datetime | None = None) -> int:
    """A new email or mobile (or a changed preference) reaches the patient's coming appointments too."""
    now = now or timezone.now()
    coming = Appointment.objects.filter(
        patient=patient,
        status__in=[Appointment.Status.BOOKED, Appointment.Status.CONFIRMED],
        scheduled_start__gt=now,
    ).select_related("patient")
    count = 0
    for appointment in coming:
        schedule_reminders(appointment, now=now)
        count += 1
    return count


def close_for_appointment(appointment: Appointment, reason: str) -> int:
    """An appointment that ended another way (no-show, checked in): its open reminders will not be needed."""
    return Reminder.objects.filter(OPEN, appointment=appointment).update(
        status=Reminder.Status.CANCELLED, last_error=reason, claim_token=None, lease_until=None
    )


def opt_out(patient: Patient, *, at: datetime | None = None) -> int:
    """The patient wants no more reminders: record when, and cancel everything still to go."""
    at = at or timezone.now()
    with transaction.atomic():
        Patient.objects.filter(pk=patient.pk, reminders_opt_out_at__isnull=True).update(reminders_opt_out_at=at)
        patient.refresh_from_db(fields=["reminders_opt_out_at"])
        return Reminder.objects.filter(OPEN, appointment__patient=patient).update(
            status=Reminder.Status.CANCELLED,
            last_error="The patient opted out of reminders.",
            claim_token=None,
            lease_until=None,
        )


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%a %d %b %Y %H:%M")


def _move(reminder: Reminder, start: datetime, send_at: datetime, content_stages: list[str]) -> None:
    Reminder.objects.filter(OPEN, pk=reminder.pk).update(
        for_start=start,
        send_at=send_at,
        status=Reminder.Status.PENDING,
        content_stages=content_stages,
        claim_token=None,
        lease_until=None,
        subject="",
        body="",
        body_html="",
        last_error="",
    )


def _close(reminder: Reminder, status: str, reason: str) -> bool:
    """Close an open row; False if it was no longer open (sent, or in flight elsewhere)."""
    return bool(
        Reminder.objects.filter(OPEN, pk=reminder.pk).update(
            status=status, last_error=reason, claim_token=None, lease_until=None
        )
    )


# --- Sending ------------------------------------------------------------------------------------------------------


def _publish(ids: list[int]) -> None:
    from .tasks import send

    with send.app.producer_or_acquire() as producer:
        for reminder_id in ids:
            send.apply_async(
                (reminder_id,),
                producer=producer,
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
            )


def queue_sends(ids: list[int]) -> None:
    """Hand claimed or due rows to the workers. If the broker is down they wait in the database for dispatch."""
    if not ids:
        return
    try:
        _publish(ids)
    except Exception:  # noqa: BLE001 - the broker being away must never fail a booking
        log.warning(
            "Could not queue %d reminder(s); dispatch will pick them up after their lease.", len(ids), exc_info=True
        )


def _skip_started(now: datetime) -> int:
    """Due rows whose appointment has begun are skipped, never sent late."""
    stale = list(
        Reminder.objects.filter(OPEN, send_at__lte=now)
        .filter(
            Q(appointment__scheduled_start__lte=now, stage__in=[s for s in Stage if s != Stage.CANCELLATION])
            | Q(stage=Stage.CANCELLATION, for_start__lte=now)
        )
        .values_list("pk", flat=True)[:1000]
    )
    if not stale:
        return 0
    # A second UPDATE on the row's own columns: a row claimed in between keeps its claim.
    return Reminder.objects.filter(OPEN, pk__in=stale).update(
        status=Reminder.Status.SKIPPED, last_error="The appointment had begun.", claim_token=None, lease_until=None
    )


def dispatch_due(
    *, now: datetime | None = None, limit: int = 500, queue: Callable[[list[int]], None] | None = None
) -> int:
    """Claim due rows (and rows whose lease ran out) and queue a send for each; returns how many it queued.

    Two dispatchers at once (two beats by mistake) claim disjoint rows: SKIP LOCKED on PostgreSQL, and on SQLite
    the IMMEDIATE transaction lets one writer in at a time.
    """
    now = now or timezone.now()
    _skip_started(now)
    with transaction.atomic():
        due = Reminder.objects.filter(
            Q(status=Reminder.Status.PENDING, send_at__lte=now) | Q(status=Reminder.Status.SENDING, lease_until__lt=now)
        ).order_by("send_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if ids:
            Reminder.objects.filter(pk__in=ids).update(
                status=Reminder.Status.SENDING,
                claim_token=None,
                lease_until=now + timedelta(seconds=settings.REMINDER_LEASE_SECONDS),
            )
            transaction.on_commit(lambda: (queue or queue_sends)(ids))
    cache_set_last_dispatch(now)
    return len(ids)


def cache_set_last_dispatch(now: datetime) -> None:
    try:
        cache.set(LAST_DISPATCH_CACHE_KEY, now.isoformat(), timeout=None)
    except Exception:  # noqa: BLE001 - the health mark is a convenience; sending must not depend on it
        log.debug("Could not record the dispatch time", exc_info=True)


def _reason_not_to_send(reminder: Reminder, now: datetime) -> tuple[str, str] | None:
    appointment = reminder.appointment
    if reminder.stage == Stage.CANCELLATION:
        if reminder.for_start <= now:
            return Reminder.Status.SKIPPED, "The appointment time had passed."
    else:
        if appointment.status not in (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED):
            return Reminder.Status.CANCELLED, f"The appointment is {appointment.get_status_display().lower()}."
        if appointment.scheduled_start != reminder.for_start:
            return Reminder.Status.CANCELLED, f"The appointment moved to {_local(appointment.scheduled_start)}."
        if appointment.scheduled_start <= now:
            return Reminder.Status.SKIPPED, "The appointment had begun."
    if reminder.channel not in allowed_channels(appointment.patient):
        return Reminder.Status.CANCELLED, _unreachable(appointment.patient, reminder.channel)
    return None


def _unreachable(patient: Patient, channel: str) -> str:
    if patient.reminders_opt_out_at:
        return "The patient opted out of reminders."
    if channel == Channel.SMS and not patient.mobile:
        return "The patient has no mobile number."
    if channel == Channel.EMAIL and not patient.email:
        return "The patient has no email address."
    return f"The patient no longer wants reminders by {channel}."


def _deliver(reminder: Reminder, message: content.Message, to: str) -> str:
    if reminder.channel == Channel.EMAIL:
        return send_email(reminder, message, to)
    return get_backend().send(to, message.text, reference=str(reminder.pk))


def _recipient(reminder: Reminder) -> str:
    patient = reminder.appointment.patient
    return patient.email if reminder.channel == Channel.EMAIL else patient.mobile.as_e164


def send_reminder(reminder_id: int, *, now: datetime | None = None) -> Reminder | None:
    """Send one pending or claimed reminder whose time has come. A second call, or one for a sent row, sends
    nothing. Transient failures go back to pending with exponential backoff (the dispatch picks them up again),
    up to REMINDER_MAX_ATTEMPTS; permanent ones fail at once."""
    now = now or timezone.now()
    try:
        reminder = Reminder.objects.select_related(
            "appointment__patient", "appointment__procedure_type", "appointment__room"
        ).get(pk=reminder_id)
    except Reminder.DoesNotExist:
        return None
    sendable = reminder.status == Reminder.Status.SENDING and reminder.claim_token is None
    sendable |= reminder.status == Reminder.Status.PENDING and reminder.send_at <= now
    if not sendable:
        return reminder
    refusal = _reason_not_to_send(reminder, now)
    if refusal:
        _close(reminder, *refusal)
        return _reloaded(reminder)
    if reminder.channel == Channel.SMS and (wait_until := quiet_until(now)):
        Reminder.objects.filter(OPEN, pk=reminder.pk).update(
            status=Reminder.Status.PENDING, send_at=wait_until, claim_token=None, lease_until=None
        )
        return _reloaded(reminder)
    try:
        message = content.render(reminder)
    except content.ContentError as exc:
        _close(reminder, Reminder.Status.FAILED, str(exc))
        return _reloaded(reminder)
    except Exception as exc:  # noqa: BLE001 - a message we cannot build would otherwise be reclaimed forever
        log.exception("Could not build reminder %s", reminder.pk)
        _close(reminder, Reminder.Status.FAILED, f"Could not build the message: {exc.__class__.__name__}: {exc}")
        return _reloaded(reminder)
    to = _recipient(reminder)
    token = uuid.uuid4()
    claimed = (
        # for_start too: a reschedule that committed since the row was read moved it, and the message is stale.
        Reminder.objects.filter(OPEN, pk=reminder.pk, for_start=reminder.for_start)
        .filter(Q(status=Reminder.Status.SENDING) | Q(send_at__lte=now))
        .update(
            status=Reminder.Status.SENDING,
            claim_token=token,
            lease_until=now + timedelta(seconds=settings.REMINDER_LEASE_SECONDS),
            attempts=F("attempts") + 1,
            subject=message.subject,
            body=message.text,
            body_html=message.html,
            recipient=to,
        )
    )
    if not claimed:
        return _reloaded(reminder)
    attempts = reminder.attempts + 1
    reminder.status, reminder.attempts, reminder.recipient = Reminder.Status.SENDING, attempts, to
    reminder.subject, reminder.body, reminder.body_html = message.subject, message.text, message.html
    try:
        provider_id = _deliver(reminder, message, to)
    except PermanentSendError as exc:
        _finish(reminder, token, status=Reminder.Status.FAILED, last_error=str(exc))
    except Exception as exc:  # noqa: BLE001 - transient, or a fault we cannot classify: retry, but not forever
        error = str(exc) if isinstance(exc, TransientSendError) else f"{exc.__class__.__name__}: {exc}"
        if attempts >= settings.REMINDER_MAX_ATTEMPTS:
            _finish(
                reminder, token, status=Reminder.Status.FAILED, last_error=f"Gave up after {attempts} attempts: {error}"
            )
        else:
            backoff = timedelta(seconds=settings.REMINDER_RETRY_BASE_SECONDS * 2 ** (attempts - 1))
            _finish(reminder, token, status=Reminder.Status.PENDING, send_at=now + backoff, last_error=error)
    else:
        _finish(
            reminder,
            token,
            status=Reminder.Status.SENT,
            sent_at=timezone.now(),
            provider_message_id=provider_id[:100],
            last_error="",
        )
    return reminder


def _finish(reminder: Reminder, token: uuid.UUID, **fields) -> None:
    """Record the attempt's outcome, only if the row is still this attempt's (its claim token unchanged)."""
    fields.update(claim_token=None, lease_until=None)
    done = Reminder.objects.filter(pk=reminder.pk, claim_token=token).update(**fields)
    if not done:
        log.error("Reminder %s changed hands while it was being sent; recorded nothing for this attempt.", reminder.pk)
        _reloaded(reminder)
        return
    for name, value in fields.items():
        setattr(reminder, name, value)


def _reloaded(reminder: Reminder) -> Reminder:
    reminder.refresh_from_db(
        fields=[
            "status",
            "send_at",
            "attempts",
            "last_error",
            "sent_at",
            "subject",
            "body",
            "body_html",
            "provider_message_id",
            "claim_token",
            "lease_until",
            "recipient",
            "for_start",
        ]
    )
    return reminder


# --- Staff actions ------------------------------------------------------------------------------------------------


def send_now(reminders: QuerySet[Reminder] | Iterable[Reminder]) -> int:
    """Staff want a pending reminder to go now rather than at its time."""
    ids = [r.pk for r in reminders]
    now = timezone.now()
    with transaction.atomic():
        pending = list(Reminder.objects.filter(pk__in=ids, status=Reminder.Status.PENDING).values_list("pk", flat=True))
        Reminder.objects.filter(pk__in=pending, status=Reminder.Status.PENDING).update(send_at=now)
        transaction.on_commit(lambda: queue_sends(pending))
    return len(pending)


def retry_failed(reminders: QuerySet[Reminder] | Iterable[Reminder]) -> int:
    """After a fault is fixed (an address corrected, the SMS account topped up), failed reminders try again."""
    ids = [r.pk for r in reminders]
    now = timezone.now()
    with transaction.atomic():
        failed = list(Reminder.objects.filter(pk__in=ids, status=Reminder.Status.FAILED).values_list("pk", flat=True))
        Reminder.objects.filter(pk__in=failed, status=Reminder.Status.FAILED).update(
            status=Reminder.Status.PENDING, send_at=now, attempts=0
        )
        transaction.on_commit(lambda: queue_sends(failed))
    return len(failed)


def preview(appointment: Appointment) -> list[dict]:
    """What each stage would say for this appointment now, without sending or saving anything."""
    now = timezone.now()
    rules = sorted(_rules(appointment), key=lambda r: (r.offset is None, -(r.offset or timedelta()).total_seconds()))
    folded = _folded_stages(appointment.scheduled_start, rules, now)
    out = []
    for rule in rules:
        stages = [rule.stage] + (folded if rule.stage in ANNOUNCING_STAGES else [])
        for channel in rule.channels:
            try:
                message = content.render_for(appointment, rule.stage, channel, appointment.scheduled_start, stages)
                error = ""
            except content.ContentError as exc:
                message, error = None, str(exc)
            out.append({"rule": rule, "channel": channel, "message": message, "error": error})
    return out
