"""What the demo clinic's days hold: the rooms' list of times, and what became of each visit.

- The last PAST_DAYS clinic days are closed, as a clinic closes its days: each visit attended with its result
  logged, missed with a reason and a next step, or cancelled, by the patient after confirming or by the clinic for
  its own reason. Only the last clinic day keeps open work: a booking nobody closed (the end of the day's list), a
  patient checked in whose result is still to log (the worklist's "results pending"), and its follow-ups.
- Today: done, under way, and still to come, by the hour the demo is made.
- The coming days: booked through the service, some confirmed, one cancelled at the patient's request after she had
  confirmed, and one patient booked twice, for each side, with the second booking's reason (the booking form's rule).
- A few patients return: a ductogram not performed (no discharge on the day, a duct that could not be cannulated) or
  asking for a repeat is rebooked from its follow-up, and a patient who missed hers comes again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from procedures import clinic_time
from procedures.models import Appointment, FollowUp, ProcedureResult

Cancel = Appointment.CancelReason
NoShow, NextStep = Appointment.NoShowReason, Appointment.NextStep
Finding, BiRads, Recommend = ProcedureResult.Finding, ProcedureResult.BiRads, ProcedureResult.Recommendation
Outcome = ProcedureResult.Outcome

# Per clinic day: (room index, start, minutes). Each room has its own radiologist, so no two bookings clash.
DAY_PLAN = [
    (0, time(9, 0), 45),
    (1, time(9, 30), 30),
    (0, time(10, 30), 60),
    (1, time(11, 0), 45),
    (0, time(13, 30), 45),
    (1, time(14, 0), 45),
    (0, time(15, 30), 45),
    (1, time(16, 0), 30),
]
PAST_DAYS = 10  # clinic days before today: two working weeks
# The reasons a patient gives for cancelling: she had confirmed first (the clinic's rule for the demo: a patient who
# never confirmed is not one who phones to cancel; an unconfirmed booking is cancelled by the clinic, for its reason).
PATIENT_REASONS = (Cancel.PATIENT_REQUEST, Cancel.UNWELL, Cancel.PREGNANCY, Cancel.NO_DISCHARGE)

# What each logged result says, by name.
RESULTS = {
    "b1": {
        "findings": [Finding.NORMAL],
        "birads": BiRads.B1,
        "recommendation": Recommend.ROUTINE,
        "report": "Single duct cannulated; normal branching, no filling defect. Demo report.",
    },
    "b2": {
        "findings": [Finding.DUCTAL_ECTASIA],
        "birads": BiRads.B2,
        "recommendation": Recommend.ROUTINE,
        "report": "Single duct cannulated; mild ductal ectasia, no filling defect. Demo report.",
    },
    "cyst": {
        "findings": [Finding.CYST_COMMUNICATION],
        "birads": BiRads.B2,
        "recommendation": Recommend.ROUTINE,
        "report": "Single duct cannulated; the duct fills a small simple cyst. Demo report.",
    },
    "b3": {
        "findings": [Finding.FILLING_DEFECT],
        "birads": BiRads.B3,
        "recommendation": Recommend.SHORT_INTERVAL,
        "report": "Single duct cannulated; smooth 3 mm filling defect, probably a papilloma. Demo report.",
    },
    "b4a": {
        "findings": [Finding.WALL_IRREGULARITY],
        "birads": BiRads.B4A,
        "recommendation": Recommend.ULTRASOUND,
        "report": "Single duct cannulated; segmental wall irregularity; targeted ultrasound advised. Demo report.",
    },
    "b4b": {
        "findings": [Finding.FILLING_DEFECT],
        "birads": BiRads.B4B,
        "recommendation": Recommend.SURGICAL_REFERRAL,
        "report": "Single duct cannulated; intraductal filling defect 2 cm from the nipple. Demo report.",
    },
    "b0": {
        "findings": [Finding.EXTRAVASATION],
        "birads": BiRads.B0,
        "recommendation": Recommend.REPEAT_DUCTOGRAPHY,
        "complications": ProcedureResult.Complication.EXTRAVASATION,
        "report": "Contrast extravasated before the ducts filled: incomplete study, to repeat. Demo report.",
    },
    "nodis": {
        "outcome": Outcome.NO_DISCHARGE,
        "report": "No discharge could be expressed on the day; not performed. Demo report.",
    },
    "cannula": {
        "outcome": Outcome.CANNULATION_FAILED,
        "duct_cannulated": False,
        "report": "The discharging duct could not be cannulated; not performed. Demo report.",
    },
}
PERFORMED = {name for name, result in RESULTS.items() if "outcome" not in result}
# What the radiologist records on a follow-up she acts on, a few days after the result.
ACTED = {"b3": FollowUp.Action.IMAGING, "b4a": FollowUp.Action.IMAGING, "b4b": FollowUp.Action.SURGEONS}
ACTED_AFTER_DAYS = 4  # clinic days: a newer result's follow-up is still open


@dataclass(frozen=True)
class Fate:
    """What became of a visit. `confirmed`: the patient confirmed on her page beforehand. Then one of: attended with
    `result` logged; attended and `checked_in`, the result still to log; missed (`no_show`: why, next step);
    `cancel`led (a reason code, in `words`); or nothing yet (still booked or confirmed)."""

    confirmed: bool = True
    result: str = ""
    checked_in: bool = False
    no_show: tuple[str, str] | None = None
    cancel: str = ""
    words: str = ""


FATES = {
    **{name: Fate(result=name) for name in RESULTS},
    "b2, unconfirmed": Fate(confirmed=False, result="b2"),
    "booked": Fate(confirmed=False),
    "confirmed": Fate(),
    "checked_in": Fate(checked_in=True),
    "dna, forgot": Fate(confirmed=False, no_show=(NoShow.FORGOT, NextStep.REBOOK)),
    "dna, not known": Fate(confirmed=False, no_show=(NoShow.NOT_KNOWN, NextStep.REFERRER_TOLD)),
    "dna, travel": Fate(no_show=(NoShow.TRAVEL, NextStep.REBOOK)),
    "cancel, away": Fate(
        cancel=Cancel.PATIENT_REQUEST, words="The patient phoned: away that week; she will call back."
    ),
    "cancel, unwell": Fate(cancel=Cancel.UNWELL, words="The patient phoned the day before: a chest infection."),
    "cancel, no discharge": Fate(
        cancel=Cancel.NO_DISCHARGE, words="The patient phoned: the discharge has stopped; her GP is told."
    ),
    "cancel, clinic": Fate(
        confirmed=False, cancel=Cancel.CLINIC, words="The mammography unit is out of service that day."
    ),
    "cancel, not needed": Fate(
        confirmed=False, cancel=Cancel.NOT_NEEDED, words="The referrer wrote: the ultrasound found the cause."
    ),
}
assert all(f.confirmed for f in FATES.values() if f.cancel in PATIENT_REASONS), "a patient cancels after confirming"

# A past day's visits, slot by slot, unless EVENTS say otherwise.
ORDINARY = ["b1", "b2", "b1", "cyst", "b2", "b1", "b2, unconfirmed", "b1"]
# (clinic days ago, slot): what happened instead. Slots 4 to 7 of the days before yesterday are where returning
# patients come back (RETURNS), so yesterday's open work is in slots 0 to 4.
EVENTS = {
    (1, 0): "dna, forgot",
    (1, 1): "booked",
    (1, 2): "b4b",
    (1, 3): "checked_in",
    (1, 4): "cancel, unwell",
    (2, 1): "nodis",
    (2, 3): "cancel, clinic",
    (2, 6): "dna, not known",
    (3, 2): "b4a",
    (3, 5): "cancel, away",
    (4, 0): "b3",
    (4, 6): "b0",
    (5, 1): "b4b",
    (5, 4): "cancel, not needed",
    (6, 3): "nodis",
    (7, 2): "cancel, no discharge",
    (7, 5): "dna, travel",
    (8, 2): "cannula",
    (9, 3): "dna, not known",
    (9, 6): "cancel, away",
    (10, 1): "nodis",
}
# Today's list, slot by slot: what has happened by the time it starts (and ends), or what is booked if still to come.
TODAY = ["b2", "checked_in", "confirmed", "b1", "cancel, unwell", "booked", "checked_in", "booked"]
# The coming clinic days (1 = the next): the bookings patients have confirmed, and the one cancelled at the
# patient's request after she confirmed (its time goes to the waiting list's patients).
AHEAD_CONFIRMED = {(1, 0), (1, 2), (1, 3), (1, 5), (2, 1), (2, 6), (3, 3)}
AHEAD_CANCELLED = {(1, 2): "cancel, away"}
# The featured patients (people.FEATURED, by number) are booked in the coming days, where their reminders show:
# (clinic day ahead, slot) -> patient number. Helen's letters need a few working days in the post.
FEATURED_SLOTS = {
    (1, 0): 1, (1, 3): 3, (1, 5): 13, (1, 7): 5,
    (2, 0): 4, (2, 1): 2, (2, 2): 14, (2, 6): 7,
    (3, 0): 15, (3, 3): 8, (3, 5): 9, (3, 7): 16,
    (4, 0): 12, (4, 1): 6, (4, 2): 10, (4, 6): 11,
}  # fmt: skip


@dataclass(frozen=True)
class Return:
    """A patient coming back: her visit `days_ago` clinic days ago in `slot` asked for it (a follow-up for the
    schedulers), and she is booked `after` calendar days later (the first clinic day then), in `slot` `to_slot`.
    `fate` is what became of the return if its day has passed; `why` goes into its notes."""

    days_ago: int
    slot: int
    after: int
    to_slot: int
    fate: str
    why: str


RETURNS = [
    Return(10, 1, 14, 6, "b2", "Repeat ductogram: not performed on {day} (no discharge on the day)."),
    Return(8, 2, 14, 4, "b1", "Repeat ductogram: the duct could not be cannulated on {day}."),
    Return(4, 6, 28, 0, "b1", "Repeat ductogram: the study of {day} was incomplete."),
    Return(6, 3, 6, 5, "b2", "Repeat ductogram: the discharge came back (the patient phoned); none on {day}."),
    Return(7, 5, 7, 7, "b1", "Rebooked: did not attend on {day} (transport)."),
]
# One patient booked for each side: the second booking on the day ahead given, with the booking form's reason.
SECOND_SIDE = ((1, 1), (3, 1), "Both sides discharge: the right side on a separate visit, as the referrer asked.")


def is_clinic_day(day: date) -> bool:
    return clinic_time.hours_on(day) is not None


def clinic_days_before(today: date, count: int) -> list[date]:
    """The `count` clinic days before `today`, the nearest first (index 0 is "1 clinic day ago")."""
    days, day = [], today
    for _ in range(count * 7 + 7):
        day -= timedelta(days=1)
        if is_clinic_day(day):
            days.append(day)
            if len(days) == count:
                break
    return days


def clinic_days_ahead(today: date, days: int) -> list[date]:
    """The clinic days among the `days` calendar days after today, the nearest first."""
    return [today + timedelta(days=n) for n in range(1, days + 1) if is_clinic_day(today + timedelta(days=n))]


def first_clinic_day_from(day: date) -> date | None:
    for n in range(14):
        if is_clinic_day(day + timedelta(days=n)):
            return day + timedelta(days=n)
    return None


def past_fate(days_ago: int, slot: int) -> str:
    return EVENTS.get((days_ago, slot), ORDINARY[slot])
