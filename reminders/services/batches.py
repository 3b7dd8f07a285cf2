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

import functools
import logging
import time
import uuid
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ..channels import channel_for
from ..models import Reminder
from ..stages import Channel
from ..wording import faq_loaded
from .delivery import (
    Ready,
    claim_condition,
    claim_fields,
    deliver,
    finish_fields,
    finished,
    prepare,
    sendable_now,
)

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
    emails = [r for r in batch if r.channel == Channel.EMAIL]
    faq_types = (
        {r.appointment.procedure_type_id for r in emails} if settings.REMINDER_EMAIL_CONTENT == "full" else set()
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
        wanted = claim_fields(row, token, now)
        if self._done is None:
            return bool(Reminder.objects.filter(claim_condition(row, now)).update(**wanted))
        reminder, done_token, fields = self._done
        with connection.cursor() as cursor:
            cursor.execute(*_record_and_claim(reminder.pk, done_token, fields, row, now, wanted))
            changed = cursor.rowcount
        if changed == 1:
            # One of the two: ask which (rare: the finished row changed hands, or the next was moved or closed).
            claimed = Reminder.objects.filter(pk=row.reminder.pk, claim_token=token).exists()
            self._record(fields, not claimed)
            return claimed
        self._record(fields, changed == 2)
        return changed == 2

    def _record(self, fields: dict, done: bool) -> None:
        reminder = self._done[0]
        self._done = None
        finished(reminder, fields, done)
        self.sent += done and reminder.status == Reminder.Status.SENT


def _record_and_claim(
    done_pk: int, done_token: uuid.UUID, fields: dict, row: Ready, now: datetime, wanted: dict
) -> tuple[str, list]:
    """One UPDATE: `fields` on the finished row if it still holds `done_token`, and `wanted` on the next row if
    claim_condition allows. Written as SQL, as the ORM's CASE expressions cost more to build than the statement
    to run; the still-to-go condition is compiled from Reminder.STILL_TO_GO, so the rule stays in one place."""
    columns = _columns(connection.vendor)
    pk_column = columns[Reminder._meta.pk.name][1]
    sets, params = [], []
    for name in sorted({*fields, *wanted}):
        field, column = columns[name]
        whens = []
        for pk, values in ((done_pk, fields), (row.reminder.pk, wanted)):
            if name not in values:
                continue
            if name == "attempts":  # the claim counts the attempt: F("attempts") + 1
                whens.append(f"WHEN {pk_column} = %s THEN {column} + 1")
                params.append(pk)
            else:
                whens.append(f"WHEN {pk_column} = %s THEN %s")
                params += [pk, field.get_db_prep_value(values[name], connection)]
        sets.append(f"{column} = CASE {' '.join(whens)} ELSE {column} END")
    still_to_go, still_params = _still_to_go_sql(connection.vendor)
    sql = (
        f"UPDATE {connection.ops.quote_name(Reminder._meta.db_table)} SET {', '.join(sets)} "
        f"WHERE ({pk_column} = %s AND {columns['claim_token'][1]} = %s) "
        f"OR ({pk_column} = %s AND {columns['for_start'][1]} = %s AND {still_to_go} "
        f"AND ({columns['status'][1]} = %s OR {columns['send_at'][1]} <= %s))"
    )
    claim_token, moment = columns["claim_token"][0], columns["send_at"][0]
    params += [done_pk, claim_token.get_db_prep_value(done_token, connection)]
    params += [row.reminder.pk, moment.get_db_prep_value(row.reminder.for_start, connection), *still_params]
    params += [Reminder.Status.SENDING, moment.get_db_prep_value(now, connection)]
    return sql, params


@functools.cache
def _columns(vendor: str) -> dict[str, tuple]:
    """Each field of a reminder with its quoted column, looked up once per process."""
    return {f.name: (f, connection.ops.quote_name(f.column)) for f in Reminder._meta.concrete_fields}


@functools.cache
def _still_to_go_sql(vendor: str) -> tuple[str, tuple]:
    query = Reminder.objects.filter(Reminder.STILL_TO_GO).query
    sql, params = query.where.as_sql(query.get_compiler(connection=connection), connection)
    return sql, tuple(params)


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
