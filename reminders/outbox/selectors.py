"""The messages the development outbox shows: reminder rows sent by a channel that carries a message (email, text;
letters have their own page), newest first. Each row keeps what was sent (subject, bodies, recipient), so nothing
here renders a message again."""

from __future__ import annotations

from django.db.models import QuerySet

from ..channels import channels
from ..models import Reminder

# The page lists this many; the demo sends a few hundred at most.
SHOWN = 300


def message_channels() -> dict[str, str]:
    """The registered channels that send a message rather than a letter to post: slug -> label."""
    return {slug: channel.label for slug, channel in channels().items() if not channel.delivered_by_hand}


def sent_messages(*, channel: str = "") -> QuerySet[Reminder]:
    slugs = [channel] if channel in message_channels() else list(message_channels())
    rows = Reminder.objects.filter(status=Reminder.Status.SENT, channel__in=slugs)
    return rows.select_related("appointment__patient").order_by("-sent_at", "-id")
