"""The reminder outbox: every message a patient will get, or got, is a row here before it is sent.

Time lives in the database (`send_at`), not in the broker: a periodic dispatch claims due rows, so a worker
crash or a Redis restart loses nothing. A row is unique per (appointment, rule, channel, for_start, occasion):
one reminder of a kind per appointment time (and per reschedule, for the notice of it), which is what makes
scheduling and sending safe to repeat.
"""

from datetime import timedelta

from django.db import models
from django.db.models import Q

from procedures.models import Appointment, ProcedureType

from .channels import channel_choices, channel_for, validate_channel_slug
from .channels.fields import ChannelsField
from .stages import EVENT_STAGES, TYPE_TIMED_STAGES, Stage

# Stages whose rule has no offset: those sent on an event, and those timed by the procedure type.
UNTIMED_BY_OFFSET = [s.value for s in (*EVENT_STAGES, *TYPE_TIMED_STAGES)]

__all__ = ["InboundText", "Reminder", "ReminderQuerySet", "ReminderRule", "offset_label"]


class ReminderRule(models.Model):
    procedure_type = models.ForeignKey(ProcedureType, on_delete=models.CASCADE, related_name="reminder_rules")
    stage = models.CharField(max_length=32, choices=Stage.choices)
    offset = models.DurationField(
        null=True,
        blank=True,
        help_text="How long before the appointment it is sent, e.g. '7 days' or '2 days, 0:00:00'. "
        "Empty for the event stages (confirmation, rescheduled, cancellation), which go at once, and for "
        "'the day before the preparation starts', whose time comes from the procedure type's preparation days.",
    )
    channels = ChannelsField(default=list, help_text="The channels this stage goes by (settings.REMINDER_CHANNELS).")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["procedure_type", "-offset"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure_type", "stage"],
                name="reminderrule_one_per_stage",
                violation_error_message="This procedure already has a rule for that stage.",
            ),
            models.CheckConstraint(
                condition=Q(offset__isnull=True, stage__in=UNTIMED_BY_OFFSET)
                | (Q(offset__isnull=False) & ~Q(stage__in=UNTIMED_BY_OFFSET)),
                name="reminderrule_offset_only_for_timed_stages",
                violation_error_message=(
                    "Timed stages need an offset; event stages, and the day before the preparation starts (timed by "
                    "the procedure type), have none."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_type}: {self.get_stage_display()}"

    @property
    def is_event(self) -> bool:
        return self.stage in EVENT_STAGES

    @property
    def lead(self) -> timedelta | None:
        """How long before the appointment a timed stage goes; None for an event stage. The day before the
        preparation starts is one day more than the procedure type's preparation days (needs it loaded)."""
        if self.stage in TYPE_TIMED_STAGES:
            return timedelta(days=self.procedure_type.preparation_lead_days + 1)
        return self.offset


class ReminderQuerySet(models.QuerySet):
    def still_to_go(self) -> "ReminderQuerySet":
        """Rows a booking change may still close or move: pending, or claimed by dispatch but not yet taken by a
        worker (no claim token). A row in flight or finished belongs to its send."""
        return self.filter(Reminder.STILL_TO_GO)

    def close(self, status: str, code: str, reason: str = "") -> int:
        """End these rows with `status`, the `code` of why (Reminder.CloseReason) and staff's words for it (the
        code's label unless given), dropping any claim; returns how many changed. Callers filter with
        still_to_go() first, so a row in flight or finished is never closed under its sender."""
        return self.update(
            status=status,
            close_reason=code,
            last_error=reason or Reminder.CloseReason(code).label,
            claim_token=None,
            lease_until=None,
        )


class Reminder(models.Model):
    # Pending, or claimed by dispatch and not yet in a worker's hands.
    STILL_TO_GO = Q(status="pending") | Q(status="sending", claim_token__isnull=True)

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Skipped"

    class CloseReason(models.TextChoices):
        """Why a row was closed without being sent, or failed: code reads this, never the words in last_error."""

        CANCELLED = "cancelled", "The appointment was cancelled."
        MOVED = "moved", "The appointment moved."
        CHECKED_IN = "checked_in", "The patient has checked in."
        NO_SHOW = "no_show", "The patient did not attend."
        COMPLETED = "completed", "The appointment has taken place."
        OPTED_OUT = "opted_out", "The patient opted out of reminders."
        UNREACHABLE = "unreachable", "This channel no longer reaches the patient."
        STARTED = "started", "The appointment had begun."
        FOLDED = (
            "folded",
            "Too close to the appointment for this stage: its content went with the booking or move notice.",
        )
        ARRIVES_LATE = (
            "arrives_late",
            "By this channel it would reach the patient only after the appointment (or the time it replaces).",
        )
        UNBUILDABLE = "unbuildable", "The message could not be made."
        REFUSED = "refused", "The provider refused the message."
        GAVE_UP = "gave_up", "Gave up after the last attempt."
        OFFER_CLOSED = "offer_closed", "The offer of an earlier time was taken, answered or had expired."

    class Fallback(models.TextChoices):
        """What was done about a message that did not arrive."""

        SENT_AGAIN = "sent_again", "Sent again by another channel"
        COVERED = "covered", "Another channel already carries it"
        CALL = "call", "Nothing else reaches the patient: on the call list"
        NOT_NEEDED = "not_needed", "Not sent again: the appointment has passed, moved or was cancelled"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    rule = models.ForeignKey(ReminderRule, on_delete=models.PROTECT, related_name="reminders")
    stage = models.CharField(max_length=32, choices=Stage.choices, editable=False)
    channel = models.CharField(max_length=32, choices=channel_choices, validators=[validate_channel_slug])
    for_start = models.DateTimeField(help_text="The appointment time this reminder is about.")
    previous_start = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="For a reschedule notice: the time the appointment moved from, so the notice (and a retry of it) "
        "says what changed.",
    )
    occasion = models.CharField(
        max_length=40,
        blank=True,
        editable=False,
        help_text="For notices of an event that can happen more than once (a reschedule): which one.",
    )
    send_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    content_stages = models.JSONField(
        default=list, help_text="Stages whose FAQ content this message carries (a late booking folds skipped ones in)."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, help_text="Why it was closed or failed, in staff's words.")
    close_reason = models.CharField(max_length=16, choices=CloseReason.choices, blank=True, editable=False)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True, help_text="The text as sent: what the patient saw.")
    body_html = models.TextField(blank=True)
    recipient = models.CharField(max_length=254, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    delivery_status = models.CharField(max_length=32, blank=True, help_text="As reported back by the SMS provider.")
    # The fallback chain (reminders.services.fallbacks): a row the provider says did not arrive records when and what
    # was done about it, once; a row sent instead points back at the one it replaces.
    undelivered_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the provider reported that it did not arrive."
    )
    fallback = models.CharField(max_length=16, choices=Fallback.choices, blank=True, editable=False)
    fallback_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="fallbacks",
        help_text="The message that did not arrive, which this one sends again by another channel.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["send_at", "id"]
        indexes = [models.Index(fields=["status", "send_at"], name="reminder_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "rule", "channel", "for_start", "occasion"],
                name="reminder_once_per_appointment_time",
                violation_error_message="This reminder already exists for this appointment time.",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="reminder_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} by {self.get_channel_display()} for appointment {self.appointment_id}"

    @property
    def fallback_note(self) -> str:
        """The fallback chain in staff's words, for the reminder timeline: on a row sent instead, "Sent again by email
        after the text was undelivered."; on a row that did not arrive, what was done. Reads `fallback_of` (select
        it with the row)."""
        notes = []
        if self.fallback_of_id:
            before = self.fallback_of
            failed = FAILED_WORDS.get(before.delivery_status, "did not arrive")
            notes.append(f"Sent again by {_word(self.channel)} after the {_word(before.channel)} {failed}.")
        notes.append(FALLBACK_WORDS.get(self.fallback, ""))
        return " ".join(note for note in notes if note)


# What was done about a row that did not arrive, as the timeline says it.
FALLBACK_WORDS = {
    Reminder.Fallback.SENT_AGAIN: "Did not arrive: sent again by the next channel (below).",
    Reminder.Fallback.COVERED: "Did not arrive; another channel carries the same message.",
    Reminder.Fallback.CALL: "Did not arrive, and nothing else reaches the patient: they are on the call list.",
    Reminder.Fallback.NOT_NEEDED: "Did not arrive; not sent again: the appointment has passed, moved or ended.",
}
# How the timeline says a provider's report of a message that did not arrive.
FAILED_WORDS = {"undelivered": "was undelivered", "failed": "failed", "bounced": "bounced", "rejected": "was refused"}


def _word(slug: str) -> str:
    """ "text", "email", "letter": the channel as the patient's page names it (a slug no longer registered, as is)."""
    try:
        return channel_for(slug).patient_word
    except ValueError:
        return slug


def offset_label(offset: timedelta | None) -> str:
    if offset is None:
        return "at once"
    if offset % timedelta(days=1) == timedelta(0):
        days = offset.days
        return f"{days} day{'s' if days != 1 else ''} before"
    hours = offset.total_seconds() / 3600
    return f"{hours:g} hours before"


class InboundText(models.Model):
    """A text a patient sent us, kept once per provider message id, so a webhook the provider posts again (or an
    attacker replays) neither acts nor answers twice: replies (reminders.services.conversations), and STOP and START
    (reminders.services.replies: a STOP replayed after a START stops nobody again)."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed the appointment"
        MOVE = "move", "Asked to move the appointment"
        MESSAGE = "message", "Passed to staff"
        UNMATCHED = "unmatched", "Number not matched"
        STOPPED = "stopped", "STOP: texts stopped"
        STARTED = "started", "START: texts allowed again"

    provider_message_id = models.CharField(max_length=64, unique=True)
    sender = models.CharField(max_length=32)
    body = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_texts"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    reply = models.CharField(max_length=160, blank=True, help_text="The acknowledgement we answered with.")

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"Text from {self.sender} ({self.get_outcome_display() or 'received'})"
