# ruff: noqa: E402 - Django is set up before the project's modules are imported
"""Benchmark: the reports page (/reports/) for a quarter, with 100,000 appointments over the past year, 50,000
results and 100,000 reminders.

    .venv/bin/python bench/reports.py                 # SQLite, in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ductogram_rbench .venv/bin/python bench/reports.py

Like bench/schedule.py it never touches the data in DATABASE_URL: it creates a throwaway database next to it
(`bench_<name>` on PostgreSQL, an in-memory one on SQLite), fills it with bulk_create (no services, no history,
no reminders scheduled), measures, and drops it, even on failure. 100,000 appointments in a year need 36 rooms
(about 385 a clinic day), far busier than a real ductogram list: the figures are an upper bound.

Prints the median and 95th percentile, in milliseconds, signed in as a radiologist (every chart, result data
included), through Django's test client with templates rendered:
- the page cold: its figures dropped from the cache before every request, so every table is computed;
- the page cached: the figures read from the cache;
- the page and its nine chart images, cold: what a first visit costs in all, SVGs drawn by matplotlib.
The cache is the configured one (Redis); only the reports' own keys for the measured period are dropped.
"""

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prepapp.settings")
warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic needed here

import django

django.setup()

from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone
from throwaway import throwaway_database  # noqa: E402 - bench/ is the script's own folder

from procedures.access import RADIOLOGISTS
from procedures.clinic_time import hours_on
from procedures.models import Appointment, Patient, ProcedureResult, ProcedureType, Room
from procedures.reports import catalogue
from procedures.reports.period import Filters
from reminders.models import Reminder, ReminderRule

ROOMS = 36
PATIENTS = 20_000
DURATIONS = [30, 45, 45, 45, 60]
GAPS = [0, 0, 0, 15]
R = ProcedureResult


def clinic_days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1) if hours_on(first + timedelta(days=n))]


def last_quarter(today: date) -> tuple[date, date]:
    first_this = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last = first_this - timedelta(days=1)
    return date(last.year, 3 * ((last.month - 1) // 3) + 1, 1), last


def seed(target: int, results: int, rng: random.Random) -> tuple[list[date], list[User]]:
    ductogram = ProcedureType.objects.get(code="DUCTOGRAM")
    rooms = Room.objects.bulk_create([Room(name=f"Bench Room {n:02d}") for n in range(1, ROOMS + 1)])
    radiologists = User.objects.bulk_create(
        [User(username=f"bench.rad{n:02d}", first_name="Dr", last_name=f"Bench{n:02d}", is_staff=True)
         for n in range(ROOMS)]
    )  # fmt: skip
    Group.objects.get(name=RADIOLOGISTS).user_set.add(*radiologists)
    patients = Patient.objects.bulk_create(
        [
            Patient(mrn=f"BENCH{n:07d}", given_name="Bench", family_name=f"Patient{n}",
                    date_of_birth=date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50)),
                    reminders_opt_out_at=timezone.now() - timedelta(days=400) if n % 20 == 0 else None)
            for n in range(PATIENTS)
        ],
        batch_size=5000,
    )  # fmt: skip
    today = timezone.localdate()
    days = clinic_days(today - timedelta(days=365), today - timedelta(days=1))
    candidates = []
    for day_index, day in enumerate(days):
        opens, closes = hours_on(day)
        for room_index, room in enumerate(rooms):
            radiologist = radiologists[(room_index + day_index) % len(radiologists)]
            start = opens + timedelta(minutes=rng.choice(GAPS))
            while True:
                minutes = rng.choice(DURATIONS)
                if start + timedelta(minutes=minutes) > closes:
                    break
                candidates.append((start, minutes, room, radiologist))
                start += timedelta(minutes=minutes + rng.choice(GAPS))
    if len(candidates) < target:
        sys.exit(f"Only {len(candidates)} slots fit in a year of clinic hours; lower --appointments.")
    rows = []
    for start, minutes, room, radiologist in rng.sample(candidates, target):
        roll = rng.random()
        lead = timedelta(days=rng.choice([0, 1, 2, 3, 5, 7, 10, 14, 21, 28, 42, 60]), hours=rng.randrange(0, 12))
        status, changed, code = Appointment.Status.COMPLETED, start, ""
        if roll < 0.08:
            status, code = Appointment.Status.CANCELLED, rng.choice(Appointment.CancelReason.values)
            changed = start - timedelta(hours=rng.choice([2, 20, 40, 72, 200]))
        elif roll < 0.12:
            status = Appointment.Status.NO_SHOW
        rows.append(Appointment(
            patient=rng.choice(patients), procedure_type=ductogram, room=room, radiologist=radiologist,
            scheduled_start=start, expected_duration=minutes, laterality="left", discharge="bloody",
            status=status, status_changed_at=changed, cancel_reason_code=code,
            cancellation_reason="Bench" if code else "", created_at=start - lead,
        ))  # fmt: skip
    created_at = Appointment._meta.get_field("created_at")
    created_at.auto_now_add = False  # keep the lead times set above
    try:
        appointments = Appointment.objects.bulk_create(rows, batch_size=5000)
    finally:
        created_at.auto_now_add = True
    completed = [a for a in appointments if a.status == Appointment.Status.COMPLETED]
    result_rows = []
    for a in rng.sample(completed, min(results, len(completed))):
        performed = rng.random() < 0.92
        started = a.scheduled_start + timedelta(minutes=rng.randrange(0, 15))
        result_rows.append(ProcedureResult(
            appointment=a, outcome=R.Outcome.PERFORMED if performed else rng.choice(R.Outcome.values[1:]),
            started_at=started if performed else None,
            ended_at=started + timedelta(minutes=rng.randrange(20, 80)) if performed else None,
            findings=rng.sample(R.Finding.values, rng.choice([1, 1, 2])) if performed else [],
            birads=rng.choice(R.BiRads.values) if performed else "",
            complications=rng.choice(["none"] * 12 + R.Complication.values[1:]),
        ))  # fmt: skip
    ProcedureResult.objects.bulk_create(result_rows, batch_size=5000)
    rules = list(ReminderRule.objects.filter(procedure_type=ductogram))
    reminder_rows = []
    for a in appointments:
        rule = rng.choice(rules)
        send_at = a.scheduled_start - (rule.offset or timedelta(days=10))
        status = rng.choice(["sent"] * 16 + ["failed", "skipped", "cancelled"])
        reminder_rows.append(Reminder(
            appointment=a, rule=rule, stage=rule.stage, channel=rng.choice(["email", "sms"]),
            for_start=a.scheduled_start, send_at=send_at, status=status,
            sent_at=send_at + timedelta(seconds=rng.randrange(0, 3600)) if status == "sent" else None,
            last_error=rng.choice(["SMTP 550 mailbox unavailable", "No mobile number", "Provider timeout"])
            if status in ("failed", "skipped") else "",
        ))  # fmt: skip
    Reminder.objects.bulk_create(reminder_rows, batch_size=5000)
    return days, radiologists


