"""The printed day list (/schedule/print/): what the nurse at the desk reads of each booking besides the time and the
patient. Whether the patient confirmed, whether she read the preparation, what her safety answers flagged (or that
she gave none), and the numbers to call her on, each in a column of its own; the other flags (a request waiting, a
booking inside the preparation window, a no-show risk) stay in the notes.

Everything comes from the one query of `appointments_between` (the patient flags' facts, annotated); nothing here
queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .. import clinic_time
from ..models import Appointment, SafetyAnswers
from ..patient_page.flags import Flag
from .bookings import appointments_between

# The flags that belong in the safety column: what the answers raised, "Call patient" (they need a call nobody has
# made yet), and the all-clear. The preparation's are said in its own column; the interpreter's by the name.
SAFETY_FLAGS = frozenset(SafetyAnswers.FLAGS) | {"call", "safety_ok"}
PREPARATION_FLAGS = frozenset({"prep_read", "prep_unread"})
BY_THE_NAME = frozenset({"interpreter"})

CONFIRMATION = {
    Appointment.Status.BOOKED: "No",
    Appointment.Status.CONFIRMED: "Yes",
    Appointment.Status.CHECKED_IN: "Checked in",
    Appointment.Status.COMPLETED: "Completed",
}


@dataclass(frozen=True)
class Line:
    """One booking on the printed list."""

    appointment: Appointment
    confirmed: str  # "Yes", "No", or, once she has come, "Checked in" / "Completed"
    read_at: datetime | None  # when she first read the preparation
    preparation_overdue: bool  # not read, and its due time has come
    answered: bool  # she answered the safety questions
    safety: list[Flag]
    other_flags: list[Flag]

    @property
    def is_confirmed(self) -> bool:
        return self.appointment.status == Appointment.Status.CONFIRMED


def line(appointment: Appointment) -> Line:
    """The booking's columns, from `appointments_between`'s annotations and its `flags`."""
    flags = appointment.flags
    return Line(
        appointment=appointment,
        confirmed=CONFIRMATION.get(appointment.status, appointment.get_status_display()),
        read_at=appointment.pf_prep_read_at,
        preparation_overdue=any(f.code == "prep_unread" for f in flags),
        answered=appointment.pf_safety_at is not None,
        safety=[f for f in flags if f.code in SAFETY_FLAGS],
        other_flags=[f for f in flags if f.code not in SAFETY_FLAGS | PREPARATION_FLAGS | BY_THE_NAME],
    )


def day_list(day: date) -> list[Line]:
    """Every live booking of the clinic day `day`, by room, then time. One query."""
    start, end = clinic_time.day_bounds(day)
    live = [a for a in appointments_between(start, end) if a.is_live]
    live.sort(key=lambda a: (a.room.name, a.scheduled_start))
    return [line(a) for a in live]
