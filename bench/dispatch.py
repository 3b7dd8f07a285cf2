# ruff: noqa: E402 - Django is set up before the project's modules are imported
"""Benchmark: what one dispatch_due costs with 1,000 pending reminders and with 1,000,000 due over the next year.

    .venv/bin/python bench/dispatch.py                 # SQLite, in memory (bulk_create; slow to fill)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ductogram .venv/bin/python bench/dispatch.py

Like the other benchmarks it never touches the data in DATABASE_URL: it creates a throwaway database next to it
(`bench_<name>` on PostgreSQL, an in-memory one on SQLite), fills it, measures, and drops it, even on failure.

The reminders are written directly (COPY on PostgreSQL, bulk_create on SQLite), bypassing the scheduling services:
what is measured is the dispatcher's reads, which only see rows. They belong to ~1,000 future appointments, each
with many rows (one per distinct `for_start`, so the uniqueness constraint holds), pending and due at random
moments over the next year. Each measurement times `dispatch_due(queue=lambda ids: None)` (claiming, not sending):

- nothing due: every row is in the future;
- 500 due: 500 rows due a minute ago, claimed by the run and put back to pending (untimed) before the next.

Prints the median and 95th percentile in milliseconds for 1,000 and for 1,000,000 pending rows, the peak Python
memory of one dispatch with 500 due (tracemalloc), and on PostgreSQL the EXPLAIN ANALYZE plan of each SELECT the
dispatch runs (the claim query among them) at 1,000,000.
"""

import argparse
import os
import random
import statistics
import sys
import time
import tracemalloc
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prepapp.settings")
os.environ.setdefault("DEBUG", "true")  # the development settings; DEBUG is turned off below
warnings.filterwarnings("ignore", message="No directory at")

import django

django.setup()

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from throwaway import throwaway_database  # noqa: E402 - bench/ is the script's own folder

from procedures.clinic_time import hours_on
from procedures.models import Appointment, Patient, ProcedureType, Room
from reminders import services
from reminders.models import Reminder, ReminderRule

APPOINTMENTS = 1_000
DUE = 500


def future_appointments(count: int) -> list[Appointment]:
    """`count` live appointments in one room, on clinic days from a week ahead, one an hour from opening."""
    ductogram = ProcedureType.objects.get(code="DUCTOGRAM")
    room = Room.objects.create(name="Bench Room")
    patients = Patient.objects.bulk_create(
        [
            Patient(
                mrn=f"DISP{n:07d}",
                given_name="Bench",
                family_name=f"Patient{n}",
                date_of_birth=date(1970, 1, 1),
                email=f"p{n}@bench.example",
            )
            for n in range(count)
        ]
    )
    starts: list[datetime] = []
    day = timezone.localdate() + timedelta(days=7)
    while len(starts) < count:
        opening = hours_on(day)
        if opening is not None:
            moment = opening[0]
            while moment + timedelta(minutes=45) <= opening[1] and len(starts) < count:
                starts.append(moment)
                moment += timedelta(hours=1)
        day += timedelta(days=1)
    return Appointment.objects.bulk_create(
        [
            Appointment(
                patient=patient,
                procedure_type=ductogram,
                room=room,
                scheduled_start=start,
                expected_duration=45,
                laterality=Appointment.Laterality.LEFT,
                discharge=Appointment.Discharge.BLOODY,
                referrer="Bench referrer",
            )
            for patient, start in zip(patients, starts, strict=True)
        ]
    )


COLUMNS = (
    "appointment_id, rule_id, stage, channel, for_start, occasion, send_at, status, content_stages, attempts, "
    "last_error, close_reason, fallback, subject, body, body_html, recipient, provider_message_id, delivery_status, "
    "created_at, updated_at"
)


