"""When a message we sent did not reach the patient. The one place the fallback chain starts (issue 18: a text that
did not arrive goes again as email, then as a letter, then the patient lands on the call list; a hard bounce does
the same for email)."""

from __future__ import annotations

import logging

from ..models import Reminder

log = logging.getLogger(__name__)


def delivery_failed(reminder: Reminder, *, reason: str) -> None:
    """`reminder` was sent but the provider reports that it will not arrive (an email bounced or was refused).
    Records why on the row, in staff's words, where the appointment's reminder table shows it.

    TODO(issue 18, fallbacks): send the same message by the next channel that reaches the patient (email, then a
    letter), else put the patient on the call list with `reason`. Until then staff see it on the reminder row."""
    Reminder.objects.filter(pk=reminder.pk).update(last_error=reason)
    reminder.last_error = reason
    log.warning("Reminder %s was not delivered: %s", reminder.pk, reason)
