"""Handing reminder sends to the Celery workers, by task name: services publish here without importing the tasks
(which import the services), and the broker being away never fails the booking that queued them."""

from __future__ import annotations

import logging

from django.conf import settings

from prepapp.celery import app

log = logging.getLogger(__name__)

SEND_TASK = "reminders.tasks.send"
SEND_BATCH_TASK = "reminders.tasks.send_batch"
# Rows per batch task (REMINDER_BATCH_SIZE overrides): one SMTP connection or HTTP session carries them all, and a
# batch stays far inside the task's time limit even at the send timeouts' worst.
BATCH_SIZE = 50
# Two quick retries: enough for a broker connection that blinked, short enough not to hold a booking's commit.
RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


def queue_sends(ids: list[int]) -> None:
    """Hand claimed or due rows to the workers. If the broker is down they wait in the database for dispatch."""
    if not ids:
        return
    try:
        with app.producer_or_acquire() as producer:
            for reminder_id in ids:
                app.send_task(
                    SEND_TASK,
                    args=(reminder_id,),
                    producer=producer,
                    ignore_result=True,
                    retry=True,
                    retry_policy=RETRY_POLICY,
                )
    except Exception:  # noqa: BLE001 - the broker being away must never fail a booking
        log.warning(
            "Could not queue %d reminder(s); dispatch will pick them up after their lease.", len(ids), exc_info=True
        )


def batches_by_channel(rows: list[tuple[int, str]]) -> list[list[int]]:
    """(id, channel) pairs, in their order, as batches of up to REMINDER_BATCH_SIZE ids of one channel each."""
    size = max(1, getattr(settings, "REMINDER_BATCH_SIZE", BATCH_SIZE))
    by_channel: dict[str, list[int]] = {}
    for reminder_id, channel in rows:
        by_channel.setdefault(channel, []).append(reminder_id)
    return [ids[i : i + size] for ids in by_channel.values() for i in range(0, len(ids), size)]


def queue_batches(batches: list[list[int]]) -> None:
    """Hand claimed rows to the workers, one task per batch. If the broker is down they wait for their lease."""
    batches = [batch for batch in batches if batch]
    if not batches:
        return
    try:
        with app.producer_or_acquire() as producer:
            for batch in batches:
                app.send_task(
                    SEND_BATCH_TASK,
                    args=(batch,),
                    producer=producer,
                    ignore_result=True,
                    retry=True,
                    retry_policy=RETRY_POLICY,
                    # The worker's own limits, never this process's: REMINDER_LEASE_SECONDS is checked against them.
                    time_limit=None,
                    soft_time_limit=None,
                )
    except Exception:  # noqa: BLE001 - a dispatch must not fail because the broker blinked
        log.warning(
            "Could not queue %d batch(es) of reminders; dispatch will pick them up after their lease.",
            len(batches),
            exc_info=True,
        )
