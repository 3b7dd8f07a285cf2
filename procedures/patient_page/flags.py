"""What the patient's answers mean for staff: the flags on an appointment and the reasons to call the patient (the
flags as data; `procedures/templatetags/staff_badges.py` draws them as badges).

Nothing here queries. Each function reads the facts `selectors.with_patient_flags` annotates onto an appointment
(the `FACTS` below): the latest safety answers' flags, when the preparation was first read, the kind of any request
waiting for staff, and the last call. The selectors fetch them, for hundreds of appointments in one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..models import Appointment, PatientRequest, SafetyAnswers

# "Staff see who has not read the preparation two days before": from 48 hours before the start (when the
# two-days-before reminder goes), an upcoming appointment whose patient has not read it is flagged.
PREPARATION_DUE_BEFORE = timedelta(hours=48)

# The annotations every function here reads.
FACTS = (
    "pf_safety_flags",  # the latest safety answers' flag codes, space-separated
    "pf_safety_needs_call",
    "pf_safety_at",  # when they were given
    "pf_prep_read_at",  # when the preparation was first read
    "pf_request_kind",  # the kind of the request waiting for staff, if any
    "pf_last_call_at",
)


@dataclass(frozen=True)
class Flag:
    code: str
    label: str
    level: str  # "call" (red: call the patient), "warn" (amber: the radiologist should know), "ok" (green)
    title: str = ""


def _codes(a: Appointment) -> list[str]:
    return (a.pf_safety_flags or "").split()


def preparation_overdue(a: Appointment, now: datetime) -> bool:
    """Within two days of an upcoming appointment and the patient has not read the preparation."""
    return a.is_upcoming(now) and a.pf_prep_read_at is None and a.scheduled_start - now <= PREPARATION_DUE_BEFORE


def safety_call_due(a: Appointment) -> bool:
    """The latest safety answers need a call (no discharge, possibly pregnant, infection) and nobody has called
    since they were given."""
    if not a.pf_safety_needs_call:
        return False
    return a.pf_last_call_at is None or a.pf_last_call_at < a.pf_safety_at


def call_reasons(a: Appointment, now: datetime) -> list[str]:
    """Why staff should call this patient, in words; empty when there is no reason (or they have called)."""
    if not a.is_upcoming(now):
        return []
    reasons = []
    if safety_call_due(a):
        labels = [SafetyAnswers.FLAGS[c][0] for c in _codes(a) if SafetyAnswers.FLAGS[c][1]]
        reasons.append(f"Safety answers: {', '.join(labels).lower()}. The exam may need rebooking.")
    called_since_due = a.pf_last_call_at is not None and a.pf_last_call_at >= a.scheduled_start - PREPARATION_DUE_BEFORE
    if preparation_overdue(a, now) and not called_since_due:
        reasons.append("Has not read the preparation, two days or less before the appointment.")
    return reasons


def flags_of(a: Appointment, now: datetime) -> list[Flag]:
    """The badges staff see for an appointment, most urgent first."""
    flags: list[Flag] = []
    if safety_call_due(a) and a.is_upcoming(now):
        flags.append(Flag("call", "Call patient", "call", "The safety answers mean the exam may need rebooking"))
    codes = _codes(a)
    for code in codes:
        label, needs_call = SafetyAnswers.FLAGS[code]
        flags.append(Flag(code, label, "call" if needs_call else "warn", "From the patient's safety answers"))
    if a.pf_request_kind:
        label = "Asks to cancel" if a.pf_request_kind == PatientRequest.Kind.CANCEL else "Asks to reschedule"
        flags.append(Flag("request", label, "warn", "A request from the patient's page is waiting on /requests/"))
    if preparation_overdue(a, now):
        flags.append(Flag("prep_unread", "Preparation not read", "warn", "Two days or less to go, and not read yet"))
    if a.pf_safety_at is not None and not codes:
        flags.append(Flag("safety_ok", "Safety answers ✓", "ok", "The safety questions are answered: nothing to flag"))
    if a.pf_prep_read_at is not None:
        flags.append(Flag("prep_read", "Read preparation ✓", "ok", "The patient has read the preparation"))
    return flags
