"""Sending a batch: the rows dispatch claimed together, of one channel, sent by one task.

The batch is loaded with its appointments, patients, procedure types and rooms in one query, and the FAQ of its
procedure types in one more (for channels that carry it; loaded per batch, so a staff edit reaches the next batch).
Each row is then sent exactly as send_reminder sends one (delivery.attempt: the refusals, the quiet hours, the
compare-and-set claim with `for_start` and still-to-go checks, the outcome recorded by claim token), as it goes, over
one SMTP connection or one SMS backend for the whole batch.

A batch cut short (the worker killed, the broker restarted, anything raised out of a send) leaves its unsent rows as
dispatch claimed them: they come back after their lease, and the claim token keeps any row from being sent twice.
A batch stops taking new rows once it has run for time_budget() (the soft time limit less a send's timeout), so
its last send finishes before the soft limit; the rows not yet tried go back to pending for the next dispatch. If
the soft limit still goes off inside a send, that row is recorded as a transient failure, as send_reminder does,
and the untried rows are handed back the same way, before the hard limit kills the process.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from ..channels import channel_for
from ..models import Reminder
from ..wording import faq_loaded
from .delivery import Ready, claim, deliver, finish_fields, finished, prepare, sendable_now

log = logging.getLogger(__name__)


def send_batch(reminder_ids: list[int], *, now: datetime | None = None) -> int:
    """Send the batch's rows that may go (the others are left as they are, or closed saying why); returns how many
    were sent."""
    started, budget = time.monotonic(), time_budget()
    rows = {
        reminder.pk: reminder
        for reminder in Reminder.objects.select_related(
            "appointment__patient", "appointment__procedure_type", "appointment__room"
        ).filter(pk__in=reminder_ids)
    }
    batch = [rows[pk] for pk in dict.fromkeys(reminder_ids) if pk in rows]
    with_faq = [r for r in batch if channel_for(r.channel).carries_faq]
    faq_types = (
        {r.appointment.procedure_type_id for r in with_faq} if settings.REMINDER_EMAIL_CONTENT == "full" else set()
    )
    chain = _Chain()
    channels = list(dict.fromkeys(r.channel for r in batch))
    with faq_loaded(faq_types):
        for number, channel_name in enumerate(channels):
            of_channel = [r for r in batch if r.channel == channel_name]
            later = [r.pk for r in batch if r.channel in channels[number + 1 :]]
            ready, over_time = _prepared(of_channel, now)
            if over_time:
                _hand_back([r.pk for r in of_channel] + later)
                return chain.sent
            with channel_for(channel_name).session():
                for position, row in enumerate(ready):
                    if chain.tried and time.monotonic() - started >= budget:
                        # Leave a whole send's time before the soft time limit: a send it cut short might have
                        # reached the patient and be sent again.
                        chain.flush()
                        _hand_back([r.reminder.pk for r in ready[position:]] + later)
                        return chain.sent
                    if chain.send(row, now or timezone.now()):
                        chain.flush()
                        _hand_back([r.reminder.pk for r in ready[position + 1 :]] + later)
                        return chain.sent
                chain.flush()
    return chain.sent


def _prepared(rows: list[Reminder], now: datetime | None) -> tuple[list[Ready], bool]:
    """The rows that may go, with their messages built before the first send, so that nothing but the send lies
    between one row's claim and its outcome; the others are closed or held saying why, each by its own UPDATE."""
    ready: list[Ready] = []
    for reminder in rows:
        moment = now or timezone.now()
        if not sendable_now(reminder, moment):
            continue
        row, over_time = prepare(reminder, moment, reload=False)
        if over_time:
            return ready, True
        if row is not None:
            ready.append(row)
    return ready, False


class _Chain:
    """Each row's outcome is written by the same UPDATE that claims the next row: one statement a reminder.

    Both halves keep their own compare-and-set (the outcome by the finished row's claim token, the claim on the
    next row's still-to-go state and time), so the pair is exactly the two UPDATEs a single send makes, in one
    round trip and one commit. A row's outcome waits for nothing but the claim of the next: no rendering, no
    send, so a crash between a send and its record is no more likely than for a single send."""

    def __init__(self) -> None:
        self.sent = self.tried = 0
        self._done: tuple[Reminder, uuid.UUID, dict] | None = None

    def send(self, row: Ready, now: datetime) -> bool:
        """Claim `row` (recording the previous outcome with it) and send it; returns whether the soft time limit
        went off inside the send."""
        token = uuid.uuid4()
        if not self._claim(row, token, now):
            return False
        self.tried += 1
        outcome, over_time = deliver(row, token, now)
        self._done = (row.reminder, token, finish_fields(outcome))
        return over_time

    def flush(self) -> None:
        """Record the last outcome on its own."""
        if self._done is not None:
            reminder, token, fields = self._done
            self._record(fields, Reminder.objects.filter(pk=reminder.pk, claim_token=token).update(**fields))

    def _claim(self, row: Ready, token: uuid.UUID, now: datetime) -> bool:
        if self._done is None:
            return claim(row, token, now)[0]
        reminder, done_token, fields = self._done
        claimed, recorded = claim(row, token, now, recording=(reminder.pk, done_token, fields))
        self._record(fields, recorded)
        return claimed

    def _record(self, fields: dict, done: bool) -> None:
        reminder = self._done[0]
        self._done = None
        finished(reminder, fields, done)
        self.sent += done and reminder.status == Reminder.Status.SENT


def time_budget() -> float:
    """Seconds a batch may spend before it stops taking new rows: the soft time limit less the longest send timeout,
    and at least half the soft time limit."""
    soft = settings.CELERY_TASK_SOFT_TIME_LIMIT
    return max(soft - max(settings.EMAIL_TIMEOUT, settings.SMS_HTTP_TIMEOUT), soft / 2)


def _hand_back(reminder_ids: list[int]) -> None:
    """Rows this batch has not tried go back to pending for the next dispatch: only those still as dispatch claimed
    them (a row a sender took, or a booking change moved, is left alone)."""
    if reminder_ids:
        given = Reminder.objects.filter(
            pk__in=reminder_ids, status=Reminder.Status.SENDING, claim_token__isnull=True
        ).update(status=Reminder.Status.PENDING, lease_until=None)
        log.warning("A batch out of time handed %d untried reminder(s) back to the dispatch.", given)
