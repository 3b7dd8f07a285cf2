"""What staff may do to reminders by hand: bring one forward, try failed ones again, preview every stage."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from procedures.models import Appointment

from .. import queueing
from ..channels import ContentError, Draft, channel_for
from ..models import Reminder
from ..stages import ANNOUNCING_STAGES, Stage
from .scheduling import active_rules, folded_stages


def send_now(reminders: QuerySet[Reminder] | Iterable[Reminder]) -> int:
    """Staff want a pending reminder to go now rather than at its time."""
    ids = [r.pk for r in reminders]
    now = timezone.now()
    with transaction.atomic():
        pending = list(Reminder.objects.filter(pk__in=ids, status=Reminder.Status.PENDING).values_list("pk", flat=True))
        Reminder.objects.filter(pk__in=pending, status=Reminder.Status.PENDING).update(send_at=now)
        transaction.on_commit(lambda: queueing.queue_sends(pending))
    return len(pending)


def retry_failed(reminders: QuerySet[Reminder] | Iterable[Reminder]) -> int:
    """After a fault is fixed (an address corrected, the SMS account topped up), failed reminders try again."""
    ids = [r.pk for r in reminders]
    now = timezone.now()
    with transaction.atomic():
        failed = list(Reminder.objects.filter(pk__in=ids, status=Reminder.Status.FAILED).values_list("pk", flat=True))
        Reminder.objects.filter(pk__in=failed, status=Reminder.Status.FAILED).update(
            status=Reminder.Status.PENDING, send_at=now, attempts=0, close_reason=""
        )
        transaction.on_commit(lambda: queueing.queue_sends(failed))
    return len(failed)


def preview(appointment: Appointment) -> list[dict]:
    """What each stage would say for this appointment now, without sending or saving anything."""
    now = timezone.now()
    rules = sorted(active_rules(appointment), key=lambda r: (r.lead is None, -(r.lead or timedelta()).total_seconds()))
    folded = folded_stages(appointment.scheduled_start, rules, now)
    # A reschedule notice names the time it moved from: the last move's, where the appointment has moved.
    last_move = (
        appointment.reminders.filter(stage=Stage.RESCHEDULED, previous_start__isnull=False)
        .order_by("-created_at", "-pk")
        .values_list("previous_start", flat=True)
        .first()
    )
    out = []
    for rule in rules:
        stages = [rule.stage] + (folded if rule.stage in ANNOUNCING_STAGES else [])
        draft = Draft(
            appointment=appointment,
            stage=rule.stage,
            for_start=appointment.scheduled_start,
            content_stages=tuple(stages),
            previous_start=last_move if rule.stage == Stage.RESCHEDULED else None,
        )
        for slug in rule.channels:
            channel = channel_for(slug)
            try:
                message, error = channel.render(draft), ""
            except ContentError as exc:
                message, error = None, str(exc)
            note = channel.preview_note(message) if message else ""
            out.append(
                {
                    "rule": rule,
                    "channel": slug,
                    "label": channel.label,
                    "message": message,
                    "error": error,
                    "note": note,
                }
            )
    return out
