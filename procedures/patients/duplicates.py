"""A second upcoming ductogram for the same patient is usually a mistake (a double booking, a referral sent
twice): the booking form shows the one already booked and books another only when the scheduler ticks "Book another
anyway" and says why. The reason goes into the new appointment's notes, prefixed SECOND_BOOKING_PREFIX.

The same question is asked when the patient already has any live appointment on the day asked for (booked,
confirmed, checked in or done, of any type): two visits in one day are rarely meant. That one is shown first."""

from __future__ import annotations

from django import forms

from .. import clinic_time
from ..models import Appointment, Patient, ProcedureType
from ..text import CleanCharField
from .selectors import same_day_booking, upcoming_booking

SECOND_BOOKING_PREFIX = "Second booking: "
REASON_MAX_LENGTH = 200


class SecondBookingFields(forms.Form):
    """The two fields a second booking needs; `BookingForm` inherits them and calls `check_second_booking`."""

    book_another = forms.BooleanField(label="Book another anyway", required=False)
    second_booking_reason = CleanCharField(
        label="Why does the patient need a second booking?", required=False, max_length=REASON_MAX_LENGTH
    )

    # The booking already there, when there is one: the page shows it, with a link; `same_day` when it is on the
    # day asked for.
    existing_booking: Appointment | None = None
    same_day: bool = False

    def check_second_booking(self, cleaned: dict, patient: Patient | None, procedure_type: ProcedureType) -> None:
        """Refuse a second booking on the same day, or a second upcoming booking of this type, unless confirmed
        with a reason; when it is, put the reason at the head of the notes."""
        if patient is None:
            return
        start = cleaned.get("start")
        self.existing_booking = same_day_booking(patient, clinic_time.day_of(start)) if start else None
        self.same_day = self.existing_booking is not None
        if not self.same_day:
            self.existing_booking = upcoming_booking(patient, procedure_type)
        if self.existing_booking is None:
            return
        reason = (cleaned.get("second_booking_reason") or "").strip()
        if not cleaned.get("book_another"):
            already = "already has an appointment that day" if self.same_day else "already has one booked"
            self.add_error("book_another", f"This patient {already}: tick to book another anyway.")
        if not reason and "second_booking_reason" not in self.errors:
            self.add_error("second_booking_reason", "Say why the patient needs a second booking.")
        if cleaned.get("book_another") and reason:
            notes = (cleaned.get("notes") or "").strip()
            cleaned["notes"] = f"{SECOND_BOOKING_PREFIX}{reason}" + (f"\n{notes}" if notes else "")
