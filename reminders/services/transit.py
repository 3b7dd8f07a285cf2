"""How long a channel's message takes to reach the patient, as each channel says (ReminderChannel.send_time,
too_late): when a timed stage's row must leave, and which rows would arrive too late to be worth sending. A letter
takes LETTER_POSTAL_DAYS working days; email and texts arrive at once, so for them nothing changes here."""

from __future__ import annotations

from datetime import datetime

from ..channels import channel_for
from ..models import Reminder


def timed_send_at(due: datetime, slug: str) -> datetime:
    """When a timed stage's row leaves by channel `slug`: in time to reach the patient at `due` (a letter leaves the
    post's time earlier), at a moment the channel may send."""
    channel = channel_for(slug)
    return channel.earliest_send(channel.send_time(due))


def unless_too_late(rows: list[Reminder], now: datetime) -> list[Reminder]:
    """Rows (not saved yet) their channel would deliver only after the appointment (for a move, after the earlier of
    its two times) are kept as skipped, saying why, instead of going: staff see it on the timeline and can phone."""
    late = Reminder.CloseReason.ARRIVES_LATE
    for row in rows:
        deadline = min(row.for_start, row.previous_start or row.for_start)
        if row.status == Reminder.Status.PENDING and channel_for(row.channel).too_late(max(row.send_at, now), deadline):
            row.status, row.close_reason, row.last_error = Reminder.Status.SKIPPED, late, late.label
    return rows
