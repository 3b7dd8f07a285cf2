"""Celery tasks: thin, safe to run twice. Time lives in the database, so no task here takes an ETA."""

from celery import shared_task

from . import services
from .queueing import SEND_TASK


@shared_task(name="reminders.tasks.dispatch_due", ignore_result=True)
def dispatch_due() -> int:
    return services.dispatch_due()


@shared_task(name=SEND_TASK, ignore_result=True)
def send(reminder_id: int) -> str | None:
    reminder = services.send_reminder(reminder_id)
    return reminder.status if reminder else None
