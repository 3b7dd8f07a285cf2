"""What the email provider tells us back (django-anymail's normalised tracking events, reminders.webhooks): each
email's delivery status on its reminder row, as texts have theirs (replies.record_delivery_report). A complaint or an
unsubscribe at the provider stops reminders; a bounce goes to fallbacks.delivery_failed."""

from __future__ import annotations

import logging

from procedures.models import Patient

from ..models import Reminder
from .consent import opt_out
from .fallbacks import delivery_failed

log = logging.getLogger(__name__)

# How far along an email is, by its provider's last word. A report ranked no higher than the row's (a repeat, or a
# "deferred" that arrives after "delivered": reports cross) never replaces it. A bounce can follow a delivery (the
# receiving server accepted it, then sent it back), and a complaint comes after delivery.
RANK = {
    "queued": 0,
    "sent": 0,
    "deferred": 1,
    "delivered": 2,
    "bounced": 3,
    "rejected": 3,
    "failed": 3,
    "complained": 4,
    "unsubscribed": 4,
}
# The email will not arrive.
NOT_DELIVERED = ("bounced", "rejected", "failed")
# The patient does not want them: reminders stop, as from their page.
WANTS_NONE = ("complained", "unsubscribed")

WORDS = {
    "bounced": "The email bounced",
    "rejected": "The email provider refused to send the email",
    "failed": "The email provider could not send the email",
}


def record_email_event(*, provider_message_id: str, event_type: str, detail: str = "") -> int:
    """The provider's word on an email it accepted, kept on the reminder row (`delivery_status`); returns how many
    rows it changed. Opens, clicks and anything else are not kept. A report of no email we know, or already
    recorded (providers post again when our answer is slow), changes nothing and acts on nothing, so a repeated
    complaint or bounce opts out or falls back once."""
    rank = RANK.get(event_type)
    if rank is None or not provider_message_id:
        return 0
    settled = [status for status, other in RANK.items() if other >= rank]
    candidates = Reminder.objects.filter(provider_message_id=provider_message_id[:100])
    candidates = candidates.exclude(delivery_status__in=settled)
    changed = []
    for reminder in candidates.select_related("appointment"):
        # One conditional UPDATE a row: of two deliveries of the same report, only one changes it and acts.
        row = Reminder.objects.filter(pk=reminder.pk).exclude(delivery_status__in=settled)
        if row.update(delivery_status=event_type):
            reminder.delivery_status = event_type
            changed.append(reminder)
    if not changed:
        log.info("Email event %s for %s: no reminder changed.", event_type, provider_message_id)
    for reminder in changed:
        if event_type in NOT_DELIVERED:
            reason = f"{WORDS[event_type]}: {detail}" if detail else f"{WORDS[event_type]}."
            delivery_failed(reminder, reason=reason[:1000])
    if event_type in WANTS_NONE:
        for patient in Patient.objects.filter(pk__in={r.appointment.patient_id for r in changed}):
            opt_out(patient)
    return len(changed)
