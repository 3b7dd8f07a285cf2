"""What the patient's answers mean for staff: the flags on an appointment and the reasons to call the patient (the
flags as data; `procedures/templatetags/staff_badges.py` draws them as badges). One flag is the patient's record
rather than their answers: "Interpreter: Polish", for a patient who needs an interpreter (Patient.needs_interpreter).

Nothing here queries. Each function reads the facts `selectors.with_patient_flags` annotates onto an appointment
(the `FACTS` below): the latest safety answers' flags, when the preparation was first read, the kind of any request
waiting for staff, the last call, and when it was booked. The selectors fetch them, for hundreds of appointments in
one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from ..languages import ENGLISH, interpreter_label
from ..models import Appointment, PatientRequest, SafetyAnswers
from ..noshow import RISK_FACTS, call_the_day_before, risk_of
from ..preparation import booked_inside_preparation

# The annotations every function here reads.
FACTS = (
    "pf_safety_flags",  # the latest safety answers' flag codes, space-separated
    "pf_safety_needs_call",
    "pf_safety_at",  # when they were given
    "pf_prep_read_at",  # when the preparation was first read
    "pf_prep_due_at",  # when an unread preparation becomes overdue (selectors.preparation_due_at: the admin's rule)
    "pf_request_kind",  # the kind of the request to move or cancel waiting for staff, if any
    "pf_message_at",  # when the latest text from the patient waiting for staff came
    "pf_unreached_at",  # when the latest message that nothing else could carry was reported undelivered
    "pf_unreached_reason",  # what the provider said about it
    "pf_last_call_at",
    "pf_created_at",  # when the appointment was booked
    "pf_prep_lead_days",  # the procedure type's preparation days
    "pf_language",  # the patient's language (Patient.language)
    "pf_needs_interpreter",  # whether the patient needs an interpreter
    *RISK_FACTS,  # the no-show risk's (procedures.noshow)
)

NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}


@dataclass(frozen=True)
class Flag:
    code: str
    label: str
    # "call" (red: call the patient), "warn" (amber: the radiologist should know), "ok" (green), "info" (blue: the
    # interpreter to book; never urgent, and kept on the compact lists)
    level: str
    title: str = ""


def _codes(a: Appointment) -> list[str]:
    return (a.pf_safety_flags or "").split()


# "Preparation overdue": an upcoming appointment whose patient has not read the preparation once its due time has
# come (`pf_prep_due_at`, from the reminder rule the admin edits). Stated here twice, side by side, over the one
# annotation: for an appointment in hand (the badges, the reasons to call) and as a filter (the call list's query).


def preparation_overdue(a: Appointment, now: datetime) -> bool:
    """Upcoming, its preparation unread, and its due time come."""
    due = a.pf_prep_due_at
    return a.is_upcoming(now) and a.pf_prep_read_at is None and due is not None and now >= due


def preparation_overdue_filter(now: datetime) -> Q:
    """`preparation_overdue` as a filter on appointments annotated by `selectors.with_patient_flags` (upcoming is
    the caller's: `Appointment.objects.upcoming(now)`)."""
    return Q(pf_prep_read_at__isnull=True, pf_prep_due_at__lte=now)


def preparation_lead_words(a: Appointment) -> str:
    """How long before the appointment the preparation is due, in words: "two days", "36 hours"."""
    lead = a.scheduled_start - a.pf_prep_due_at if a.pf_prep_due_at is not None else None
    if lead is None or lead <= timedelta(0):
        return "no time"
    days, rest = divmod(lead, timedelta(days=1))
    if not rest:
        return f"{NUMBER_WORDS.get(days, days)} day{'s' if days != 1 else ''}"
    hours = lead / timedelta(hours=1)
    return f"{hours:g} hour{'s' if hours != 1 else ''}"


def booked_late_for_preparation(a: Appointment) -> bool:
    """Booked on or after the day its preparation started, and not yet over: staff ask whether the patient has
    squeezed or checked for discharge since (`procedures.preparation`, the rule the messages ask too)."""
    if a.status not in Appointment.OPEN_STATUSES or a.pf_created_at is None or a.pf_prep_lead_days is None:
        return False
    return booked_inside_preparation(a.pf_created_at, a.scheduled_start, a.pf_prep_lead_days)


def safety_call_due(a: Appointment) -> bool:
    """The latest safety answers need a call (no discharge, possibly pregnant, infection, or not sure about either)
    and nobody has called since they were given."""
    if not a.pf_safety_needs_call:
        return False
    return a.pf_last_call_at is None or a.pf_last_call_at < a.pf_safety_at


def unreached_call_due(a: Appointment) -> bool:
    """A message did not arrive, nothing else reaches the patient (reminders.services.fallbacks), and nobody has
    called since."""
    if a.pf_unreached_at is None:
        return False
    return a.pf_last_call_at is None or a.pf_last_call_at < a.pf_unreached_at


def call_reasons(a: Appointment, now: datetime) -> list[str]:
    """Why staff should call this patient, in words; empty when there is no reason (or they have called). A message
    that did not arrive counts until the appointment's time, even once it is cancelled (the patient must hear so)."""
    reasons = []
    if unreached_call_due(a) and a.scheduled_start > now:
        said = (a.pf_unreached_reason or "").strip()
        reasons.append(f"A message did not arrive and nothing else reaches the patient: tell them by phone. {said}")
    if not a.is_upcoming(now):
        return reasons
    if safety_call_due(a):
        labels = [SafetyAnswers.FLAGS[c][0] for c in _codes(a) if SafetyAnswers.FLAGS[c][1]]
        reasons.append(f"Safety answers: {'; '.join(labels).lower()}. The exam may need rebooking.")
    if preparation_overdue(a, now):
        called_since_due = a.pf_last_call_at is not None and a.pf_last_call_at >= a.pf_prep_due_at
        if not called_since_due:
            words = preparation_lead_words(a)
            reasons.append(f"Has not read the preparation, {words} or less before the appointment.")
    if call_the_day_before(a, now):
        reasons.append(f"Likely not to attend (high no-show risk, {risk_of(a, now).summary}): confirm they are coming.")
    return reasons


def noshow_flag(a: Appointment, now: datetime) -> Flag | None:
    """A medium or high no-show risk on an upcoming appointment, its points and reasons in the title."""
    if not a.is_upcoming(now):
        return None
    risk = risk_of(a, now)
    if risk.band == "low":
        return None
    return Flag("noshow", f"No-show risk: {risk.band}", "warn" if risk.band == "high" else "info", risk.summary)


def interpreter_flag(needs_interpreter: bool, language: str) -> Flag | None:
    """A patient who needs an interpreter: a badge that says so in words ("Interpreter: Polish"), not by colour
    alone. For the lists, from an appointment's facts; for the patient's page, from the patient."""
    if not needs_interpreter:
        return None
    label = interpreter_label(language or ENGLISH)
    return Flag("interpreter", label, "info", "The patient needs an interpreter: book one for the appointment")


def flags_of(a: Appointment, now: datetime) -> list[Flag]:
    """The badges staff see for an appointment, most urgent first; the interpreter's (a standing need of the
    patient's, to arrange before the day) after any "Call patient"."""
    flags: list[Flag] = []
    if safety_call_due(a) and a.is_upcoming(now):
        flags.append(Flag("call", "Call patient", "call", "The safety answers mean the exam may need rebooking"))
    interpreter = interpreter_flag(a.pf_needs_interpreter, a.pf_language)
    if interpreter is not None:
        flags.append(interpreter)
    codes = _codes(a)
    for code in codes:
        label, needs_call = SafetyAnswers.FLAGS[code]
        flags.append(Flag(code, label, "call" if needs_call else "warn", "From the patient's safety answers"))
    if a.pf_request_kind:
        label = "Asks to cancel" if a.pf_request_kind == PatientRequest.Kind.CANCEL else "Asks to reschedule"
        flags.append(Flag("request", label, "warn", "A request from the patient's page is waiting on /requests/"))
    if a.pf_message_at is not None:
        flags.append(Flag("message", "Sent a text", "warn", "A text from the patient is waiting on /requests/"))
    if unreached_call_due(a) and a.scheduled_start > now:
        flags.append(Flag("unreached", "Not reached", "call", "A message did not arrive: call the patient"))
    if booked_late_for_preparation(a):
        flags.append(
            Flag(
                "prep_late",
                "Booked inside the preparation window",
                "warn",
                "Booked after the preparation started: ask whether she has squeezed or checked for discharge",
            )
        )
    if preparation_overdue(a, now):
        to_go = f"{preparation_lead_words(a).capitalize()} or less to go, and not read yet"
        flags.append(Flag("prep_unread", "Preparation not read", "warn", to_go))
    if (risk := noshow_flag(a, now)) is not None:
        flags.append(risk)
    if a.pf_safety_at is not None and not codes:
        flags.append(Flag("safety_ok", "Safety answers ✓", "ok", "The safety questions are answered: nothing to flag"))
    if a.pf_prep_read_at is not None:
        flags.append(Flag("prep_read", "Read preparation ✓", "ok", "The patient has read the preparation"))
    return flags
