"""Reads of the reminder outbox for those who watch it (the /metrics figures, prepapp.observability.metrics).

The figures come from the rows themselves, so every web process answers the same whichever one is asked, and a
send made by any Celery worker counts the moment it is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q

from .channels import channels, hand_delivered
from .models import Reminder

# Due: its time has come and it has not gone yet, whether still pending or claimed by dispatch or a worker.
NOT_YET_GONE = (Reminder.Status.PENDING, Reminder.Status.SENDING)


@dataclass(frozen=True)
class ChannelFigures:
    """One channel's outbox at one moment. `by_hand`: staff deliver its rows (letters), no worker sends them."""

    channel: str
    by_hand: bool
    due: int = 0
    overdue: int = 0
    oldest_due: datetime | None = None
    sent: int = 0
    failed: int = 0


def outbox_figures(*, now: datetime, overdue_after: timedelta) -> list[ChannelFigures]:
    """Per channel: the rows due now, those due for longer than `overdue_after`, the oldest due row's time, and the
    rows ever sent and failed. Every registered channel is there, with zeros when it has no rows. Two queries: the
    due rows through the `reminder_due` index (status, send_at), and the finished ones counted by channel."""
    due = (
        Reminder.objects.filter(status__in=NOT_YET_GONE, send_at__lte=now)
        .values("channel")
        .annotate(
            due=Count("pk"), overdue=Count("pk", filter=Q(send_at__lte=now - overdue_after)), oldest=Min("send_at")
        )
    )
    finished = (
        Reminder.objects.filter(status__in=(Reminder.Status.SENT, Reminder.Status.FAILED))
        .values("channel", "status")
        .annotate(rows=Count("pk"))
    )
    figures: dict[str, dict] = {slug: {} for slug in channels()}
    for row in due:
        figures.setdefault(row["channel"], {}).update(due=row["due"], overdue=row["overdue"], oldest_due=row["oldest"])
    for row in finished:
        figures.setdefault(row["channel"], {})[row["status"]] = row["rows"]
    by_hand = set(hand_delivered())
    return [ChannelFigures(channel=slug, by_hand=slug in by_hand, **values) for slug, values in figures.items()]
