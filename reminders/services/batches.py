"""Sending a batch: the rows dispatch claimed together, of one channel, sent by one task.

The batch is loaded with its appointments, patients, procedure types and rooms in one query, and the FAQ of its
procedure types in one more (emails only; loaded per batch, so a staff edit reaches the next batch). Each row is
then sent exactly as send_reminder sends one (delivery.attempt: the refusals, the quiet hours, the compare-and-set
claim with `for_start` and still-to-go checks, the outcome recorded by claim token), as it goes, over one SMTP
connection or one SMS backend for the whole batch.

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
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from ..channels import channel_for
from ..models import Reminder
from ..stages import Channel
from ..wording import faq_loaded
from .delivery import attempt, sendable_now

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
    batch = [rows[pk] for pk in reminder_ids if pk in rows]
    sent = 0
    emails = [r for r in batch if r.channel == Channel.EMAIL]
    faq_types = (
        {r.appointment.procedure_type_id for r in emails} if settings.REMINDER_EMAIL_CONTENT == "full" else set()
    )
    with faq_loaded(faq_types):
        for channel_name in dict.fromkeys(r.channel for r in batch):
            of_channel = [r for r in batch if r.channel == channel_name]
            with channel_for(channel_name).session():
                for position, reminder in enumerate(of_channel):
                    if sent and time.monotonic() - started >= budget:
                        # Leave a whole send's time before the soft time limit: a send it cut short might have
                        # reached the patient and be sent again.
                        _hand_back([r.pk for r in of_channel[position:]] + _after(batch, channel_name))
                        return sent
                    moment = now or timezone.now()
                    if not sendable_now(reminder, moment):
                        continue
                    over_time = attempt(reminder, moment, reload=False)
                    sent += reminder.status == Reminder.Status.SENT
                    if over_time:
                        _hand_back([r.pk for r in of_channel[position + 1 :]] + _after(batch, channel_name))
                        return sent
    return sent


def time_budget() -> float:
    """Seconds a batch may spend before it stops taking new rows: the soft time limit less the longest send timeout,
    and at least half the soft time limit."""
    soft = settings.CELERY_TASK_SOFT_TIME_LIMIT
    return max(soft - max(settings.EMAIL_TIMEOUT, settings.SMS_HTTP_TIMEOUT), soft / 2)


def _after(batch: list[Reminder], channel_name: str) -> list[int]:
    """The rows of the channels after `channel_name` in the batch (a batch from dispatch has one channel)."""
    names = list(dict.fromkeys(r.channel for r in batch))
    later = set(names[names.index(channel_name) + 1 :])
    return [r.pk for r in batch if r.channel in later]


def _hand_back(reminder_ids: list[int]) -> None:
    """Rows this batch has not tried go back to pending for the next dispatch: only those still as dispatch claimed
    them (a row a sender took, or a booking change moved, is left alone)."""
    if reminder_ids:
        given = Reminder.objects.filter(
            pk__in=reminder_ids, status=Reminder.Status.SENDING, claim_token__isnull=True
        ).update(status=Reminder.Status.PENDING, lease_until=None)
        log.warning("A batch out of time handed %d untried reminder(s) back to the dispatch.", given)
