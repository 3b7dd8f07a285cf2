"""What a reminder says: the message its channel makes of the stage's FAQ entries and the appointment.

The one place sending and previews ask, so a test or a fix can stand in for rendering here. The building blocks
(FAQ selection, the rules for texts, the invitation) are in reminders.wording; each channel assembles its own shape.
"""

from __future__ import annotations

from datetime import datetime

from procedures.models import Appointment

from .channels import channel_for
from .models import Reminder
from .wording import SMS_FORBIDDEN_WORDS, ContentError, Message, forbidden_words_in, gsm7_length

__all__ = [
    "SMS_FORBIDDEN_WORDS",
    "ContentError",
    "Message",
    "forbidden_words_in",
    "gsm7_length",
    "render",
    "render_for",
]


def render(reminder: Reminder) -> Message:
    """The message for a reminder row; needs the row's appointment, patient, procedure type and room loaded."""
    return render_for(
        reminder.appointment,
        reminder.stage,
        reminder.channel,
        reminder.for_start,
        reminder.content_stages,
        previous_start=reminder.previous_start,
    )


def render_for(
    appointment: Appointment,
    stage: str,
    channel: str,
    for_start: datetime,
    content_stages: list[str],
    *,
    previous_start: datetime | None = None,
) -> Message:
    """What `stage` would say on `channel` about `appointment` at `for_start`, carrying `content_stages`' FAQ; a
    reschedule notice names `previous_start`, the time it moved from (stored on its row, so a retry says the same)."""
    return channel_for(channel).compose(appointment, stage, for_start, content_stages, previous_start=previous_start)
