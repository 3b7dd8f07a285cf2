"""Celery tasks of the clinic's side: thin, safe to run twice."""

from celery import shared_task

from . import services


@shared_task(name="procedures.tasks.waitlist_rounds", ignore_result=True)
def waitlist_rounds() -> int:
    """The waiting list's sweep: expired offers pass on to the next patients (procedures.services.waitlist)."""
    return services.run_rounds()
