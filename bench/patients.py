# ruff: noqa: E402 - Django is set up before the project's modules are imported
"""Benchmark: the patient search page (/patients/?q=) over 100,000 patients.

    .venv/bin/python bench/patients.py                 # SQLite, in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ductogram .venv/bin/python bench/patients.py

Like bench/schedule.py it never touches the data in DATABASE_URL: it creates a throwaway database next to it
(`bench_<name>` on PostgreSQL, an in-memory one on SQLite), fills it, measures, and drops it, even on failure.

The patients are written with bulk_create (search_name filled as `Patient.save()` would), and about a third of
them get an appointment, a fifth of those still to come, so each row's "next appointment" has something to find.
Each query kind is timed through Django's test client, signed in, templates rendered: a full name in odd case, a
family name, a given name with an accent left out, an MRN, a date of birth both ways, a mobile in local form, a
name that matches nobody, the second page of a common name, and typos (names spelled alike, found on PostgreSQL
after the names as typed: `procedures.patients.fuzzy`). Prints the median and 95th percentile in
milliseconds and the number of queries a page costs (which must not grow with the rows it lists).
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
from django.db import connection
from django.test import Client
from django.utils import timezone
from throwaway import throwaway_database  # noqa: E402 - bench/ is the script's own folder

from procedures.access import SCHEDULERS
from procedures.clinic_time import hours_on
from procedures.models import Appointment, Patient, ProcedureType, Room
from procedures.patients.search import matching, read_query

GIVEN = ["Amelia", "Priya", "Grace", "Fatima", "Chloe", "Helen", "Sofia", "Zainab", "Zoë", "Ngozi", "Ama", "Siobhán"]
FAMILY = ["Smith", "Jones", "Osei", "McDonald", "O'Neill", "Shah", "Begum", "Brontë", "Nowak", "Eze", "Hughes"]


def seed(count: int, rng: random.Random) -> dict:
    """`count` patients and appointments for a third of them; returns the values the queries look for."""
    ductogram = ProcedureType.objects.get(code="DUCTOGRAM")
    rooms = Room.objects.bulk_create([Room(name=f"Bench Room {n:02d}") for n in range(1, 17)])
    patients = []
    for n in range(count):
        given, family = rng.choice(GIVEN), f"{rng.choice(FAMILY)}{n}" if n % 10 else rng.choice(FAMILY)
        patients.append(
            Patient(
                mrn=f"BENCH{n:07d}",
                given_name=given,
                family_name=family,
                search_name=Patient.fold_names(given, family),
                date_of_birth=date(1945, 1, 1) + timedelta(days=rng.randrange(0, 365 * 60)),
                email=f"p{n}@bench.example" if n % 5 else "",
                mobile=f"+447911{n:06d}" if n % 4 else "",
                phone=f"+44207946{n % 10000:04d}" if n % 7 == 0 else "",
            )
        )
    patients = Patient.objects.bulk_create(patients, batch_size=5000)
    # Appointments: one slot each, never overlapping (20 half-hours a room a day, 16 rooms), from 11 weeks ago.
    today = timezone.localdate()
    days = [today + timedelta(days=d) for d in range(-75, 365) if hours_on(today + timedelta(days=d))]
    now = timezone.now()
    rows, slot = [], 0
    for patient in patients[::3]:
        day = days[slot // (16 * 20) % len(days)]
        opens, _ = hours_on(day)
        start = opens + timedelta(minutes=30 * (slot % 20))
        room = rooms[(slot // 20) % 16]
        slot += 1
        future = start > now
        rows.append(
            Appointment(
                patient=patient,
                procedure_type=ductogram,
                room=room,
                scheduled_start=start,
                expected_duration=30,
                laterality="left",
                discharge="bloody",
                status=Appointment.Status.BOOKED if future else Appointment.Status.COMPLETED,
            )
        )
    Appointment.objects.bulk_create(rows, batch_size=5000)
    sample = patients[12345 % len(patients)]
    return {"patient": sample, "appointments": len(rows)}


def timed(runs: int, work) -> list[float]:
    for _ in range(3):  # warm up: templates, connections, caches
        work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50, help="timed runs per query kind")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with throwaway_database():
        started = time.perf_counter()
        seeded = seed(args.patients, rng)
        if connection.vendor == "postgresql":
            # As autovacuum would have, long before a clinic had 100,000 patients: statistics, the GIN indexes'
            # pending lists merged (else every search reads them through) and the visibility map set.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        print(
            f"Seeded {Patient.objects.count():,} patients and {seeded['appointments']:,} appointments "
            f"in {time.perf_counter() - started:.1f} s"
        )
        staff = User.objects.create_user("bench.scheduler", is_staff=True)
        staff.groups.add(Group.objects.get(name=SCHEDULERS))
        client = Client()
        client.force_login(staff)
        p = seeded["patient"]
        mobile = Patient.objects.exclude(mobile="").order_by("pk")[args.patients // 20].mobile
        queries = {
            "full name": {"q": f"  {p.given_name.upper()}   {p.family_name.lower()} "},
            "family name": {"q": "mcdonald"},
            "accent left out": {"q": "zoe bronte"},
            "MRN": {"q": p.mrn.lower()},
            "born Y-M-D": {"q": p.date_of_birth.isoformat()},
            "born D/M/Y": {"q": f"{p.date_of_birth:%d/%m/%Y}"},
            "mobile": {"q": "0" + mobile.as_e164[3:6] + " " + mobile.as_e164[6:]},
            "no match": {"q": "xyzzy nobody"},
            "page 2": {"q": "smith", "page": "2"},
            "typo, family": {"q": "hughs"},
            "typo, given": {"q": "fatma"},
            "typo, both": {"q": "fatma hughs"},
        }
        print(f"{'query':<16} {'matches':>8} {'rows':>5} {'median':>9} {'p95':>9} {'queries':>8}")
        for name, params in queries.items():

            def get(params=params):
                response = client.get("/patients/", params)
                assert response.status_code == 200, (params, response.status_code)
                return response

            captured = []

            def counting(execute, sql, *rest, captured=captured):
                captured.append(sql)
                return execute(sql, *rest)

            # Counted by a wrapper: the test client's request_started signal empties connection.queries.
            with connection.execute_wrapper(counting):
                html = get().content.decode()
            rows = html.count('class="patient-link"')
            matches = matching(read_query(params["q"])).count()
            samples = timed(args.runs, get)
            p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
            print(
                f"{name:<16} {matches:>8,} {rows:>5} {statistics.median(samples):>7.1f} ms {p95:>6.1f} ms "
                f"{len(captured):>8}"
            )


if __name__ == "__main__":
    main()
