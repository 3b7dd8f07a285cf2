"""The waiting list's records: a time a cancellation or a move left empty (FreedSlot), and each offer of it to a
patient who said they could come earlier at short notice (SlotOffer, `Appointment.short_notice_ok`).

The rule that only one patient gets a freed time lives here, in the database: at most one accepted offer per freed
slot (a partial unique index), beside the room and radiologist exclusion constraints the move itself meets. The
rounds of offers, their expiry and the acceptance are procedures.services.waitlist.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .appointments import Appointment
from .clinic import ProcedureType, Room


class FreedSlot(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Being offered"
        FILLED = "filled", "Filled from the waiting list"
        BOOKED = "booked", "Booked by staff"
        UNFILLED = "unfilled", "Nobody could take it"

    class Cause(models.TextChoices):
        CANCELLED = "cancelled", "Cancelled"
        MOVED = "moved", "Moved"

    procedure_type = models.ForeignKey(ProcedureType, on_delete=models.PROTECT, related_name="freed_slots")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="freed_slots")
    radiologist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    start = models.DateTimeField()
    duration = models.PositiveSmallIntegerField(help_text="Minutes.")
    freed_by = models.ForeignKey(
        Appointment,
        on_delete=models.CASCADE,
        related_name="freed_slots",
        help_text="The appointment whose cancellation or move left this time empty.",
    )
    cause = models.CharField(max_length=16, choices=Cause.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    next_round_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next offers may go (after the quiet hours, say)."
    )
    filled_by = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="filled_slots"
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why it closed, in staff's words.")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "start"], name="freedslot_open_by_start")]

    def __str__(self) -> str:
        return f"{self.room} at {self.start:%Y-%m-%d %H:%M} ({self.get_status_display().lower()})"


class SlotOfferQuerySet(models.QuerySet):
    def still_open(self, now) -> "SlotOfferQuerySet":
        """Offers a patient may still accept: out, not yet expired, of a time still being offered. The sender of an
        offer's messages and the acceptance both ask here."""
        return self.filter(
            status=SlotOffer.Status.OFFERED, expires_at__gt=now, freed_slot__status=FreedSlot.Status.OPEN
        )


class SlotOffer(models.Model):
    class Status(models.TextChoices):
        OFFERED = "offered", "Offer out"
        ACCEPTED = "accepted", "Accepted"
        TAKEN = "taken", "Taken by someone else"
        EXPIRED = "expired", "Expired"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn: the appointment changed"

    freed_slot = models.ForeignKey(FreedSlot, on_delete=models.CASCADE, related_name="offers")
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="slot_offers")
    old_start = models.DateTimeField(help_text="The patient's time when the offer went.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OFFERED, db_index=True)
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = SlotOfferQuerySet.as_manager()

    class Meta:
        ordering = ["-offered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["freed_slot", "appointment"],
                name="slotoffer_once_per_patient_and_slot",
                violation_error_message="This appointment has already been offered that time.",
            ),
            # First acceptance wins: a second can never be recorded for the same freed time.
            models.UniqueConstraint(
                fields=["freed_slot"],
                condition=Q(status="accepted"),
                name="slotoffer_one_acceptance_per_slot",
                violation_error_message="Someone else has already taken that time.",
            ),
        ]

    def __str__(self) -> str:
        return f"Offer of {self.freed_slot} to appointment {self.appointment_id} ({self.get_status_display().lower()})"

    @property
    def occasion(self) -> str:
        """The reminder rows carrying this offer name it so (Reminder.occasion)."""
        return f"offer:{self.pk}"
