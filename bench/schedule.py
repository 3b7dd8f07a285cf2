# ruff: noqa: E402 - Django is set up before the project's modules are imported
"""Benchmark: the day view, the week view and free_slots with 100,000 appointments over two years.

    .venv/bin/python bench/schedule.py                 # SQLite, in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ductogram .venv/bin/python bench/schedule.py

It never touches the data in DATABASE_URL: like the test runner, it creates a throwaway database next to it
(`bench_<name>` on PostgreSQL, an in-memory one on SQLite), fills it, measures, and drops it, even on failure.

The appointments are written with bulk_create, deliberately bypassing the booking services: booking 100,000 one
by one would take many minutes and schedule reminders, and what is measured here only reads. The rows still keep
the services' rules (no overlaps in a room or for a radiologist, inside clinic hours), so PostgreSQL's exclusion
constraints accept them. 100,000 over two years is about 190 bookings a clinic day in 16 rooms, far busier than
a real ductogram list: the figures are an upper bound. What patients sent from their page (safety answers, reads,
requests, calls) is seeded too, as the schedules' flags read it in the same query.

Prints the median and 95th percentile, in milliseconds, of the day view and the week view (through Django's test
client, signed in, templates rendered, middleware included) and of free_slots for one room and day. The pages
memoise each booking's markup in the process (procedures/schedule/markup.py), so each is timed twice: cold (the memo
emptied before every request, a day never seen) and warm (a day already viewed once, as the desk reloads today).
The machine is shared and noisy, so the measurements are repeated (--rounds) and each figure is also given as the
median over the rounds. The tables are ANALYZEd after seeding, as autovacuum would have done in production.
"""

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prepapp.settings")
os.environ.setdefault("DEBUG", "true")  # the development settings (no HTTPS redirect); DEBUG is turned off below
warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic needed here

import django

django.setup()

from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from throwaway import throwaway_database  # noqa: E402 - bench/ is the script's own folder

from procedures.access import RADIOLOGISTS, SCHEDULERS
from procedures.clinic_time import hours_on
from procedures.models import (
    Appointment,
    Patient,
    PatientCall,
    PatientRequest,
    PreparationRead,
    ProcedureType,
    Room,
    SafetyAnswers,
)
from procedures.schedule import day_schedule, markup, week_schedule
from procedures.services import free_slots

ROOMS = 16
PATIENTS = 20_000
DURATIONS = [30, 45, 45, 45, 60]  # minutes; mostly the usual 45
GAPS = [0, 0, 0, 15]  # minutes left free between bookings


