"""The clinic's services: the only code that writes appointments, patients and results.

Keyword-only, typed, one transaction each; views, admin pages, commands and tasks call these. Everything is
importable from `procedures.services` as before:

- `booking`: book, reschedule, cancel, did not attend, confirm, check in, complete, booking details; the
  booking rules (`check_booking`) and `BookingError`.
- `patients`: register a patient, change their details (re-planning reminders when contact details change).
- `results`: record a procedure's result (completing the appointment).
"""

from ..slots import free_slots  # DESIGN.md names it here; it lives in procedures.slots
from .booking import (
    BOOKING_DETAILS,
    EDITABLE_DETAILS,
    BookingError,
    book_appointment,
    cancel_appointment,
    change_booking_details,
    check_booking,
    check_in,
    complete_appointment,
    confirm_attendance,
    mark_no_show,
    reschedule_appointment,
)
from .patients import register_patient, update_patient
from .results import record_result

__all__ = [
    "BOOKING_DETAILS",
    "EDITABLE_DETAILS",
    "BookingError",
    "book_appointment",
    "cancel_appointment",
    "change_booking_details",
    "check_booking",
    "check_in",
    "complete_appointment",
    "confirm_attendance",
    "free_slots",
    "mark_no_show",
    "record_result",
    "register_patient",
    "reschedule_appointment",
    "update_patient",
]
