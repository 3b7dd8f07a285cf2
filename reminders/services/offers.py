"""The waiting list's messages: an offer of an earlier time goes as a reminder row of the `slot_offer` stage, by
every channel that reaches the patient and is sent at once (a text or an email, never a letter, which would arrive
after the offer ended). The rows name their offer (`occasion`), so a send re-checks that it is still open and a
retry never offers a time somebody took (reminders.services.delivery)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from procedures.models import Appointment, SlotOffer

from .. import queueing
from ..channels import hand_delivered
from ..models import Reminder, ReminderRule
from ..stages import Stage
from .reach import channels_for
from .scheduling import event_rows


def offer_rule(procedure_type_id: int) -> ReminderRule | None:
    """The procedure type's active rule for offers; None when they are switched off in the admin (the waiting list
    is then idle). A round reads it once for all its patients."""
    return ReminderRule.objects.filter(
        procedure_type_id=procedure_type_id, stage=Stage.SLOT_OFFER, is_active=True
    ).first()


def _channels(appointment: Appointment, rule: ReminderRule, now: datetime) -> frozenset[str]:
    reaching = channels_for(appointment, Stage.SLOT_OFFER, appointment.scheduled_start, now)
    return frozenset(reaching - set(hand_delivered()))


def offer_reaches(appointment: Appointment, rule: ReminderRule, *, now: datetime) -> bool:
    """Whether an offer would reach the patient now by some channel the offer goes by."""
    return bool(_channels(appointment, rule, now) & set(rule.channels))


def offer_messages(offer: SlotOffer, rule: ReminderRule, *, now: datetime) -> list[Reminder]:
    """The offer's rows (an event notice's, naming the offer), created in the round's transaction and queued once it
    commits."""
    appointment = offer.appointment
    channels = _channels(appointment, rule, now)
    rows = event_rows(appointment, rule, channels, now=now, content_stages=[Stage.SLOT_OFFER], occasion=offer.occasion)
    rows = Reminder.objects.bulk_create(rows)
    due = [row.pk for row in rows if row.send_at <= now]
    if due:
        transaction.on_commit(lambda: queueing.queue_sends(due))
    return rows


def offer_of(reminder: Reminder) -> int | None:
    """The id of the offer a `slot_offer` row carries."""
    prefix, _, pk = reminder.occasion.partition(":")
    return int(pk) if prefix == "offer" and pk.isdecimal() else None


def offer_still_open(reminder: Reminder, now: datetime) -> bool:
    pk = offer_of(reminder)
    return pk is not None and SlotOffer.objects.still_open(now).filter(pk=pk).exists()
