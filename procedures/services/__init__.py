"""The clinic's services: the only code that writes appointments, patients and results.

Keyword-only, typed, one transaction each; views, admin pages, commands and tasks call these. Everything is
importable from `procedures.services` as before:

- `booking`: book, reschedule, cancel, confirm, complete, booking details; the booking rules (`check_booking`,
  within BOOKING_HORIZON_DAYS) and `BookingError`.
- `arrival`: the appointment's day: check in (from CHECK_IN_OPENS_MINUTES before the start, on the day), did not
  attend (once the start has come, never after a check-in; with a reason and a next step), attended recorded
  afterwards (the end of the day's list), and undoing a check-in or did-not-attend on the day; `arrival_actions`
  says which the page may offer.
- `followups`: the failsafe after a result or a did-not-attend that asks someone to act: opened, updated and closed
  with the result or the did-not-attend; closed by a person recording the action taken, or by a rebook.
- `patients`: register a patient, change their details (re-planning reminders when contact details change).
- `referrals`: referrals in (a FHIR ServiceRequest): recorded once, the patient found or registered or the referral
  held when their details differ; then booked (linked to its appointment) or rejected.
- `results`: record a procedure's result (completing the appointment).
- `waitlist`: a freed time offered in rounds to patients who could come earlier (`run_rounds` is the sweep);
  `offer_answers`: accepting or declining an offer, and going on the waiting list or off it (`set_short_notice`).
- `content`: record the review of a translation of what patients read (the FAQ, preparation, directions), and
  clear it when the English it was reviewed against changes.
"""

from ..slots import free_slots  # DESIGN.md names it here; it lives in procedures.slots
from .arrival import (
    ArrivalActions,
    arrival_actions,
    check_in,
    mark_no_show,
    record_attended,
    undo_check_in,
    undo_no_show,
)
from .booking import (
    BOOKING_DETAILS,
    EDITABLE_DETAILS,
    BookingError,
    book_appointment,
    cancel_appointment,
    change_booking_details,
    check_booking,
    complete_appointment,
    confirm_attendance,
    reschedule_appointment,
)
from .content import english_changed, mark_reviewed
from .followups import follow_up_rebooked, record_follow_up_action
from .offer_answers import accept_offer, decline_offer, set_short_notice
from .patients import register_patient, update_patient
from .referrals import (
    ReceivedPatient,
    ReceivedReferral,
    ReferralRefused,
    receive_referral,
    referral_booked,
    reject_referral,
    use_matched_patient,
)
from .results import record_result
from .waitlist import run_rounds

__all__ = [
    "accept_offer",
    "decline_offer",
    "run_rounds",
    "set_short_notice",
    "BOOKING_DETAILS",
    "EDITABLE_DETAILS",
    "ArrivalActions",
    "BookingError",
    "arrival_actions",
    "book_appointment",
    "cancel_appointment",
    "change_booking_details",
    "check_booking",
    "check_in",
    "complete_appointment",
    "english_changed",
    "mark_reviewed",
    "confirm_attendance",
    "free_slots",
    "mark_no_show",
    "record_follow_up_action",
    "record_attended",
    "record_result",
    "follow_up_rebooked",
    "ReceivedPatient",
    "ReceivedReferral",
    "ReferralRefused",
    "receive_referral",
    "referral_booked",
    "reject_referral",
    "use_matched_patient",
    "register_patient",
    "reschedule_appointment",
    "undo_check_in",
    "undo_no_show",
    "update_patient",
]
