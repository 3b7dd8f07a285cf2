"""A second upcoming ductogram for the same patient is usually a mistake (a double booking, a referral sent
twice): the booking form shows the one already booked and books another only when the scheduler ticks "Book another
anyway" and says why. The reason goes into the new appointment's notes, prefixed SECOND_BOOKING_PREFIX."""

from __future__ import annotations

from django import forms

from ..models import Appointment, Patient, ProcedureType
from ..text import CleanCharField
from .selectors import upcoming_booking

SECOND_BOOKING_PREFIX = "Second booking: "
REASON_MAX_LENGTH = 200


class SecondBookingFields(forms.Form):
    """The two fields a second booking needs; `BookingForm` inherits them and calls `check_second_booking`."""

    book_another = forms.BooleanField(label="Book another anyway", required=False)
    second_booking_reason = CleanCharField(
        label="Why does the patient need a second booking?", required=False, max_length=REASON_MAX_LENGTH
    )

    # The booking already there, when there is one: the page shows it, with a link.
    existing_booking: Appointment | None = None

    def check_second_booking(self, cleaned: dict, patient: Patient | None, procedure_type: ProcedureType) -> None:
        """Refuse a second upcoming booking of this type unless confirmed with a reason; when it is, put the
        reason at the head of the notes."""
        self.existing_booking = upcoming_booking(patient, procedure_type) if patient is not None else None
        if self.existing_booking is None:
            return
        reason = (cleaned.get("second_booking_reason") or "").strip()
        if not cleaned.get("book_another"):
            self.add_error("book_another", "This patient already has one booked: tick to book another anyway.")
        if not reason and "second_booking_reason" not in self.errors:
            self.add_error("second_booking_reason", "Say why the patient needs a second booking.")
        if cleaned.get("book_another") and reason:
            notes = (cleaned.get("notes") or "").strip()
            cleaned["notes"] = f"{SECOND_BOOKING_PREFIX}{reason}" + (f"\n{notes}" if notes else "")
