"""What a reminder would say, for tests: asked of its channel through the registry, as sending and previews do."""

from __future__ import annotations

from datetime import datetime

from procedures.models import Appointment
from reminders.channels import Draft, Message, channel_for
from reminders.models import Reminder


def render(reminder: Reminder) -> Message:
    """The message a reminder row makes; its appointment, patient, procedure type and room loaded."""
    return channel_for(reminder.channel).render(Draft.of(reminder))


def render_for(
    appointment: Appointment,
    stage: str,
    channel: str,
    for_start: datetime,
    content_stages: list[str],
    *,
    previous_start: datetime | None = None,
) -> Message:
    draft = Draft(
        appointment=appointment,
        stage=stage,
        for_start=for_start,
        content_stages=tuple(content_stages),
        previous_start=previous_start,
    )
    return channel_for(channel).render(draft)
