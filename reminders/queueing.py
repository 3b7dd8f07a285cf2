"""Handing reminder sends to the Celery workers, by task name: services publish here without importing the tasks
(which import the services), and the broker being away never fails the booking that queued them."""

from __future__ import annotations

import logging

from prepapp.celery import app

log = logging.getLogger(__name__)

SEND_TASK = "reminders.tasks.send"
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
