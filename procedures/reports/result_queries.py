"""The reports' figures from result data (durations from results, outcomes, complications, BI-RADS, findings):
computed only for accounts that can see results (procedures.reports.catalogue), aggregated in the database."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, F, FloatField, Q, TextField
from django.db.models.functions import Cast

from procedures.access import staff_name
from procedures.models import ProcedureResult

from .period import Filters
from .sql import Percentile
from .tables import Table, rate, rounded

# d and f (radiologists only): result data.

RADIOLOGIST_USERNAME = "appointment__radiologist__username"


def _radiologist_name(row: dict) -> str:
    """The radiologist of a row grouped by radiologist, named as everywhere else (access.staff_name)."""
    prefix = "appointment__radiologist__"
    user = get_user_model()(
        first_name=row[f"{prefix}first_name"], last_name=row[f"{prefix}last_name"], username=row[RADIOLOGIST_USERNAME]
    )
    return staff_name(user)


def _results(f: Filters):
    qs = ProcedureResult.objects.filter(
        appointment__scheduled_start__gte=f.start, appointment__scheduled_start__lt=f.end
    ).order_by()
    if f.room_id:
        qs = qs.filter(appointment__room_id=f.room_id)
    if f.radiologist_id:
        qs = qs.filter(appointment__radiologist_id=f.radiologist_id)
    return qs


def durations(f: Filters) -> Table:
    """Only the results whose duration counts (`ProcedureResult.objects.usable_durations()`: performed, ending after
    they start, within RESULT_MAX_HOURS), as the learned booking lengths read them."""
    performed = (
        _results(f)
        .usable_durations()
        .annotate(actual=F("actual_minutes"), expected=Cast("appointment__expected_duration", FloatField()))
    )
    figures = {
        "n": Count("id"),
        "booked": Percentile("expected", 0.5),
        "p10": Percentile("actual", 0.1),
        "p50": Percentile("actual", 0.5),
        "p90": Percentile("actual", 0.9),
        "over": Count("id", filter=Q(actual__gt=F("expected"))),
    }
    table = Table(
        caption="Expected against actual duration of performed ductograms (minutes), and how often they overran",
        columns=[
            "By",
            "Name",
            "Procedures",
            "Expected, median",
            "Actual, 10th percentile",
            "Actual, median",
            "Actual, 90th percentile",
            "Overran",
            "Overrun rate (%)",
        ],
    )
    groupings = [
        ("Procedure type", "appointment__procedure_type__name", ()),
        (
            "Radiologist",
            "appointment__radiologist_id",
            ("appointment__radiologist__first_name", "appointment__radiologist__last_name", RADIOLOGIST_USERNAME),
        ),
    ]
    for by, key, names in groupings:
        for row in (
            performed.values(key, *names)
            .annotate(**figures)
            .order_by(*[F(n).asc(nulls_last=True) for n in (*names, key)])
        ):
            if not names:
                name = row[key]
            elif row[key] is None:
                name = "No radiologist booked"
            else:
                name = _radiologist_name(row)
            table.rows.append(
                [
                    by,
                    name,
                    row["n"],
                    rounded(row["booked"]),
                    rounded(row["p10"]),
                    rounded(row["p50"]),
                    rounded(row["p90"]),
                    row["over"],
                    rate(row["over"], row["n"]),
                ]
            )
    return table


def results(f: Filters) -> Table:
    R = ProcedureResult
    qs = _results(f)
    table = Table(
        caption="Results: outcomes, complications, BI-RADS and findings",
        columns=["Section", "Category", "Procedures"],
    )

    def section(title: str, field: str, choices, blank: str | None = None) -> None:
        counts = dict(qs.values(field).annotate(n=Count("id")).values_list(field, "n"))
        for code, label in choices:
            table.rows.append([title, label, counts.get(code, 0)])
        if blank is not None and counts.get(""):
            table.rows.append([title, blank, counts[""]])

    section("Outcome", "outcome", R.Outcome.choices)
    section("Complications", "complications", R.Complication.choices)
    section("BI-RADS", "birads", R.BiRads.choices, blank="Not recorded")
    text = qs.annotate(findings_text=Cast("findings", TextField()))
    found = text.aggregate(
        **{code: Count("id", filter=Q(findings_text__contains=f'"{code}"')) for code in R.Finding.values}
    )
    for code, label in R.Finding.choices:
        table.rows.append(["Findings", label, found[code]])
    return table
