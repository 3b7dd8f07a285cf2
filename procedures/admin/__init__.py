"""The admin: where radiologists log results and staff look after the clinic's data.

One module per subject; importing them here registers every model admin when Django autodiscovers
`procedures.admin`. As in the staff UI, every write goes through a service (`procedures.services`; a logged call
through the patient page's), and appointment times, rooms and statuses are read-only once booked.
"""

from . import (
    api_clients,
    appointments,
    content,
    followups,
    patient_answers,
    patients,
    referrals,
    results,
    sign_ins,
    translations,
    waitlist,
)

__all__ = [
    "api_clients",
    "appointments",
    "content",
    "followups",
    "patient_answers",
    "patients",
    "referrals",
    "results",
    "sign_ins",
    "translations",
    "waitlist",
]
