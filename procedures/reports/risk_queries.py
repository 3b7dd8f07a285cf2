"""The no-show risk's calibration: did the patients the points rule (`procedures.noshow`) put in a higher band miss
more often? Unlike the other reports' figures this one scores each appointment in Python (the rule has one home,
in code, and reads facts as of a moment), over the one query that fetches the period's due appointments."""

from __future__ import annotations

from django.utils import timezone

from procedures.models import Appointment
from procedures.noshow import BANDS, DUE_BEFORE, past_facts, risk_of

from .period import Filters
from .queries import appointments
from .tables import Table, rate, rounded

Status = Appointment.Status
# The appointments whose end is known: the patient came or did not. Cancelled ones are left out.
SETTLED = (Status.CHECKED_IN, Status.COMPLETED, Status.NO_SHOW)


def calibration(f: Filters) -> Table:
    """Per risk band (as it stood two days before each appointment): how many appointments, how many did not
    attend, the rate, and the mean points. One query."""
    now = timezone.now()
    due = appointments(f).filter(scheduled_start__lt=now, status__in=SETTLED).annotate(**past_facts())
    counts = {band: [0, 0, 0] for band in BANDS}  # appointments, did not attend, points
    for a in due:
        risk = risk_of(a, a.scheduled_start - DUE_BEFORE)
        tally = counts[risk.band]
        tally[0] += 1
        tally[1] += a.status == Status.NO_SHOW
        tally[2] += risk.points
    table = Table(
        caption="Did-not-attend rate by the no-show risk band predicted two days before",
        columns=["Risk band", "Appointments", "Did not attend", "Did-not-attend rate (%)", "Mean points"],
    )
    for band in BANDS:
        seen, missed, points = counts[band]
        mean = rounded(points / seen) if seen else None
        table.rows.append([band.capitalize(), seen, missed, rate(missed, seen), mean])
    return table
