"""The reports' figures, each one table, aggregated in the database (GROUP BY, COUNT ... FILTER, percentiles):
no loop here runs over appointment, reminder or result rows, only over the few groups a query returns (weeks,
months, channels, rooms) and over the period's days for the clinic hours."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Case, Count, Exists, F, FloatField, IntegerField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Left, TruncMonth, TruncWeek
from django.utils import timezone

from procedures import clinic_time
from procedures.models import Appointment, PreparationRead, Room
from reminders.channels import channel_choices
from reminders.models import Reminder
from reminders.stages import Stage

from .period import Filters
from .sql import Minutes, Percentile
from .tables import Table, rate, rounded

Status = Appointment.Status
# A cancellation is late when it is recorded less than this long before the start (or after it).
LATE_CANCELLATION = timedelta(hours=48)
NO_REASON = "No reason recorded"
LEAD_BUCKETS = [  # (label, up to this many days, exclusive)
    ("Under 1 day", 1),
    ("1–2 days", 3),
    ("3–7 days", 8),
    ("8–14 days", 15),
    ("15–28 days", 29),
    ("29–56 days", 57),
    ("57 days or more", None),
]


def appointments(f: Filters):
    qs = Appointment.objects.filter(scheduled_start__gte=f.start, scheduled_start__lt=f.end).order_by()
    if f.room_id:
        qs = qs.filter(room_id=f.room_id)
    if f.radiologist_id:
        qs = qs.filter(radiologist_id=f.radiologist_id)
    return qs


# a. Appointments per week by what became of them.


def weekly(f: Filters) -> Table:
    counts = {
        "completed": Count("id", filter=Q(status=Status.COMPLETED)),
        "no_show": Count("id", filter=Q(status=Status.NO_SHOW)),
    }
    reasons = [*Appointment.CancelReason.choices, ("", NO_REASON)]
    for code, _label in reasons:
        counts[f"cancel_{code}"] = Count("id", filter=Q(status=Status.CANCELLED, cancel_reason_code=code))
    counts["open"] = Count("id", filter=Q(status__in=Appointment.OPEN_STATUSES))
    found = {
        clinic_time.day_of(row.pop("week")): row
        for row in appointments(f)
        .annotate(week=TruncWeek("scheduled_start", tzinfo=clinic_time.zone()))
        .values("week")
        .annotate(**counts)
        .order_by("week")
    }
    table = Table(
        caption="Appointments per week (weeks start on Monday) by what became of them",
        columns=["Week", "Completed", "Did not attend", *[f"Cancelled: {label}" for _c, label in reasons], "Open"],
    )
    week = f.first - timedelta(days=f.first.weekday())
    while week <= f.last:
        row = found.get(week, {})
        table.rows.append([clinic_time.iso_day(week), *[row.get(name, 0) for name in counts]])
        week += timedelta(days=7)
    return table


# b. Did not attend and late cancellations, by month and by what the patient did with the reminders.


def _due(f: Filters):
    """Appointments in the period whose start has passed, less those cancelled 48 hours or more before it."""
    early = Q(status=Status.CANCELLED, status_changed_at__lte=F("scheduled_start") - LATE_CANCELLATION)
    return appointments(f).filter(scheduled_start__lte=timezone.now()).exclude(early)


_RATES = {
    "due": Count("id"),
    "dna": Count("id", filter=Q(status=Status.NO_SHOW)),
    "late": Count("id", filter=Q(status=Status.CANCELLED)),
}
RATE_COLUMNS = [
    "Appointments due",
    "Did not attend",
    "Did-not-attend rate (%)",
    "Late cancellations",
    "Late-cancellation rate (%)",
]


def _rate_cells(due: int, dna: int, late: int) -> list:
    return [due, dna, rate(dna, due), late, rate(late, due)]


def attendance(f: Filters) -> Table:
    found = {
        clinic_time.day_of(row["month"]): row
        for row in _due(f)
        .annotate(month=TruncMonth("scheduled_start", tzinfo=clinic_time.zone()))
        .values("month")
        .annotate(**_RATES)
        .order_by("month")
    }
    table = Table(caption="Did not attend and late cancellations by month", columns=["Month", *RATE_COLUMNS])
    month = f.first.replace(day=1)
    while month <= f.last:
        row = found.get(month, {"due": 0, "dna": 0, "late": 0})
        table.rows.append([clinic_time.iso_month(month), *_rate_cells(row["due"], row["dna"], row["late"])])
        month = (month + timedelta(days=32)).replace(day=1)
    return table


def engagement(f: Filters) -> Table:
    history = Appointment.history.model.objects.filter(id=OuterRef("pk"), status=Status.CONFIRMED)
    opted_out = Q(patient__reminders_opt_out_at__isnull=False, patient__reminders_opt_out_at__lt=F("scheduled_start"))
    groups = list(
        _due(f)
        .annotate(
            confirmed=Case(When(Q(status=Status.CONFIRMED) | Exists(history), then=1), default=0),
            read=Case(When(Exists(PreparationRead.objects.filter(appointment=OuterRef("pk"))), then=1), default=0),
            opted=Case(When(opted_out, then=1), default=0),
        )
        .values("confirmed", "read", "opted")
        .annotate(**_RATES)
    )

    def total(key: str, value: int) -> list:
        chosen = [g for g in groups if g[key] == value]
        return _rate_cells(*(sum(g[n] for g in chosen) for n in ("due", "dna", "late")))

    table = Table(
        caption="Did not attend and late cancellations by what the patient did with the reminders",
        columns=["Patients who", *RATE_COLUMNS],
    )
    for label, key, value in [
        ("Confirmed attendance", "confirmed", 1),
        ("Did not confirm", "confirmed", 0),
        ("Read the preparation", "read", 1),
        ("Did not read the preparation", "read", 0),
        ("Had opted out of reminders", "opted", 1),
        ("Had not opted out", "opted", 0),
    ]:
        table.rows.append([label, *total(key, value)])
    return table


# c. Reminders per channel and stage.


def _reminders(f: Filters):
    qs = Reminder.objects.filter(send_at__gte=f.start, send_at__lt=f.end).order_by()
    if f.room_id:
        qs = qs.filter(appointment__room_id=f.room_id)
    if f.radiologist_id:
        qs = qs.filter(appointment__radiologist_id=f.radiologist_id)
    return qs


def reminders(f: Filters) -> Table:
    R = Reminder.Status
    delay = Case(When(status=R.SENT, then=Minutes("send_at", "sent_at")), output_field=FloatField())
    found = {
        (row["channel"], row["stage"]): row
        for row in _reminders(f)
        .values("channel", "stage")
        .annotate(
            sent=Count("id", filter=Q(status=R.SENT)),
            failed=Count("id", filter=Q(status=R.FAILED)),
            skipped=Count("id", filter=Q(status=R.SKIPPED)),
            waiting=Count("id", filter=Q(status__in=[R.PENDING, R.SENDING])),
            cancelled=Count("id", filter=Q(status=R.CANCELLED)),
            p50=Percentile(delay, 0.5),
            p90=Percentile(delay, 0.9),
        )
    }
    table = Table(
        caption="Reminders due in the period, per channel and stage, and minutes from due to sent",
        columns=[
            "Channel",
            "Stage",
            "Sent",
            "Failed",
            "Skipped",
            "Still to go",
            "Cancelled",
            "Due to sent, median (min)",
            "Due to sent, 90th percentile (min)",
        ],
    )
    for channel, channel_label in channel_choices():
        for stage, stage_label in Stage.choices:
            row = found.get((channel, stage))
            if row:
                table.rows.append(
                    [
                        channel_label,
                        stage_label,
                        row["sent"],
                        row["failed"],
                        row["skipped"],
                        row["waiting"],
                        row["cancelled"],
                        rounded(row["p50"]),
                        rounded(row["p90"]),
                    ]
                )
    return table


def reminder_reasons(f: Filters) -> Table:
    R = Reminder.Status
    rows = (
        _reminders(f)
        .filter(status__in=[R.FAILED, R.SKIPPED])
        .annotate(reason=Left("last_error", 120))
        .values("channel", "status", "reason")
        .annotate(n=Count("id"))
        .order_by("-n", "channel", "status", "reason")[:30]
    )
    table = Table(
        caption="Why reminders failed or were skipped (the 30 commonest reasons)",
        columns=["Channel", "Outcome", "Reason", "Reminders"],
    )
    channels, statuses = dict(channel_choices()), dict(R.choices)
    for row in rows:
        table.rows.append(
            [
                channels.get(row["channel"], row["channel"]),
                statuses[row["status"]],
                row["reason"] or NO_REASON,
                row["n"],
            ]
        )
    return table


# e. Booking lead time and room utilisation.


def lead_time(f: Filters) -> Table:
    days = Minutes("created_at", "scheduled_start") / Value(1440.0)
    qs = appointments(f).annotate(lead=days)
    whens = [When(lead__lt=high, then=Value(i)) for i, (_label, high) in enumerate(LEAD_BUCKETS) if high is not None]
    counts = dict(
        qs.annotate(bucket=Case(*whens, default=Value(len(LEAD_BUCKETS) - 1), output_field=IntegerField()))
        .values("bucket")
        .annotate(n=Count("id"))
        .values_list("bucket", "n")
    )
    summary = qs.aggregate(p50=Percentile("lead", 0.5), p90=Percentile("lead", 0.9), n=Count("id"))
    total = summary["n"]
    table = Table(
        caption="Booking lead time: days from booking to the appointment's start",
        columns=["Lead time", "Appointments", "Share (%)"],
        summary=[
            ("Median lead time (days)", rounded(summary["p50"])),
            ("90th percentile lead time (days)", rounded(summary["p90"])),
        ],
    )
    for index, (label, _high) in enumerate(LEAD_BUCKETS):
        n = counts.get(index, 0)
        table.rows.append([label, n, rate(n, total)])
    return table


def open_minutes(f: Filters) -> int:
    total = 0
    for day in f.days():
        hours = clinic_time.hours_on(day)
        if hours:
            total += int((hours[1] - hours[0]).total_seconds() // 60)
    return total


def utilisation(f: Filters) -> Table:
    live = appointments(f).live().values("room_id").annotate(minutes=Sum("expected_duration"))
    booked = dict(live.values_list("room_id", "minutes"))
    rooms = Room.objects.filter(Q(is_active=True) | Q(id__in=list(booked))).order_by("name")
    if f.room_id:
        rooms = rooms.filter(id=f.room_id)
    available = open_minutes(f)
    table = Table(
        caption="Room utilisation: booked minutes of live appointments over the clinic's open minutes",
        columns=["Room", "Booked minutes", "Open minutes", "Utilisation (%)"],
    )
    for room in rooms:
        minutes = booked.get(room.id) or 0
        table.rows.append([room.name, minutes, available, rate(minutes, available)])
    return table
