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
a real ductogram list: the figures are an upper bound.

Prints the median and 95th percentile, in milliseconds, of the day view and the week view (through Django's test
client, signed in, templates rendered) and of free_slots for one room and day.
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
from django.test import Client
from django.utils import timezone
from throwaway import throwaway_database  # noqa: E402 - bench/ is the script's own folder

from procedures.hours import hours_on
from procedures.models import Appointment, Patient, ProcedureType, Room
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
    radiologists_group = Group.objects.get(name="Radiologists")
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
    return days, rooms


def timed(runs: int, work) -> list[float]:
    for _ in range(3):  # warm up: templates, connections, caches
        work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def report(name: str, samples: list[float], note: str) -> None:
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
    print(f"{name:<12} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms   ({len(samples)} runs; {note})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50, help="timed runs per measurement (free_slots: 4x)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile 20 day and week views (needs pyinstrument)")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with throwaway_database():
        started = time.perf_counter()
        days, rooms = seed(args.appointments, rng)
        print(
            f"Seeded {Appointment.objects.count():,} appointments in {len(rooms)} rooms over {len(days)} clinic days "
            f"({days[0]} to {days[-1]}) in {time.perf_counter() - started:.1f} s"
        )
        staff = User.objects.create_user("bench.scheduler", is_staff=True)
        staff.groups.add(Group.objects.get(name="Schedulers"))
        client = Client()
        client.force_login(staff)

        def get(url: str) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        if args.profile:
            from pyinstrument import Profiler

            for path in ("/schedule/", "/schedule/week/"):
                profiler = Profiler(interval=0.0005)
                with profiler:
                    for _ in range(20):
                        get(f"{path}?date={rng.choice(days).isoformat()}")
                print(profiler.output_text(unicode=False, color=False, show_all=False))
        day_samples = timed(args.runs, lambda: get(f"/schedule/?date={rng.choice(days).isoformat()}"))
        per_day = args.appointments / len(days)
        report("day view", day_samples, f"~{per_day:.0f} bookings a day, {len(rooms)} rooms")
        week_samples = timed(args.runs, lambda: get(f"/schedule/week/?date={rng.choice(days).isoformat()}"))
        report("week view", week_samples, f"~{per_day * 5:.0f} bookings a week")
        today = timezone.localdate()
        future = [d for d in days if d > today]
        slot_samples = timed(
            args.runs * 4, lambda: free_slots(room=rng.choice(rooms), day=rng.choice(future), duration=45)
        )
        report("free_slots", slot_samples, "one room, one future day, 45 minutes")


if __name__ == "__main__":
    main()
