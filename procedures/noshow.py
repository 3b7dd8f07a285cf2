"""No-show risk, explained: a transparent points rule, the one home of its factors, weights and bands.

Issue 20 allows a fitted model (a logistic regression, say) once the clinic has history enough to fit one, and a
points rule until then. There is no model yet: the clinic's history is small, and staff must be able to see why a
booking is flagged. Each factor below adds its points with a sentence in staff's words; the points add up to a band.

The facts are annotations on the appointments' own query (`risk_facts`), so the day view, worklist and call list
score hundreds of bookings with no extra query; `risk_of` reads them as of a moment (now, or two days before the
start for the report's look back), so what was not yet known then does not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from reminders.models import Reminder

from . import clinic_time
from .models import Appointment, PreparationRead

# How long before the start a cancellation is late, and the moment confirmation and reading the preparation are
# looked for: the two-days-before reminder.
LATE_CANCEL = timedelta(days=2)
DUE_BEFORE = timedelta(days=2)
# Booked this long before the start or longer counts as booked long ago.
LONG_LEAD = timedelta(days=42)

# The factors' points: (points each, most counted). The one place they are set; the pages and the README show them.
WEIGHTS = {
    "earlier_no_show": (3, 2),  # each earlier did-not-attend, at most two counted
    "late_cancel": (1, 2),  # each earlier late cancellation, at most two counted
    "not_confirmed": (1, 1),
    "preparation_unread": (1, 1),
    "long_lead": (1, 1),
    "unreachable": (2, 1),
}
FACTOR_WORDS = {
    "earlier_no_show": "Earlier did-not-attend",
    "late_cancel": "Earlier late cancellation (less than two days before)",
    "not_confirmed": "Unconfirmed two days before",
    "preparation_unread": "Had not read the preparation two days before",
    "long_lead": f"Booked {LONG_LEAD.days // 7} weeks or more ahead",
    "unreachable": "No reminder reaches the patient",
}
# The bands by total points: at least this many points.
MEDIUM, HIGH = 3, 5
BANDS = ("low", "medium", "high")

# The annotations `risk_of` reads (added to the patient flags' facts, so every staff list has them).
RISK_FACTS = (
    "pf_earlier_no_shows",  # the patient's did-not-attends at appointments that started before this one
    "pf_late_cancels",  # their other appointments cancelled late, recorded before this one's start
    "pf_confirmed_at",  # when this appointment was first confirmed (its history)
    "pf_opted_out_at",  # when the patient stopped reminders
    "pf_no_channels",  # the patient agreed to no reminder channel
)


def _count(queryset) -> Coalesce:
    counted = queryset.order_by().values("patient").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def risk_facts() -> dict:
    """The annotations for `risk_of`, each a subquery or column of the appointments' own query: no query per row.
    (`pf_prep_read_at`, `pf_created_at` and `pf_unreached_at` come with the patient flags' facts.)"""
    others = Appointment.objects.filter(patient=OuterRef("patient")).exclude(pk=OuterRef("pk"))
    no_shows = others.filter(status=Appointment.Status.NO_SHOW, scheduled_start__lt=OuterRef("scheduled_start"))
    late = others.filter(
        status=Appointment.Status.CANCELLED,
        status_changed_at__gte=F("scheduled_start") - LATE_CANCEL,
        status_changed_at__lt=OuterRef("scheduled_start"),
    )
    confirmed = Appointment.history.model.objects.filter(id=OuterRef("pk"), status=Appointment.Status.CONFIRMED)
    return {
        "pf_earlier_no_shows": _count(no_shows),
        "pf_late_cancels": _count(late),
        "pf_confirmed_at": Subquery(confirmed.order_by("history_date").values("history_date")[:1]),
        "pf_opted_out_at": F("patient__reminders_opt_out_at"),
        "pf_no_channels": ExpressionWrapper(Q(patient__channels=[]), output_field=BooleanField()),
    }


def past_facts() -> dict:
    """Every fact `risk_of` reads, for appointments scored on their own (the report's look back) rather than with
    the patient flags' (which bring `pf_prep_read_at`, `pf_created_at` and `pf_unreached_at`): here the first read
    and the first message nothing could carry, so that `risk_of` can ask whether they came before a moment."""
    first_read = PreparationRead.objects.filter(appointment=OuterRef("pk")).order_by("read_at")
    unreached = Reminder.objects.filter(appointment=OuterRef("pk"), fallback=Reminder.Fallback.CALL)
    return {
        **risk_facts(),
        "pf_prep_read_at": Subquery(first_read.values("read_at")[:1]),
        "pf_created_at": F("created_at"),
        "pf_unreached_at": Subquery(unreached.order_by("undelivered_at").values("undelivered_at")[:1]),
    }


@dataclass(frozen=True)
class Risk:
    points: int
    band: str
    reasons: tuple[str, ...]  # each "Factor (+n)", in staff's words

    @property
    def summary(self) -> str:
        return f"{self.points} points: {'; '.join(self.reasons)}" if self.reasons else "0 points"


def band_of(points: int) -> str:
    return "high" if points >= HIGH else "medium" if points >= MEDIUM else "low"


def _add(reasons: list[str], factor: str, times: int = 1) -> int:
    each, most = WEIGHTS[factor]
    times = min(times, most)
    if times <= 0:
        return 0
    words = FACTOR_WORDS[factor] + (f" ×{times}" if times > 1 else "")
    reasons.append(f"{words} (+{each * times})")
    return each * times


def _unreachable(a, as_of: datetime) -> bool:
    """Nothing reaches the patient: they stopped reminders or chose none, or a message did not arrive and no other
    channel could carry it (the reminders' own verdict, `Reminder.Fallback.CALL`)."""
    opted_out = a.pf_opted_out_at is not None and a.pf_opted_out_at <= as_of
    unreached = a.pf_unreached_at is not None and a.pf_unreached_at <= as_of
    return bool(opted_out or a.pf_no_channels or unreached)


def risk_of(a, as_of: datetime) -> Risk:
    """The appointment's risk as known at `as_of`: confirmation and reading count from two days before the start."""
    reasons: list[str] = []
    points = _add(reasons, "earlier_no_show", a.pf_earlier_no_shows or 0)
    points += _add(reasons, "late_cancel", a.pf_late_cancels or 0)
    if as_of >= a.scheduled_start - DUE_BEFORE:
        if a.pf_confirmed_at is None or a.pf_confirmed_at > as_of:
            points += _add(reasons, "not_confirmed")
        if a.pf_prep_read_at is None or a.pf_prep_read_at > as_of:
            points += _add(reasons, "preparation_unread")
    if a.pf_created_at is not None and a.scheduled_start - a.pf_created_at >= LONG_LEAD:
        points += _add(reasons, "long_lead")
    if _unreachable(a, as_of):
        points += _add(reasons, "unreachable")
    return Risk(points, band_of(points), tuple(reasons))


def band_words() -> str:
    return f"low 0–{MEDIUM - 1}, medium {MEDIUM}–{HIGH - 1}, high {HIGH} or more"


def weights_table() -> list[tuple[str, int, int]]:
    """(factor in words, points each, most counted), for the pages that show the rule."""
    return [(FACTOR_WORDS[f], each, most) for f, (each, most) in WEIGHTS.items()]


def call_the_day_before(a, now: datetime) -> bool:
    """A high risk puts the patient on the call list from the clinic day before the appointment (not earlier),
    until a call is logged that day or later."""
    if not a.is_upcoming(now) or clinic_time.day_of(a.scheduled_start) > clinic_time.today(now) + timedelta(days=1):
        return False
    day_before = clinic_time.day_start(clinic_time.day_of(a.scheduled_start) - timedelta(days=1))
    if a.pf_last_call_at is not None and a.pf_last_call_at >= day_before:
        return False
    return risk_of(a, now).band == "high"