def timed(runs: int, work, before=lambda: None) -> list[float]:
    for _ in range(2):
        before()
        work()
    samples = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def report(name: str, samples: list[float], note: str) -> None:
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
    print(f"{name:<20} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms   ({len(samples)} runs; {note})")


def explain(filters: Filters) -> None:
    from django.test.utils import CaptureQueriesContext

    for chart in catalogue.CHARTS:
        with CaptureQueriesContext(connection) as run:
            chart.compute(filters)
        for query in run.captured_queries:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + query["sql"])
                plan = [row[0] for row in cursor.fetchall()]
            wanted = [line for line in plan if line.lstrip().startswith(("JIT", "Functions", "Timing", "Execution"))]
            print(f"  {chart.slug}: {query['sql'][:90]}...\n    " + "\n    ".join(wanted))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--results", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--explain", action="store_true", help="print each slow table's query plans (PostgreSQL)")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with throwaway_database():
        started = time.perf_counter()
        days, _radiologists = seed(args.appointments, args.results, rng)
        print(
            f"Seeded {Appointment.objects.count():,} appointments, {ProcedureResult.objects.count():,} results and "
            f"{Reminder.objects.count():,} reminders over {len(days)} clinic days ({days[0]} to {days[-1]}) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        user = User.objects.create_user("bench.reader", is_staff=True)
        user.groups.add(Group.objects.get(name=RADIOLOGISTS))
        client = Client()
        client.force_login(user)
        first, last = last_quarter(timezone.localdate())
        filters = Filters("custom", first, last)
        url = f"/reports/?{filters.query()}"
        in_quarter = Appointment.objects.filter(scheduled_start__gte=filters.start, scheduled_start__lt=filters.end)
        note = f"{first} to {last}, {in_quarter.count():,} appointments"
        keys = [catalogue.cache_key(c, filters, user, part) for c in catalogue.CHARTS for part in ("table", "svg")]

        def drop() -> None:
            cache.delete_many(keys)

        def get(path: str) -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        report("page, cold", timed(args.runs, lambda: get(url), before=drop), note)
        report("page, cached", timed(args.runs * 5, lambda: get(url)), note)

        def everything() -> None:
            get(url)
            for chart in catalogue.CHARTS:
                get(f"/reports/charts/{chart.slug}.svg?{filters.query()}")

        report("page + 9 SVGs, cold", timed(max(5, args.runs // 2), everything, before=drop), note)
        for chart in catalogue.CHARTS:  # where a cold page's time goes: each table's queries alone
            samples = timed(5, lambda chart=chart: catalogue.compute(chart, filters))
            report(f"  {chart.slug}", samples, "table, computed")
        if args.explain and connection.vendor == "postgresql":
            explain(filters)
        drop()


if __name__ == "__main__":
    main()
