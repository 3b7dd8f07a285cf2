"""Appointments: the booking of a patient, a procedure type, a room and a radiologist at a time, with the words for
its states and the one overlap rule (`AppointmentQuerySet.overlapping`).

Invariants that the database can hold live in constraints here (and, on PostgreSQL, the exclusion constraints of
migration 0002); rules that need the clock or other rows live in `procedures.services`, which is the only code that
moves an appointment's status.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from procedures import clinic_time
from procedures.access import RADIOLOGISTS

from .clinic import MAX_BOOKABLE_MINUTES, Patient, ProcedureType, Room
from .expressions import PlusMinutes


class AppointmentQuerySet(models.QuerySet):
    def upcoming(self, now=None) -> "AppointmentQuerySet":
        """Booked or confirmed, and not yet begun: what reminders, the call list and the patient page act on."""
        return self.filter(status__in=Appointment.UPCOMING, scheduled_start__gt=now or timezone.now())

    def live(self) -> "AppointmentQuerySet":
        return self.filter(status__in=Appointment.LIVE_STATUSES)

    def overlapping(self, start: datetime, end: datetime, *, exclude_id: int | None = None) -> "AppointmentQuerySet":
        """The one overlap rule: live appointments whose time [scheduled_start, expected end) overlaps [start, end).
        The booking check and the free times both ask it (narrowed to a room or a radiologist as they need); on
        PostgreSQL the exclusion constraints of migration 0002 hold the same rule. Also bounded below by the longest
        booking, so the (room, scheduled_start) index serves."""
        qs = (
            self.live()
            .filter(scheduled_start__lt=end, scheduled_start__gt=start - timedelta(minutes=MAX_BOOKABLE_MINUTES))
            .alias(ends_at=PlusMinutes("scheduled_start", "expected_duration"))
            .filter(ends_at__gt=start)
        )
        return qs if exclude_id is None else qs.exclude(pk=exclude_id)


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CONFIRMED = "confirmed", "Confirmed"
        CHECKED_IN = "checked_in", "Checked in"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "Did not attend"

    class Laterality(models.TextChoices):
        LEFT = "left", "Left"
        RIGHT = "right", "Right"

    class CancelReason(models.TextChoices):
        """Why an appointment was cancelled, from a short list, so reports can count the reasons."""

        PATIENT_REQUEST = "patient_request", "The patient asked"
        NO_DISCHARGE = "no_discharge", "No discharge any more"
        NOT_NEEDED = "not_needed", "Clinically not needed"
        UNWELL = "unwell", "Unwell or infection"
        PREGNANCY = "pregnancy", "Possible pregnancy"
        CLINIC = "clinic", "Equipment or staff"
        OTHER = "other", "Other"

    class NoShowReason(models.TextChoices):
        """Why a patient did not attend, as far as anyone knows, so reports can count the reasons."""

        NOT_KNOWN = "not_known", "Not known: no word from the patient"
        FORGOT = "forgot", "Forgot or mistook the date"
        UNWELL = "unwell", "Unwell"
        TRAVEL = "travel", "Transport or travel problem"
        NO_DISCHARGE = "no_discharge", "No discharge any more"
        DECIDED_NOT = "decided_not", "Decided not to have it"
        OTHER = "other", "Other"

    class NextStep(models.TextChoices):
        """What happens after a did-not-attend: a rebook goes on the follow-up list until it is made."""

        REBOOK = "rebook", "Rebook offered"
        REFERRER_TOLD = "referrer_told", "Referrer told"
        DISCHARGED = "discharged", "Discharged back to the referrer"

    class Discharge(models.TextChoices):
        BLOODY = "bloody", "Bloody"
        CLEAR = "clear", "Clear"
        SEROUS = "serous", "Serous"
        MILKY = "milky", "Milky"
        OTHER = "other", "Other"

    class ShortNotice(models.IntegerChoices):
        """How much notice a patient on the waiting list needs, in hours."""

        HOURS = 3, pgettext_lazy("notice needed", "A few hours")
        A_DAY = 24, pgettext_lazy("notice needed", "A day")
        TWO_DAYS = 48, pgettext_lazy("notice needed", "Two days")
        THREE_DAYS = 72, pgettext_lazy("notice needed", "Three days")

    # Still to come: the patient may confirm, be reminded, ask for a change; staff may move it.
    UPCOMING = (Status.BOOKED, Status.CONFIRMED)
    # Open: not yet ended (completed, cancelled, did not attend), so it can still be cancelled or completed.
    OPEN_STATUSES = (Status.BOOKED, Status.CONFIRMED, Status.CHECKED_IN)
    # The patient came: checked in (on the day, or recorded as attended afterwards) or completed. Only these take a
    # result from the worklist and the appointment page.
    ATTENDED = (Status.CHECKED_IN, Status.COMPLETED)
    # A cancelled or missed appointment frees its room; every other one occupies it.
    LIVE_STATUSES = (Status.BOOKED, Status.CONFIRMED, Status.CHECKED_IN, Status.COMPLETED)
    # Logging a result for an appointment nobody checked in completes it: the patient evidently came.
    TRANSITIONS = {
        Status.BOOKED: {Status.CONFIRMED, Status.CHECKED_IN, Status.COMPLETED, Status.CANCELLED, Status.NO_SHOW},
        Status.CONFIRMED: {Status.CHECKED_IN, Status.COMPLETED, Status.CANCELLED, Status.NO_SHOW},
        # A checked-in patient came: she cannot then be marked as not attending (issue 23); a visit that ended
        # without the procedure is a result ("not performed") or a cancellation.
        Status.CHECKED_IN: {Status.COMPLETED, Status.CANCELLED},
        Status.COMPLETED: set(),
        Status.CANCELLED: set(),
        Status.NO_SHOW: set(),
    }
    # A check-in or did-not-attend recorded by mistake may be undone on the appointment's day, back to the status it
    # came from (procedures.services.arrival). Kept out of TRANSITIONS on purpose: no forward operation (confirming,
    # say) may take these paths, and only the undo services read this.
    UNDO_TRANSITIONS = {
        Status.CHECKED_IN: {Status.BOOKED, Status.CONFIRMED},
        Status.NO_SHOW: {Status.BOOKED, Status.CONFIRMED, Status.CHECKED_IN},
    }

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    procedure_type = models.ForeignKey(ProcedureType, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    radiologist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ductograms",
        limit_choices_to={"groups__name": RADIOLOGISTS},
    )
    scheduled_start = models.DateTimeField(db_index=True)
    expected_duration = models.PositiveSmallIntegerField(help_text="Minutes.")
    duration_reason = models.CharField(
        max_length=200, blank=True, help_text="Why the booking is longer or shorter than the usual range."
    )
    laterality = models.CharField(max_length=8, choices=Laterality.choices)
    discharge = models.CharField("discharge type", max_length=8, choices=Discharge.choices)
    referrer = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED, db_index=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    moved_from = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="After a move: the time the patient last knew of, until they have seen the change on their page.",
    )
    cancellation_reason = models.CharField(max_length=200, blank=True)
    cancel_reason_code = models.CharField(
        "reason for cancelling", max_length=24, choices=CancelReason.choices, blank=True
    )
    # A did-not-attend's reason and next step (procedures.services.arrival.mark_no_show); blank otherwise.
    no_show_reason = models.CharField(
        "why the patient did not attend", max_length=16, choices=NoShowReason.choices, blank=True
    )
    no_show_next_step = models.CharField(
        "next step after did not attend", max_length=16, choices=NextStep.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    notes = models.TextField(blank=True)
    # The waiting list (procedures.services.waitlist): the patient could come earlier, given this much notice.
    short_notice_ok = models.BooleanField(
        "can come earlier at short notice",
        default=False,
        help_text="Offer this patient an earlier time when one frees up (the waiting list).",
    )
    short_notice_hours = models.PositiveSmallIntegerField(
        "notice needed",
        choices=ShortNotice.choices,
        default=ShortNotice.A_DAY,
        help_text="How long before an earlier time the patient must hear of it to come.",
    )
    history = HistoricalRecords()

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_start"]
        indexes = [models.Index(fields=["room", "scheduled_start"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_duration__gt=0) & Q(expected_duration__lte=MAX_BOOKABLE_MINUTES),
                name="appointment_duration_bookable",
                violation_error_message=f"A booking lasts between 1 and {MAX_BOOKABLE_MINUTES} minutes.",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancellation_reason=""),
                name="appointment_cancellation_has_reason",
                violation_error_message="A cancelled appointment needs a reason.",
            ),
        ]
        # On PostgreSQL, migration 0002 adds exclusion constraints: no two live appointments overlap in a room,
        # or for a radiologist. They are raw SQL because the range must be built from immutable functions.

    def __str__(self) -> str:
        when = clinic_time.date_time(self.scheduled_start) if self.scheduled_start else "?"
        return f"{self.procedure_type} for {self.patient} on {when}"

    @property
    def expected_end(self):
        return self.scheduled_start + timedelta(minutes=self.expected_duration)

    @property
    def arrival_time(self):
        return self.scheduled_start - timedelta(minutes=self.procedure_type.arrival_lead)

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def has_upcoming_status(self) -> bool:
        """Booked or confirmed, whatever the clock says: the states in which it can still be moved."""
        return self.status in self.UPCOMING

    @property
    def cancellation_shown(self) -> str:
        """The reason as staff read it: the coded reason, then the words typed, unless the words only repeat it."""
        label = self.get_cancel_reason_code_display() if self.cancel_reason_code else ""
        words = self.cancellation_reason.strip()
        if not label or words.casefold().startswith(label.casefold()):
            return words
        return f"{label}: {words}" if words else label

    def is_upcoming(self, now=None) -> bool:
        """Booked or confirmed and not yet begun (the row form of `Appointment.objects.upcoming()`)."""
        return self.has_upcoming_status and self.scheduled_start > (now or timezone.now())

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    def clean(self):
        super().clean()
        if self.expected_duration and self.procedure_type_id:
            refusal = self.procedure_type.duration_refusal(self.expected_duration, self.duration_reason)
            if refusal:
                raise ValidationError({"duration_reason": refusal})
