"""Handing reminder sends to the Celery workers, by task name: services publish here without importing the tasks
(which import the services), and the broker being away never fails the booking that queued them."""

from __future__ import annotations

import logging

from django.conf import settings

from prepapp.celery import app

log = logging.getLogger(__name__)

SEND_TASK = "reminders.tasks.send"
SEND_BATCH_TASK = "reminders.tasks.send_batch"
# Two quick retries: enough for a broker connection that blinked, short enough not to hold a booking's commit.
RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


def _publish(task: str, arguments: list, what: str, **options) -> None:
    """One task per item of `arguments`, over one producer. The broker being away must never fail the booking or
    the dispatch that queued them: the rows wait in the database and dispatch picks them up after their lease."""
    if not arguments:
        return
    try:
        with app.producer_or_acquire() as producer:
            for argument in arguments:
                app.send_task(
                    task,
                    args=(argument,),
                    producer=producer,
                    ignore_result=True,
                    retry=True,
                    retry_policy=RETRY_POLICY,
                    **options,
                )
    except Exception:  # noqa: BLE001 - see above
        log.warning(
            "Could not queue %d %s; dispatch will pick them up after their lease.", len(arguments), what, exc_info=True
        )


def queue_sends(ids: list[int]) -> None:
    """Hand claimed or due rows to the workers, one task each (event notices go at once this way)."""
    _publish(SEND_TASK, list(ids), "reminder(s)")


def batches_by_channel(rows: list[tuple[int, str]]) -> list[list[int]]:
    """(id, channel) pairs, in their order, as batches of up to REMINDER_BATCH_SIZE ids of one channel each: one
    SMTP connection or HTTP session carries a batch."""
    size = max(1, settings.REMINDER_BATCH_SIZE)
    by_channel: dict[str, list[int]] = {}
    for reminder_id, channel in rows:
        by_channel.setdefault(channel, []).append(reminder_id)
    return [ids[i : i + size] for ids in by_channel.values() for i in range(0, len(ids), size)]


def queue_batches(batches: list[list[int]]) -> None:
    """Hand claimed rows to the workers, one task per batch."""
    # The worker's own time limits, never this process's: REMINDER_LEASE_SECONDS is checked against them.
    _publish(
        SEND_BATCH_TASK, [b for b in batches if b], "batch(es) of reminders", time_limit=None, soft_time_limit=None
    )
