# ruff: noqa: E402 - Django is set up before the project's modules are imported
"""Benchmark: the FHIR API's Appointment search for one week, over 100,000 appointments.

    .venv/bin/python bench/fhir.py                 # SQLite, in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ductogram .venv/bin/python bench/fhir.py

Like bench/schedule.py it never touches the data in DATABASE_URL: it fills a throwaway database next to it
(bench/throwaway.py) with `--appointments` ductograms over two years of clinic days (24 rooms, one radiologist per room
a day, no overlaps), written with bulk_create, deliberately bypassing the booking services. Then, as a client system
with a bearer token, it asks `GET /fhir/Appointment?date=ge<Monday>&date=lt<next Monday>&_count=50` through Django's
test client (middleware, token check, the call's record, the JSON built and checked by the fhirclient models): a
random week each time and a random page of it, first to last. Prints the median and 95th percentile of the request
time, and the queries each page of one whole week costs, followed by its `next` links (which must not change from
page to page).
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
os.environ.setdefault("DEBUG", "true")
warnings.filterwarnings("ignore", message="No directory at")

import django

django.setup()

from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from throwaway import throwaway_database  # noqa: E402 - bench/ is the script's own folder

from procedures.access import RADIOLOGISTS
from procedures.clinic_time import hours_on
from procedures.fhir import auth
from procedures.models import Appointment, Patient, ProcedureType, Room

ROOMS = 24
PATIENTS = 20_000
DURATIONS = [30, 45, 45, 45, 60]
GAPS = [0, 0, 0, 15]
PAGE = 50


def clinic_days(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if hours_on(day) is not None:
            days.append(day)
        day += timedelta(days=1)
    return days


def seed(target: int, rng: random.Random) -> list[date]:
    ductogram = ProcedureType.objects.get(code="DUCTOGRAM")
    rooms = Room.objects.bulk_create([Room(name=f"Bench Room {n:02d}") for n in range(1, ROOMS + 1)])
    radiologists = User.objects.bulk_create(
        [User(username=f"bench.rad{n:02d}", first_name="Dr", last_name=f"Bench{n:02d}") for n in range(ROOMS)]
    )
    Group.objects.get(name=RADIOLOGISTS).user_set.add(*radiologists)
    patients = Patient.objects.bulk_create(
        [
            Patient(
                mrn=f"BENCH{n:07d}",
                given_name="Amelia",
                family_name=f"Patient{n}",
                search_name=Patient.fold_names("Amelia", f"Patient{n}"),
                date_of_birth=date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50)),
                email=f"p{n}@bench.example",
            )
            for n in range(PATIENTS)
        ],
        batch_size=5000,
    )
    today = timezone.localdate()
    days = clinic_days(today - timedelta(days=365), today + timedelta(days=365))
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
        sys.exit(f"Only {len(candidates)} slots fit in two years of clinic hours; lower --appointments.")
    now = timezone.now()

    def status(start: datetime) -> tuple[str, str]:
        roll = rng.random()
        if roll < 0.08:
            return Appointment.Status.CANCELLED, "Bench: patient cancelled"
        if start < now:
            return (Appointment.Status.NO_SHOW if roll < 0.12 else Appointment.Status.COMPLETED), ""
        return (Appointment.Status.CONFIRMED if roll < 0.45 else Appointment.Status.BOOKED), ""

    rows = []
    for start, minutes, room, radiologist in rng.sample(candidates, target):
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
                status=state,
                cancellation_reason=reason,
                cancel_reason_code="patient_request" if reason else "",
            )
        )
    Appointment.objects.bulk_create(rows, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return days


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with throwaway_database():
        started = time.perf_counter()
        days = seed(args.appointments, rng)
        print(
            f"Seeded {Appointment.objects.count():,} appointments in {ROOMS} rooms over {len(days)} clinic days "
            f"({days[0]} to {days[-1]}) in {time.perf_counter() - started:.1f} s"
        )
        _, token = auth.new_client(name="Bench RIS", scopes=["appointments"])
        client = Client(headers={"Authorization": f"Bearer {token}"})
        mondays = sorted({day - timedelta(days=day.weekday()) for day in days})[1:-1]  # whole weeks only

        def week_url(monday: date, offset: int = 0) -> str:
            after = monday + timedelta(days=7)
            return f"/fhir/Appointment?date=ge{monday}&date=lt{after}&_count={PAGE}" + (
                f"&_offset={offset}" if offset else ""
            )

        def get(url: str) -> dict:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])
            return response.json()

        # One week, every page by its next link, counting the queries of each.
        week = rng.choice(mondays)
        url, counts, pages, total = week_url(week), [], 0, 0
        get(url)  # the token's first use is noted once; from then on every page is alike
        while url:
            with CaptureQueriesContext(connection) as captured:
                bundle = get(url)
            counts.append(len(captured.captured_queries))
            pages += 1
            total = bundle["total"]
            following = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
            url = following[0].split("/fhir/", 1)[1] if following else None
            url = f"/fhir/{url}" if url else None
        print(
            f"Week of {week}: {total} appointments, {pages} pages of {PAGE} by next links; queries a page: "
            f"{sorted(set(counts))} (token, COUNT, the page, the call's record)"
        )

        wall = []
        for _ in range(args.runs):
            monday = rng.choice(mondays)
            in_week = Appointment.objects.filter(
                scheduled_start__gte=timezone.make_aware(datetime.combine(monday, datetime.min.time())),
                scheduled_start__lt=timezone.make_aware(
                    datetime.combine(monday + timedelta(days=7), datetime.min.time())
                ),
            ).count()
            offset = rng.randrange(0, max(in_week, 1), PAGE)
            url = week_url(monday, offset)
            began = time.perf_counter()
            get(url)
            wall.append((time.perf_counter() - began) * 1000)
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(
            f"Appointment search, one week, a random page ({args.runs} requests, {connection.vendor}): "
            f"median {statistics.median(wall):.1f} ms, p95 {p95(wall):.1f} ms, max {max(wall):.1f} ms "
            f"(load average {load} on {os.cpu_count()} cores)"
        )


if __name__ == "__main__":
    main()
