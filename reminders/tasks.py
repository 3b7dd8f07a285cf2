"""Celery tasks: thin, safe to run twice. Time lives in the database, so no task here takes an ETA."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import services
from .queueing import SEND_BATCH_TASK, SEND_TASK

log = logging.getLogger(__name__)


@shared_task(name="reminders.tasks.dispatch_due", ignore_result=True)
def dispatch_due() -> int:
    return services.dispatch_due()


@shared_task(name=SEND_TASK, ignore_result=True)
def send(reminder_id: int) -> str | None:
    """Send one reminder. The soft time limit is never raised out of here: send_reminder records it on the row as a
    transient failure; hit anywhere else (reading the row, recording the outcome), the row's lease brings it back."""
    try:
        reminder = services.send_reminder(reminder_id)
    except SoftTimeLimitExceeded:
        log.warning("Reminder %s: the soft time limit was reached; its lease will bring it back.", reminder_id)
        return None
    return reminder.status if reminder else None


@shared_task(name=SEND_BATCH_TASK, ignore_result=True)
def send_batch(reminder_ids: list[int]) -> int | None:
    """Send a batch dispatch claimed. As for `send`, the soft time limit is never raised out of here: inside a send
    it is recorded on the row and the untried rows go back to the dispatch; anywhere else their lease brings them
    back."""
    try:
        return services.send_batch(reminder_ids)
    except SoftTimeLimitExceeded:
        log.warning(
            "A batch of %d reminders reached the soft time limit; their leases will bring them back.", len(reminder_ids)
        )
        return None
