"""Learned durations: how long to book a procedure, from how long the last ones took.

`suggest_duration()` reads the actual durations (start to end) of the most recent performed procedures of a type,
before now: the radiologist's own last 50 when they have at least 10, else the type's last 50. It books the 80th
percentile (nearest rank: 80% of those procedures ended within it), rounded up to 5 minutes and kept within the
type's minimum and maximum; with fewer than 10 it keeps the type's default and says so.

Whose procedure a result is: its `performed_by`, or the appointment's booked radiologist when nobody was recorded.
A result counts only when its duration does (`ProcedureResult.objects.usable_durations()`, as in the reports:
performed, ending after it starts, within RESULT_MAX_HOURS), and it started and ended before now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Q, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from ..access import radiologists, staff_name
from ..models import ProcedureResult, ProcedureType
from ..params import parse_id

RECENT = 50  # how many of the latest procedures to learn from
ENOUGH = 10  # fewer than this and the type's default stands
PERCENTILE = 80  # the share of procedures that ended within the suggestion
STEP_MINUTES = 5  # suggestions are rounded up to this

RADIOLOGIST, PROCEDURE_TYPE, DEFAULT = "radiologist", "procedure_type", "default"


@dataclass(frozen=True)
class DurationSuggestion:
    minutes: int
    sample_size: int  # the procedures it learned from (for the default: the few logged so far)
    basis: str  # RADIOLOGIST, PROCEDURE_TYPE or DEFAULT
    explanation: str  # plain words, e.g. "usually 55 min: 80% of Adaeze Okafor's last 38 ductograms ended within it"


def suggest_duration(*, procedure_type: ProcedureType, radiologist=None, now: datetime | None = None):
    """The duration to book for `procedure_type` (with `radiologist`, when chosen), and why. One query."""
    own, overall = _recent_durations(procedure_type, radiologist, now or timezone.now())
    plural = f"{procedure_type.name.lower()}s"
    if radiologist is not None and len(own) >= ENOUGH:
        name = staff_name(radiologist)
        return _learned(procedure_type, own, RADIOLOGIST, f"{name}'s last {len(own)} {plural}")
    if len(overall) >= ENOUGH:
        suggestion = _learned(procedure_type, overall, PROCEDURE_TYPE, f"the last {len(overall)} logged {plural}")
        if radiologist is None:
            return suggestion
        name = staff_name(radiologist)
        few = f"{name} has {len(own)} logged" if own else f"none logged by {name}"
        return DurationSuggestion(
            suggestion.minutes,
            suggestion.sample_size,
            PROCEDURE_TYPE,
            f"{suggestion.explanation} ({few} yet, fewer than {ENOUGH})",
        )
    return DurationSuggestion(
        procedure_type.default_duration,
        len(overall),
        DEFAULT,
        f"the usual {procedure_type.default_duration} min: fewer than {ENOUGH} logged {plural} to learn from yet",
    )


def suggest_for_booking(procedure_type: ProcedureType, radiologist_id, now: datetime | None = None):
    """The suggestion for a booking form whose radiologist field holds `radiologist_id` (a raw id, or nothing):
    that radiologist's when they can be booked, else the type's."""
    pk = parse_id(radiologist_id)
    radiologist = radiologists().filter(pk=pk).first() if pk is not None else None
    return suggest_duration(procedure_type=procedure_type, radiologist=radiologist, now=now)


def _learned(procedure_type: ProcedureType, spans: list[timedelta], basis: str, whose: str) -> DurationSuggestion:
    ordered = sorted(spans)
    rank = -(-PERCENTILE * len(ordered) // 100)  # nearest rank: the smallest with PERCENTILE% at or below it
    within = -(-ordered[rank - 1] // timedelta(minutes=STEP_MINUTES)) * STEP_MINUTES  # rounded up
    minutes = min(max(within, procedure_type.min_duration), procedure_type.max_duration)
    ended = f"{PERCENTILE}% of {whose} ended within"
    if minutes > within:
        words = f"{minutes} min, the shortest {procedure_type.name.lower()} booking: {ended} {within} min"
    elif minutes < within:
        words = f"{minutes} min, the longest booking without a reason: {ended} {within} min"
    else:
        words = f"usually {minutes} min: {ended} it"
    return DurationSuggestion(minutes, len(spans), basis, words)


def _recent_durations(procedure_type, radiologist, now: datetime) -> tuple[list[timedelta], list[timedelta]]:
    """The radiologist's and the type's last RECENT durations, newest first, in one query: each result is ranked
    among the type's and among its radiologist's (window functions, on SQLite and PostgreSQL alike), and a row is
    read when it is in either top RECENT."""
    newest_first = [F("started_at").desc(), F("pk").desc()]
    results = (
        ProcedureResult.objects.usable_durations()
        .filter(appointment__procedure_type=procedure_type, started_at__lt=now, ended_at__lte=now)
        .annotate(
            whose=Coalesce("performed_by", "appointment__radiologist"),
            type_rank=Window(RowNumber(), order_by=newest_first),
        )
        .order_by()
    )
    if radiologist is None:
        rows = results.filter(type_rank__lte=RECENT).values_list("started_at", "ended_at", "type_rank")
        return [], [end - start for start, end, _ in rows]
    rows = (
        results.annotate(own_rank=Window(RowNumber(), partition_by=[F("whose")], order_by=newest_first))
        .filter(Q(type_rank__lte=RECENT) | Q(whose=radiologist.pk, own_rank__lte=RECENT))
        .values_list("started_at", "ended_at", "whose", "type_rank", "own_rank")
    )
    own, overall = [], []
    for start, end, whose, type_rank, own_rank in rows:
        if whose == radiologist.pk and own_rank <= RECENT:
            own.append(end - start)
        if type_rank <= RECENT:
            overall.append(end - start)
    return own, overall
