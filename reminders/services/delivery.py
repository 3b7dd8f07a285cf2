"""Sending: claim due rows, send each once, retry what may work later, never send late.

The rules the field learned the hard way:
- Time lives in the row (`send_at`); a periodic dispatch claims due rows, so no ETA task sits in the broker.
- A send claims its row with a compare-and-set UPDATE on the row's own columns (still to go, same `for_start`,
  a fresh claim_token), so a cancelled or moved appointment is never reminded and two workers never send one row.
- A claimed row carries a lease that outlasts the task's hard time limit: a dead worker's row is reclaimed after
  it, a slow one is never sent again while still running.
- Transient failures back off exponentially up to REMINDER_MAX_ATTEMPTS; permanent ones fail at once; a row whose
  appointment has begun is skipped; a text due in the quiet hours waits for their end.
- A send still running at Celery's soft time limit is a transient failure too, recorded on its row; the task
  returns normally, so the pool process lives on.
- Reminder bookkeeping never writes the appointment: its status belongs to the booking services.
- Rows of a channel staff deliver by hand (`delivered_by_hand`: letters) are never claimed or sent here; staff
  record them as posted (reminders.services.letters).
- Dispatch hands its claimed rows to the workers in batches of one channel (reminders.services.batches); each row
  of a batch goes through attempt() below, so these rules are the same for a batch and for one event-stage send.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .. import queueing
from ..channels import ContentError, Draft, Message, ReminderChannel, SendError, TransientSendError, channel_for
from ..channels import hand_delivered as by_hand
from ..models import Reminder
from ..stages import Stage
from .offers import offer_still_open
from .reach import allowed_channels
from .scheduling import CLOSED_BY_STATUS, moved_to

log = logging.getLogger(__name__)

LAST_DISPATCH_CACHE_KEY = "reminders:last-dispatch"
Closed = Reminder.CloseReason
BEGUN = Closed.STARTED.label


def _skip_started(now: datetime) -> int:
    """Due rows whose appointment has begun are skipped, never sent late."""
    stale = list(
        Reminder.objects.still_to_go()
        .filter(send_at__lte=now)
        .filter(
            Q(appointment__scheduled_start__lte=now, stage__in=[s for s in Stage if s != Stage.CANCELLATION])
            | Q(stage=Stage.CANCELLATION, for_start__lte=now)
        )
        .values_list("pk", flat=True)[:1000]
    )
    if not stale:
        return 0
    # A second UPDATE on the row's own columns: a row claimed in between keeps its claim.
    return Reminder.objects.still_to_go().filter(pk__in=stale).close(Reminder.Status.SKIPPED, Closed.STARTED)


def dispatch_due(
    *, now: datetime | None = None, limit: int = 500, queue: Callable[[list[int]], None] | None = None
) -> int:
    """Claim due rows (and rows whose lease ran out) and queue them; returns how many it queued.

    `queue` takes the claimed ids once the claim commits; by default they go to the workers in batches of up to
    REMINDER_BATCH_SIZE rows of one channel (reminders.services.batches sends them). Two dispatchers at once (two
    beats by mistake) claim disjoint rows: SKIP LOCKED on PostgreSQL, and on SQLite the IMMEDIATE transaction lets
    one writer in at a time.
    """
    now = now or timezone.now()
    _skip_started(now)
    with transaction.atomic():
        due = Reminder.objects.filter(
            Q(status=Reminder.Status.PENDING, send_at__lte=now) | Q(status=Reminder.Status.SENDING, lease_until__lt=now)
        ).exclude(channel__in=by_hand())  # staff deliver these (letters): no worker claims one
        due = due.order_by("send_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due.values_list("pk", "channel")[:limit])
        ids = [pk for pk, _ in rows]
        if ids:
            Reminder.objects.filter(pk__in=ids).update(
                status=Reminder.Status.SENDING,
                claim_token=None,
                lease_until=now + timedelta(seconds=settings.REMINDER_LEASE_SECONDS),
            )
            if queue is not None:
                transaction.on_commit(lambda: queue(ids))
            else:
                batches = queueing.batches_by_channel(rows)
                transaction.on_commit(lambda: queueing.queue_batches(batches))
    cache_set_last_dispatch(now)
    return len(ids)


def cache_set_last_dispatch(now: datetime) -> None:
    """Mark the dispatch for /healthz."""
    try:
        cache.set(LAST_DISPATCH_CACHE_KEY, now.isoformat(), timeout=None)
    except Exception:  # noqa: BLE001 - the health mark is a convenience; sending must not depend on it
        log.debug("Could not record the dispatch time", exc_info=True)


def _reason_not_to_send(reminder: Reminder, now: datetime) -> tuple[str, str, str] | None:
    """(status, close reason, staff's words) for a row that must not go now; None for one that may."""
    appointment = reminder.appointment
    if reminder.stage == Stage.SLOT_OFFER and not offer_still_open(reminder, now):
        return Reminder.Status.CANCELLED, Closed.OFFER_CLOSED, Closed.OFFER_CLOSED.label
    if reminder.stage == Stage.CANCELLATION:
        if reminder.for_start <= now:
            return Reminder.Status.SKIPPED, Closed.STARTED, "The appointment time had passed."
    else:
        if not appointment.has_upcoming_status:
            words = f"The appointment is {appointment.get_status_display().lower()}."
            return Reminder.Status.CANCELLED, CLOSED_BY_STATUS[appointment.status], words
        if appointment.scheduled_start != reminder.for_start:
            return Reminder.Status.CANCELLED, Closed.MOVED, moved_to(appointment.scheduled_start)
        if appointment.scheduled_start <= now:
            return Reminder.Status.SKIPPED, Closed.STARTED, BEGUN
    patient = appointment.patient
    if reminder.channel not in allowed_channels(reminder, now):
        code = Closed.OPTED_OUT if patient.reminders_opt_out_at else Closed.UNREACHABLE
        return Reminder.Status.CANCELLED, code, patient.why_unreachable(reminder.channel)
    return None


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
    if not sendable_now(reminder, now):
        return reminder
    attempt(reminder, now)
    return reminder


def sendable_now(reminder: Reminder, now: datetime) -> bool:
    """Claimed by dispatch and not yet by a sender, or pending and due; never a row staff deliver by hand."""
    if channel_for(reminder.channel).delivered_by_hand:
        return False
    if reminder.status == Reminder.Status.SENDING:
        return reminder.claim_token is None
    return reminder.status == Reminder.Status.PENDING and reminder.send_at <= now


@dataclass
class Ready:
    """A row that passed the checks, with its message built and its recipient: next, its claim."""

    reminder: Reminder
    channel: ReminderChannel
    message: Message
    to: str


def attempt(reminder: Reminder, now: datetime, *, reload: bool = True) -> bool:
    """Send a loaded, sendable row once, under the safety rules: refuse it with a reason, hold a text for the end of
    the quiet hours, or claim it by compare-and-set and record the outcome by its claim token. Returns whether
    Celery's soft time limit went off (recorded on the row); `reload` refreshes the row after a refusal."""
    ready, over_time = prepare(reminder, now, reload=reload)
    if ready is None:
        return over_time
    token = uuid.uuid4()
    if not claim(ready, token, now)[0]:
        _done(reminder, reload)
        return False
    # The channel's session (an email's SMTP connection) closes after the outcome is recorded: a soft time limit
    # going off in the goodbye to a mail server that already took the message cannot make it look unsent.
    with ready.channel.session():
        outcome, over_time = deliver(ready, token, now)
        return _record(reminder, token, outcome) or over_time


def _record(reminder: Reminder, token: uuid.UUID, outcome: dict) -> bool:
    """Record a delivery's outcome even if the soft time limit goes off while it is written: a message that went
    but was not recorded would go again after its lease. The limit goes off once, so the second write finishes
    (the hard limit is further off). Returns whether the limit went off."""
    try:
        _finish(reminder, token, **outcome)
        return False
    except SoftTimeLimitExceeded:
        fields = finish_fields(outcome)
        # Guarded by the claim token, as the first write was: nothing happens if that one had landed.
        Reminder.objects.filter(pk=reminder.pk, claim_token=token).update(**fields)
        for name, value in fields.items():
            setattr(reminder, name, value)
        return True


def prepare(reminder: Reminder, now: datetime, *, reload: bool = True) -> tuple[Ready | None, bool]:
    """The checks and the message, before any claim: a row refused (closed saying why), held for the quiet hours,
    or whose message cannot be built gives None, and whether the soft time limit went off while building it."""
    refusal = _reason_not_to_send(reminder, now)
    if refusal:
        _close(reminder, *refusal)
        _done(reminder, reload)
        return None, False
    channel = channel_for(reminder.channel)
    if (wait_until := channel.earliest_send(now)) > now:
        Reminder.objects.still_to_go().filter(pk=reminder.pk).update(
            status=Reminder.Status.PENDING, send_at=wait_until, claim_token=None, lease_until=None
        )
        _done(reminder, reload)
        return None, False
    try:
        message = channel.render(Draft.of(reminder))
    except SoftTimeLimitExceeded:
        # Not the message's fault: give the row back to the dispatch, to be tried again after the usual wait.
        Reminder.objects.still_to_go().filter(pk=reminder.pk).update(
            status=Reminder.Status.PENDING,
            send_at=now + timedelta(seconds=settings.REMINDER_RETRY_BASE_SECONDS),
            claim_token=None,
            lease_until=None,
            last_error=_over_time(),
        )
        _done(reminder, reload)
        return None, True
    except ContentError as exc:
        _close(reminder, Reminder.Status.FAILED, Closed.UNBUILDABLE, str(exc))
        _done(reminder, reload)
        return None, False
    except Exception as exc:  # noqa: BLE001 - a message we cannot build would otherwise be reclaimed forever
        log.exception("Could not build reminder %s", reminder.pk)
        words = f"Could not build the message: {exc.__class__.__name__}: {exc}"
        _close(reminder, Reminder.Status.FAILED, Closed.UNBUILDABLE, words)
        _done(reminder, reload)
        return None, False
    return Ready(reminder, channel, message, channel.address(reminder.appointment.patient)), False


# A batch's previous row, whose outcome the next claim records: its id, its claim token, the fields to write.
Recording = tuple[int, uuid.UUID, dict]


def claim(ready: Ready, token: uuid.UUID, now: datetime, *, recording: Recording | None = None) -> tuple[bool, bool]:
    """Claim the row by compare-and-set: only while it is still to go, due or claimed by dispatch, and for the same
    time (a reschedule that committed since the row was read moved it, and the message is stale). The claim holds
    the row for a lease and keeps the message about to be sent. With `recording`, the same UPDATE writes a batch's
    previous outcome, guarded by that row's own claim token: one statement a reminder. Returns whether the row was
    claimed and whether the recording was written."""
    with connection.cursor() as cursor:
        cursor.execute(*_claim_statement(ready, token, now, recording))
        changed = cursor.rowcount
    if recording is None:
        return changed == 1, False
    if changed == 1:
        # One of the two: ask which (rare: the previous row changed hands, or this one was moved or closed).
        claimed = Reminder.objects.filter(pk=ready.reminder.pk, claim_token=token).exists()
        return claimed, not claimed
    return changed == 2, changed == 2


def _claim_statement(ready: Ready, token: uuid.UUID, now: datetime, recording: Recording | None) -> tuple[str, list]:
    """The claim as SQL: building the ORM's CASE expressions cost more than running the statement. The still-to-go
    condition is compiled from Reminder.STILL_TO_GO, so that rule keeps its one home."""
    columns = _columns(connection.vendor)
    pk, attempts = columns[Reminder._meta.pk.name][1], columns["attempts"][1]
    claimed = ready.reminder.pk
    claiming = {
        "status": Reminder.Status.SENDING,
        "claim_token": token,
        "lease_until": now + timedelta(seconds=settings.REMINDER_LEASE_SECONDS),
        "subject": ready.message.subject,
        "body": ready.message.text,
        "body_html": ready.message.html,
        "recipient": ready.to,
    }
    rows = [(claimed, claiming)] + ([(recording[0], recording[2])] if recording else [])
    sets, params = [f"{attempts} = CASE WHEN {pk} = %s THEN {attempts} + 1 ELSE {attempts} END"], [claimed]
    for name in sorted({name for _, values in rows for name in values}):
        field, column = columns[name]
        whens = []
        for row_pk, values in rows:
            if name in values:
                whens.append(f"WHEN {pk} = %s THEN %s")
                params += [row_pk, field.get_db_prep_value(values[name], connection)]
        sets.append(f"{column} = CASE {' '.join(whens)} ELSE {column} END")
    still_to_go, still_params = _still_to_go_sql(connection.vendor)
    moment = columns["send_at"][0]
    where = (
        f"({pk} = %s AND {columns['for_start'][1]} = %s AND {still_to_go} "
        f"AND ({columns['status'][1]} = %s OR {columns['send_at'][1]} <= %s))"
    )
    params += [claimed, moment.get_db_prep_value(ready.reminder.for_start, connection), *still_params]
    params += [Reminder.Status.SENDING, moment.get_db_prep_value(now, connection)]
    if recording:
        where += f" OR ({pk} = %s AND {columns['claim_token'][1]} = %s)"
        params += [recording[0], columns["claim_token"][0].get_db_prep_value(recording[1], connection)]
    table = connection.ops.quote_name(Reminder._meta.db_table)
    return f"UPDATE {table} SET {', '.join(sets)} WHERE {where}", params


@functools.cache
def _columns(vendor: str) -> dict[str, tuple]:
    """Each field of a reminder with its quoted column, looked up once per process (and database vendor)."""
    return {f.name: (f, connection.ops.quote_name(f.column)) for f in Reminder._meta.concrete_fields}


@functools.cache
def _still_to_go_sql(vendor: str) -> tuple[str, tuple]:
    query = Reminder.objects.filter(Reminder.STILL_TO_GO).query
    sql, params = query.where.as_sql(query.get_compiler(connection=connection), connection)
    return sql, tuple(params)


def deliver(ready: Ready, token: uuid.UUID, now: datetime) -> tuple[dict, bool]:
    """Send a claimed row's message; returns the outcome to record by the claim token (see _finish) and whether
    the soft time limit went off inside the send."""
    reminder, attempts = ready.reminder, ready.reminder.attempts + 1
    reminder.status, reminder.attempts, reminder.recipient = Reminder.Status.SENDING, attempts, ready.to
    reminder.subject, reminder.body, reminder.body_html = ready.message.subject, ready.message.text, ready.message.html
    try:
        provider_id = ready.channel.deliver(reminder, ready.message, ready.to)
    except SoftTimeLimitExceeded:
        # Celery's soft time limit, raised inside a send that hung: a transient failure like a timeout, recorded
        # so that the task returns normally and the pool process carries on.
        return _failure(TransientSendError(_over_time()), attempts, now), True
    except Exception as exc:  # noqa: BLE001 - transient, or a fault we cannot classify: retry, but not forever
        return _failure(exc, attempts, now), False
    return {
        "status": Reminder.Status.SENT,
        "sent_at": timezone.now(),
        "provider_message_id": provider_id[:100],
        "last_error": "",
    }, False


def _failure(exc: Exception, attempts: int, now: datetime) -> dict:
    """Permanent: failed at once. Otherwise back to pending after a doubling wait, until the attempts run out."""
    if isinstance(exc, SendError) and exc.permanent:
        return {"status": Reminder.Status.FAILED, "close_reason": Closed.REFUSED, "last_error": str(exc)}
    error = str(exc) if isinstance(exc, SendError) else f"{exc.__class__.__name__}: {exc}"
    if attempts >= settings.REMINDER_MAX_ATTEMPTS:
        words = f"Gave up after {attempts} attempts: {error}"
        return {"status": Reminder.Status.FAILED, "close_reason": Closed.GAVE_UP, "last_error": words}
    backoff = timedelta(seconds=settings.REMINDER_RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    return {"status": Reminder.Status.PENDING, "send_at": now + backoff, "last_error": error}


def _over_time() -> str:
    return f"The send took longer than the task's soft time limit ({settings.CELERY_TASK_SOFT_TIME_LIMIT:g} s)."


def _close(reminder: Reminder, status: str, code: str, reason: str) -> None:
    Reminder.objects.still_to_go().filter(pk=reminder.pk).close(status, code, reason)


def _finish(reminder: Reminder, token: uuid.UUID, **fields) -> None:
    """Record the attempt's outcome, only if the row is still this attempt's (its claim token unchanged)."""
    fields = finish_fields(fields)
    finished(reminder, fields, Reminder.objects.filter(pk=reminder.pk, claim_token=token).update(**fields))


def finish_fields(outcome: dict) -> dict:
    """An outcome as written: the claim and its lease dropped with it."""
    return {**outcome, "claim_token": None, "lease_until": None}


def finished(reminder: Reminder, fields: dict, done: bool) -> None:
    """Keep the loaded row in step with what was recorded, or say that nothing was (the row changed hands)."""
    if not done:
        log.error("Reminder %s changed hands while it was being sent; recorded nothing for this attempt.", reminder.pk)
        _reloaded(reminder)
        return
    for name, value in fields.items():
        setattr(reminder, name, value)


def _done(reminder: Reminder, reload: bool) -> Reminder:
    return _reloaded(reminder) if reload else reminder


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
            "close_reason",
        ]
    )
    return reminder
