"""The letters staff print and post: which are due now (reminders.services.due_by_hand, the one rule), what the page
shows of each, how many wait for a later day, and the PDFs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from reminders.channels import Draft, channel_for, hand_delivered
from reminders.channels.letter_pdf import join_pdfs
from reminders.models import Reminder
from reminders.services import due_by_hand
from reminders.wording import faq_loaded

LOADED = ("appointment__patient", "appointment__procedure_type", "appointment__room")


@dataclass(frozen=True)
class Letter:
    """A due letter as the page lists it."""

    reminder: Reminder
    address_lines: list[str]
    # Posted today, it would arrive only on or after the appointment's day: the patient needs a call too.
    arrives_late: bool

    @property
    def patient(self):
        return self.reminder.appointment.patient


def letters_due(*, now: datetime | None = None, ids: list[int] | None = None) -> list[Letter]:
    """Due letters, the longest waiting first (optionally only those of `ids`); two queries."""
    now = now or timezone.now()
    rows = due_by_hand(now).select_related(*LOADED).order_by("send_at", "pk")
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    letters = []
    for row in rows:
        deadline = min(row.for_start, row.previous_start or row.for_start)
        letters.append(
            Letter(
                reminder=row,
                address_lines=row.appointment.patient.postal_address_lines(),
                arrives_late=channel_for(row.channel).too_late(now, deadline),
            )
        )
    return letters


def letters_later(*, now: datetime | None = None) -> tuple[int, datetime | None]:
    """How many letters are waiting for their day, and when the next one is due."""
    now = now or timezone.now()
    waiting = Reminder.objects.filter(
        channel__in=hand_delivered(),
        status=Reminder.Status.PENDING,
        send_at__gt=now,
        appointment__scheduled_start__gt=now,
    )
    first = waiting.order_by("send_at").values_list("send_at", flat=True).first()
    return waiting.count(), first


def hand_delivered_rows():
    """Every row of a channel staff deliver by hand, sent or not: a letter's own PDF can be printed again."""
    return Reminder.objects.filter(channel__in=hand_delivered()).select_related(*LOADED)


def printable(rows: list[Reminder]) -> bytes:
    """The rows' letters as they read now, in one PDF (the FAQ read once for them all)."""
    with faq_loaded({row.appointment.procedure_type_id for row in rows}):
        return join_pdfs([channel_for(row.channel).render(Draft.of(row)).pdf for row in rows])
