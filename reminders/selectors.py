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


# How far back a row's time (send_at) may lie for it to count among those gone in the last window: the bound that
# keeps the query on the `reminder_due` index. A row goes within minutes of its time; a letter within days.
LOOKBACK = timedelta(days=7)


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


def outbox_figures(*, now: datetime, overdue_after: timedelta, window: timedelta) -> list[ChannelFigures]:
    """Per channel: the rows due now, those due for longer than `overdue_after`, the oldest due row's time, and the
    rows sent and failed in the last `window` (sent: by `sent_at`; failed: by `send_at`, the time of the attempt that
    failed). Every registered channel is there, with zeros when it has no rows.

    Two queries, both on the `reminder_due` index (status, send_at), so their cost follows the rows of the last days,
    not the outbox's whole history: counting every row ever sent took a second a scrape over a million rows."""
    due = (
        Reminder.objects.filter(status__in=NOT_YET_GONE, send_at__lte=now)
        .values("channel")
        .annotate(
            due=Count("pk"), overdue=Count("pk", filter=Q(send_at__lte=now - overdue_after)), oldest=Min("send_at")
        )
    )
    gone = (
        Reminder.objects.filter(status__in=(Reminder.Status.SENT, Reminder.Status.FAILED), send_at__gte=now - LOOKBACK)
        .filter(
            Q(status=Reminder.Status.SENT, sent_at__gt=now - window)
            | Q(status=Reminder.Status.FAILED, send_at__gt=now - window)
        )
        .values("channel", "status")
        .annotate(rows=Count("pk"))
    )
    figures: dict[str, dict] = {slug: {} for slug in channels()}
    for row in due:
        figures.setdefault(row["channel"], {}).update(due=row["due"], overdue=row["overdue"], oldest_due=row["oldest"])
    for row in gone:
        figures.setdefault(row["channel"], {})[row["status"]] = row["rows"]
    by_hand = set(hand_delivered())
    return [ChannelFigures(channel=slug, by_hand=slug in by_hand, **values) for slug, values in figures.items()]