def clinic_days(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if hours_on(day) is not None:
            days.append(day)
        day += timedelta(days=1)
    return days


def seed(target: int, rng: random.Random) -> tuple[list[date], list[Room]]:
    """Rooms, radiologists, patients and `target` appointments from a year ago to a year ahead."""
    ductogram = ProcedureType.objects.get(code="DUCTOGRAM")
    rooms = Room.objects.bulk_create([Room(name=f"Bench Room {n:02d}") for n in range(1, ROOMS + 1)])
    radiologists_group = Group.objects.get(name=RADIOLOGISTS)
    radiologists = User.objects.bulk_create(
        [
            User(username=f"bench.rad{n:02d}", first_name="Dr", last_name=f"Bench{n:02d}", is_staff=True)
            for n in range(ROOMS)
        ]
    )
    radiologists_group.user_set.add(*radiologists)
    patients = Patient.objects.bulk_create(
        [
            Patient(
                mrn=f"BENCH{n:07d}",
                given_name=rng.choice(["Amelia", "Priya", "Grace", "Fatima", "Chloe", "Helen", "Sofia", "Zainab"]),
                family_name=f"Patient{n}",
                date_of_birth=date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50)),
                email=f"p{n}@bench.example" if n % 5 else "",
            )
            for n in range(PATIENTS)
        ],
        batch_size=5000,
    )
    today = timezone.localdate()
    days = clinic_days(today - timedelta(days=365), today + timedelta(days=365))
    now = timezone.now()
    candidates = []
    for day_index, day in enumerate(days):
        opens, closes = hours_on(day)
        for room_index, room in enumerate(rooms):
            radiologist = radiologists[(room_index + day_index) % len(radiologists)]  # one room each per day
            start = opens + timedelta(minutes=rng.choice(GAPS))
            while True:
                minutes = rng.choice(DURATIONS)
                if start + timedelta(minutes=minutes) > closes:
                    break
                candidates.append((start, minutes, room, radiologist))
                start += timedelta(minutes=minutes + rng.choice(GAPS))
    if len(candidates) < target:
        sys.exit(f"Only {len(candidates)} slots fit in two years of clinic hours; lower --appointments.")
    chosen = rng.sample(candidates, target)  # dropping bookings never creates an overlap

    def status(start: datetime) -> tuple[str, str]:
        roll = rng.random()
        if roll < 0.08:
            return Appointment.Status.CANCELLED, "Bench: patient cancelled"
        if start < now:
            return (Appointment.Status.NO_SHOW if roll < 0.12 else Appointment.Status.COMPLETED), ""
        return (Appointment.Status.CONFIRMED if roll < 0.45 else Appointment.Status.BOOKED), ""

    rows = []
    for start, minutes, room, radiologist in chosen:
        state, reason = status(start)
        rows.append(
            Appointment(
                patient=rng.choice(patients),
                procedure_type=ductogram,
                room=room,
                radiologist=radiologist,
                scheduled_start=start,
                expected_duration=minutes,
                laterality=rng.choice(Appointment.Laterality.values),
                discharge=rng.choice(Appointment.Discharge.values),
                referrer="Bench referrer",
                status=state,
                cancellation_reason=reason,
            )
        )
    Appointment.objects.bulk_create(rows, batch_size=5000)
    seed_what_patients_sent(rows, rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return days, rooms


def seed_what_patients_sent(appointments: list[Appointment], rng: random.Random) -> None:
    """The patient flags the schedules show, in proportions a clinic might see: safety answers for half the bookings
    (one in five raising a flag), the preparation read for 60%, a change asked for 2%, a call logged for 3%."""
    answers, reads, requests, calls = [], [], [], []
    choices = SafetyAnswers.Answer
    for a in appointments:
        if rng.random() < 0.5:
            worried = rng.random() < 0.2
            given = SafetyAnswers(
                appointment=a,
                discharge_present=choices.YES,
                pregnant=choices.UNSURE if worried and rng.random() < 0.3 else choices.NO,
                contrast_allergy=choices.YES if worried else choices.NO,
                infection=choices.NO,
                blood_thinners=choices.YES if worried and rng.random() < 0.5 else choices.NO,
                answered_at=a.scheduled_start - timedelta(days=3),
            )
            codes = given.derive_flags()  # what save() does; bulk_create skips it
            given.flags, given.needs_call = " ".join(codes), any(SafetyAnswers.FLAGS[c][1] for c in codes)
            answers.append(given)
        if rng.random() < 0.6:
            reads.append(
                PreparationRead(
                    appointment=a, read_at=a.scheduled_start - timedelta(days=5), content={}, content_hash="bench"
                )
            )
        if rng.random() < 0.02:
            kind = rng.choice(PatientRequest.Kind.values)
            requests.append(PatientRequest(appointment=a, kind=kind, created_at=a.scheduled_start - timedelta(days=4)))
        if rng.random() < 0.03:
            calls.append(PatientCall(appointment=a, called_at=a.scheduled_start - timedelta(days=2), note="Bench"))
    for model, made in (
        (SafetyAnswers, answers),
        (PreparationRead, reads),
        (PatientRequest, requests),
        (PatientCall, calls),
    ):
        model.objects.bulk_create(made, batch_size=5000)


def timed(runs: int, work, before=None) -> tuple[list[float], list[float]]:
    """`runs` timings of `work` in milliseconds: wall clock, and this process's CPU time (the page's own work, without
    waiting for PostgreSQL or for a core on a busy machine)."""
    for _ in range(3):  # warm up: templates, connections
        work()
    wall, cpu = [], []
    for _ in range(runs):
        if before is not None:
            before()
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def report(name: str, samples: tuple[list[float], list[float]], note: str) -> None:
    wall, cpu = samples
    figures = f"median {statistics.median(wall):6.1f} ms   p95 {p95(wall):6.1f} ms"
    own = f"cpu median {statistics.median(cpu):5.1f} ms, p95 {p95(cpu):5.1f} ms"
    print(f"{name:<11} {figures}   ({own}; {len(wall)} runs; {note})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50, help="timed runs per measurement (free_slots: 4x)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="repeat the measurements, for a noisy machine")
    parser.add_argument("--profile", action="store_true", help="profile 20 cold day and week views (cProfile)")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with throwaway_database():
        started = time.perf_counter()
        days, rooms = seed(args.appointments, rng)
        print(
            f"Seeded {Appointment.objects.count():,} appointments in {len(rooms)} rooms over {len(days)} clinic days "
            f"({days[0]} to {days[-1]}) in {time.perf_counter() - started:.1f} s; "
            f"{SafetyAnswers.objects.count():,} safety answers, {PreparationRead.objects.count():,} reads, "
            f"{PatientRequest.objects.count():,} requests, {PatientCall.objects.count():,} calls"
        )
        staff = User.objects.create_user("bench.scheduler", is_staff=True)
        staff.groups.add(Group.objects.get(name=SCHEDULERS))
        client = Client()
        client.force_login(staff)

        def get(url: str) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        if args.profile:
            profile(get, rng, days)
        per_day = args.appointments / len(days)
        for path, name in (("/schedule/", "day view"), ("/schedule/week/", "week view")):
            with CaptureQueriesContext(connection) as queries:
                get(f"{path}?date={days[len(days) // 2].isoformat()}")
            print(
                f"{name}: {len(queries.captured_queries)} queries a page (session, user, permissions, bookings, rooms)"
            )
        where_the_time_goes(get, rng.sample(days, 10), args.runs)
        future = [d for d in days if d > timezone.localdate()]
        rounds: dict[str, list[tuple[float, ...]]] = {}
        for round_number in range(1, args.rounds + 1):
            load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
            print(f"Round {round_number} of {args.rounds} (load average {load} on {os.cpu_count()} cores)")
            for path, name, seen, note in (
                ("/schedule/", "day", 10, f"~{per_day:.0f} bookings a day, {len(rooms)} rooms"),
                ("/schedule/week/", "week", 3, f"~{per_day * 5:.0f} bookings a week"),
            ):
                cold = timed(
                    args.runs, lambda path=path: get(f"{path}?date={rng.choice(days).isoformat()}"), markup.forget
                )
                report(f"{name} cold", cold, note)
                favourites = rng.sample(days, seen)  # the desk's days (or weeks), each viewed once before timing
                for day in favourites:
                    get(f"{path}?date={day.isoformat()}")
                warm = timed(
                    args.runs,
                    lambda path=path, favourites=favourites: get(f"{path}?date={rng.choice(favourites).isoformat()}"),
                )
                report(f"{name} warm", warm, note)
                for kind, (wall, cpu) in (("cold", cold), ("warm", warm)):
                    figures = (statistics.median(wall), p95(wall), statistics.median(cpu), p95(cpu))
                    rounds.setdefault(f"{name} {kind}", []).append(figures)
            slot_samples = timed(
                args.runs * 4, lambda: free_slots(room=rng.choice(rooms), day=rng.choice(future), duration=45)
            )
            report("free_slots", slot_samples, "one room, one future day, 45 minutes")
        print(f"Median over {args.rounds} rounds of each round's median and p95:")
        for name, figures in rounds.items():
            median, high, cpu, cpu_high = (statistics.median(column) for column in zip(*figures, strict=True))
            p95s = [f[1] for f in figures]
            print(
                f"{name:<11} median {median:6.1f} ms   p95 {high:6.1f} ms   (cpu {cpu:.1f} ms, p95 {cpu_high:.1f} ms; "
                f"round p95s {min(p95s):.1f}-{max(p95s):.1f} ms)"
            )


def where_the_time_goes(get, days: list[date], runs: int) -> None:
    """Medians, in milliseconds, of a page split into its SQL (every query: session, user, permissions, bookings,
    rooms), the schedule's Python (the grid or week and its markup, less the bookings query) and the rest (template,
    middleware, sign-in), cold and warm."""
    sql = [0.0]

    def timing(execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            sql[0] += time.perf_counter() - started

    def build_day(day: date) -> None:
        built = day_schedule(day)
        str(built.labels_html), str(built.blocks_html), str(built.free_cells_html)

    def build_week(day: date) -> None:
        for week_day in week_schedule(day):
            str(week_day.bookings_html)

    for path, name, build in (("/schedule/", "day", build_day), ("/schedule/week/", "week", build_week)):
        for kind, before in (("cold", markup.forget), ("warm", lambda: None)):
            totals, queries, python = [], [], []
            for n in range(runs):
                day = days[n % len(days)]
                before()
                sql[0] = 0.0
                with connection.execute_wrapper(timing):
                    started = time.perf_counter()
                    get(f"{path}?date={day.isoformat()}")
                    totals.append((time.perf_counter() - started) * 1000)
                    queries.append(sql[0] * 1000)
                    before()
                    sql[0] = 0.0
                    started = time.perf_counter()
                    build(day)
                    python.append((time.perf_counter() - started - sql[0]) * 1000)
            total, in_sql, in_python = (statistics.median(x) for x in (totals, queries, python))
            print(
                f"{name} {kind}: {total:.1f} ms = SQL {in_sql:.1f} + schedule Python {in_python:.1f} "
                f"+ template, middleware and sign-in {total - in_sql - in_python:.1f} (medians)"
            )


def profile(get, rng: random.Random, days: list[date]) -> None:
    """Where a cold page's time goes: cProfile over 20 day and 20 week views, the memo emptied before each."""
    import cProfile
    import pstats

    for path in ("/schedule/", "/schedule/week/"):
        profiler = cProfile.Profile()
        for _ in range(20):
            markup.forget()
            profiler.enable()
            get(f"{path}?date={rng.choice(days).isoformat()}")
            profiler.disable()
        print(path)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