def add_pending(appointments: list[Appointment], count: int, rng: random.Random, *, offset: int) -> None:
    """`count` more pending rows, due at random moments over the next year (none due yet)."""
    rule = ReminderRule.objects.filter(offset__isnull=False).order_by("pk").first()
    now = timezone.now()
    year = 365 * 24 * 3600

    def rows():
        for n in range(offset, offset + count):
            appointment = appointments[n % len(appointments)]
            # A distinct for_start per row of one appointment keeps the uniqueness constraint.
            for_start = appointment.scheduled_start + timedelta(seconds=n // len(appointments))
            yield appointment.pk, for_start, now + timedelta(seconds=60 + rng.randrange(year))

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.copy(f"COPY reminders_reminder ({COLUMNS}) FROM STDIN") as copy:
            for appointment_id, for_start, send_at in rows():
                copy.write_row(
                    (appointment_id, rule.pk, rule.stage, "email", for_start, "", send_at, "pending",
                     f'["{rule.stage}"]', 0, "", "", "", "", "", "", "", "", "", now, now)
                )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reminders_reminder")
        return
    batch = []
    for appointment_id, for_start, send_at in rows():
        batch.append(
            Reminder(
                appointment_id=appointment_id,
                rule=rule,
                stage=rule.stage,
                channel="email",
                for_start=for_start,
                send_at=send_at,
                content_stages=[rule.stage],
            )
        )
        if len(batch) == 20_000:
            Reminder.objects.bulk_create(batch)
            batch = []
    Reminder.objects.bulk_create(batch)


def timed(runs: int, work, reset=None) -> list[float]:
    samples = []
    for n in range(runs + 3):  # three to warm up
        if reset:
            reset()
        started = time.perf_counter()
        work()
        if n >= 3:
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> str:
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
    return f"median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms"


def vacuum() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE reminders_reminder")


def measure(pending: int, runs: int, due_ids: list[int]) -> None:
    def nothing_due() -> None:
        assert services.dispatch_due(queue=lambda ids: None) == 0

    def some_due() -> None:
        assert services.dispatch_due(queue=lambda ids: None, limit=DUE) == DUE

    def make_due() -> None:
        Reminder.objects.filter(pk__in=due_ids).update(
            status=Reminder.Status.PENDING,
            send_at=timezone.now() - timedelta(minutes=1),
            claim_token=None,
            lease_until=None,
        )
        vacuum()  # untimed: as autovacuum would, drop the dead index entries the previous run's claim left

    def put_back() -> None:
        Reminder.objects.filter(pk__in=due_ids).update(
            status=Reminder.Status.PENDING, send_at=timezone.now() + timedelta(days=400)
        )

    put_back()
    vacuum()
    print(f"{pending:>9,} pending, nothing due   {summary(timed(runs, nothing_due))}   ({runs} runs)")
    print(f"{pending:>9,} pending, {DUE} due       {summary(timed(runs, some_due, make_due))}   ({runs} runs)")
    make_due()
    tracemalloc.start()
    some_due()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{pending:>9,} pending, {DUE} due       peak Python memory of one dispatch {peak / 1024:7.0f} KiB")
    put_back()


def explain(due_ids: list[int], *, due: bool) -> None:
    """EXPLAIN ANALYZE each SELECT one dispatch runs (with 500 due, or none), inside a transaction rolled back."""
    later = timedelta(minutes=-1) if due else timedelta(days=400)
    Reminder.objects.filter(pk__in=due_ids).update(status=Reminder.Status.PENDING, send_at=timezone.now() + later)
    vacuum()
    print(f"\nPlans with {DUE if due else 'nothing'} due:")
    with CaptureQueriesContext(connection) as ctx:
        services.dispatch_due(queue=lambda ids: None, limit=DUE)
    selects = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    for sql in selects:
        with transaction.atomic(), connection.cursor() as cursor:
            Reminder.objects.filter(pk__in=due_ids).update(status=Reminder.Status.PENDING, lease_until=None)
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = [row[0] for row in cursor.fetchall()]
            transaction.set_rollback(True)
        print(f"\n{sql[:400]}{' ...' if len(sql) > 400 else ''}")
        for line in plan:
            print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with throwaway_database():
        appointments = future_appointments(APPOINTMENTS)
        add_pending(appointments, 1_000, rng, offset=0)
        due_ids = list(Reminder.objects.order_by("pk").values_list("pk", flat=True)[:DUE])
        measure(Reminder.objects.count(), args.runs, due_ids)
        started = time.perf_counter()
        add_pending(appointments, args.pending - 1_000, rng, offset=1_000)
        total = Reminder.objects.count()
        print(f"Added {total - 1_000:,} pending reminders over the next year in {time.perf_counter() - started:.1f} s")
        measure(total, args.runs, due_ids)
        if connection.vendor == "postgresql":
            explain(due_ids, due=False)
            explain(due_ids, due=True)


if __name__ == "__main__":
    main()
