"""Letters, and any channel staff deliver by hand (`delivered_by_hand`): which are due, and marking them posted.

No worker sends these rows (dispatch leaves them alone); everything else about them follows the reminder rules: a
booking change moves or closes them while they are still pending, so a letter for a cancelled or moved time is
never listed, and marking one posted is a compare-and-set on the row, so a letter closed meanwhile stays closed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q
from django.utils import timezone

from procedures.access import staff_name
from procedures.models import Appointment

from ..channels import Draft, channel_for, hand_delivered
from ..models import Reminder, ReminderQuerySet
from ..stages import Stage

# How the patient's messages table says who posted a letter (Reminder.delivery_status holds at most 32 characters).
POSTED = "Posted"


def due_by_hand(now: datetime | None = None) -> ReminderQuerySet:
    """Rows staff deliver by hand that should go now: pending, their time reached, and about an appointment still to
    come at the time the row is for (a cancellation notice: while the cancelled time is still ahead)."""
    now = now or timezone.now()
    still_on = Q(
        appointment__status__in=Appointment.UPCOMING,
        appointment__scheduled_start__gt=now,
        appointment__scheduled_start=F("for_start"),
    )
    return Reminder.objects.filter(
        channel__in=hand_delivered(), status=Reminder.Status.PENDING, send_at__lte=now
    ).filter((~Q(stage=Stage.CANCELLATION) & still_on) | Q(stage=Stage.CANCELLATION, for_start__gt=now))


@dataclass
class Posted:
    """What mark_posted did: the rows it marked, and those it left because they changed since they were printed."""

    marked: list[int] = field(default_factory=list)
    left: list[int] = field(default_factory=list)


def _who(by: AbstractBaseUser | None) -> str:
    words = f"{POSTED} by {staff_name(by)}" if by is not None else POSTED
    return words if len(words) <= 32 else f"{words[:31]}…"


def mark_posted(
    reminder_ids: Iterable[int],
    *,
    by: AbstractBaseUser | None = None,
    printed_for: Mapping[int, datetime] | None = None,
    now: datetime | None = None,
) -> Posted:
    """Staff printed these letters and put them in the post: each becomes sent, at `now`, to the patient's address,
    keeping the words it carried. Only a row still due is marked, by a compare-and-set on its status, its time and,
    with `printed_for` (id -> the appointment time the printed letter gave), that time: a letter closed, moved or
    already marked since is left, and said so."""
    now = now or timezone.now()
    ids = list(dict.fromkeys(reminder_ids))
    result = Posted()
    rows = {
        row.pk: row
        for row in due_by_hand(now)
        .filter(pk__in=ids)
        .select_related("appointment__patient", "appointment__procedure_type", "appointment__room")
    }
    for pk in ids:
        row = rows.get(pk)
        if row is None or (printed_for is not None and printed_for.get(pk) != row.for_start):
            result.left.append(pk)
            continue
        channel = channel_for(row.channel)
        message = channel.render(Draft.of(row))
        changed = Reminder.objects.filter(
            pk=pk, status=Reminder.Status.PENDING, channel=row.channel, for_start=row.for_start, send_at__lte=now
        ).update(
            status=Reminder.Status.SENT,
            sent_at=now,
            recipient=channel.address(row.appointment.patient)[:254],
            subject=message.subject[:200],
            body=message.text,
            body_html="",
            delivery_status=_who(by),
            attempts=F("attempts") + 1,
            last_error="",
            claim_token=None,
            lease_until=None,
        )
        (result.marked if changed else result.left).append(pk)
    return result
