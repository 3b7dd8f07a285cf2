"""When a message we sent did not reach the patient: the one place the fallback chain lives (issue 18). A text the
provider reports undelivered or failed (replies.record_delivery_report), or an email that bounced or was refused
(email_events), goes again by the next channel of FALLBACK_CHAIN that reaches the patient: a text as email, then as
a letter (when that channel is registered and the patient has an address); when nothing else reaches them, the
patient lands on staff's call list with the reason. Each step is kept on the rows (`undelivered_at`, `fallback`,
`fallback_of`), where the appointment's reminder timeline shows it."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import queueing
from ..channels import channels
from ..models import Reminder
from ..stages import Stage
from .reach import failed_before, fallback_channels

log = logging.getLogger(__name__)

# The order messages fall back in; a slug not registered (a deployment without letters) is simply skipped.
FALLBACK_CHAIN = ("sms", "email", "letter")
# A row of the next channel in one of these states carries the message already: nothing to send again.
CARRYING = (Reminder.Status.PENDING, Reminder.Status.SENDING, Reminder.Status.SENT)


def delivery_failed(reminder: Reminder, *, reason: str, now: datetime | None = None) -> str:
    """`reminder` was sent but the provider reports that it will not arrive. Records why on the row (in staff's
    words) and acts once per row, whatever the provider reports after: sends the same message again by the next
    channel that reaches the patient, or puts the patient on the call list. Nothing is sent again for an
    appointment that has passed, moved or been cancelled since (a cancellation notice still falls back). Returns
    the row's `fallback` (Reminder.Fallback), or "" when the row had fallen back already."""
    now = now or timezone.now()
    with transaction.atomic():
        # One conditional UPDATE: of two reports for the same row (or the same report posted twice), one acts.
        first = Reminder.objects.filter(pk=reminder.pk, undelivered_at__isnull=True).update(
            undelivered_at=now, last_error=reason
        )
        reminder.last_error = reason
        if not first:
            return ""
        row = Reminder.objects.select_related(
            "appointment__patient", "appointment__procedure_type", "appointment__room", "rule"
        ).get(pk=reminder.pk)
        outcome, again = _fall_back(row, now)
        Reminder.objects.filter(pk=row.pk).update(fallback=outcome)
        if again is not None:
            transaction.on_commit(lambda: queueing.queue_sends([again.pk]))
    reminder.undelivered_at, reminder.fallback = now, outcome
    log.warning("Reminder %s was not delivered (%s): %s", reminder.pk, outcome, reason)
    return outcome


def still_news(row: Reminder, now: datetime) -> bool:
    """Whether the message still tells the patient something true and useful: its appointment is ahead, at the time
    it speaks of, and open (or, for a cancellation notice, cancelled)."""
    appointment = row.appointment
    if row.for_start <= now or row.stage == Stage.SLOT_OFFER:
        return False  # an offer is short-lived and went by every channel at once: nothing to send again
    if row.stage == Stage.CANCELLATION:
        return not appointment.has_upcoming_status
    return appointment.has_upcoming_status and appointment.scheduled_start == row.for_start


def _fall_back(row: Reminder, now: datetime) -> tuple[str, Reminder | None]:
    if not still_news(row, now):
        return Reminder.Fallback.NOT_NEEDED, None
    registered = channels()
    failed = {row.channel, *failed_before(row)}
    allowed = fallback_channels(row.appointment, row.stage, row.for_start, now, failed=failed)
    after = FALLBACK_CHAIN[FALLBACK_CHAIN.index(row.channel) + 1 :] if row.channel in FALLBACK_CHAIN else ()
    deadline = min(row.for_start, row.previous_start or row.for_start)
    for slug in after:
        if slug not in registered or slug not in allowed:
            continue
        if registered[slug].too_late(registered[slug].earliest_send(now), deadline):
            continue  # a letter that would arrive after the appointment (the post's time)
        same = dict(appointment=row.appointment, rule=row.rule, for_start=row.for_start, occasion=row.occasion)
        existing = Reminder.objects.filter(channel=slug, **same).first()
        if existing is not None:
            if existing.status in CARRYING and existing.undelivered_at is None:
                return Reminder.Fallback.COVERED, None
            continue  # that channel failed too, or was closed: try the next
        try:
            with transaction.atomic():
                again = Reminder.objects.create(
                    channel=slug,
                    stage=row.stage,
                    previous_start=row.previous_start,
                    content_stages=list(row.content_stages),
                    send_at=registered[slug].earliest_send(now),
                    fallback_of=row,
                    **same,
                )
        except IntegrityError:  # scheduling made that channel's row at the same moment: it carries the message
            return Reminder.Fallback.COVERED, None
        return Reminder.Fallback.SENT_AGAIN, again
    return Reminder.Fallback.CALL, None
