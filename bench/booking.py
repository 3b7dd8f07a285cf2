# ruff: noqa: E402 - Django is set up before the project's modules are imported
"""Benchmark: what one booking costs, in SQL statements and milliseconds, through the booking service.

    .venv/bin/python bench/booking.py [--count 500]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ductogram .venv/bin/python bench/booking.py

On a throwaway database (bench/throwaway.py) it books `--count` ductograms one by one with book_appointment, half
with a radiologist and half without, into free times of 8 rooms, each patient reachable by email and text (so every
booking makes its reminder rows), and prints the statements a booking runs (transaction control not counted; on
PostgreSQL the exclusion constraint refuses an overlap at the insert, SQLite asks first) with the median and 95th
percentile of its time. The notices a booking queues once it commits go to Celery's in-memory broker here.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prepapp.settings")
os.environ.setdefault("DEBUG", "true")

import django

django.setup()

from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from throwaway import throwaway_database  # noqa: E402 - bench/ is the script's own folder

from procedures.access import RADIOLOGISTS
from procedures.clinic_time import hours_on
from procedures.models import Patient, ProcedureType, Room
from procedures.services import book_appointment
from tests.conftest import use_broker

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def free_times(count: int, rooms: list[Room]):
    """(room, start) pairs, 45 minutes apart in each room, on clinic days from next week on."""
    day = timezone.localdate() + timedelta(days=7)
    made = 0
    while made < count:
        opening = hours_on(day)
        if opening is not None:
            start, close = opening
            while start + timedelta(minutes=45) <= close and made < count:
                for room in rooms:
                    if made == count:
                        break
                    yield room, start
                    made += 1
                start += timedelta(minutes=45)
        day += timedelta(days=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args()
    use_broker("memory://localhost/")
    with throwaway_database():
        ductogram = ProcedureType.objects.get(code="DUCTOGRAM")
        rooms = [Room.objects.create(name=f"Bench Room {n}") for n in range(8)]
        radiologists = Group.objects.get_or_create(name=RADIOLOGISTS)[0]
        doctors = []
        for n in range(8):
            doctor = User.objects.create_user(f"radiologist{n}", first_name="Dr", last_name=f"Bench{n}")
            doctor.groups.add(radiologists)
            doctors.append(doctor)
        statements, seconds = [], []
        for n, (room, start) in enumerate(free_times(args.count, rooms)):
            patient = Patient.objects.create(
                mrn=f"BK{n:06d}",
                given_name="Ada",
                family_name=f"Bench{n}",
                date_of_birth="1970-01-01",
                email=f"bk{n}@patients.example",
                mobile=f"+4477009{n:05d}",
                channels=["email", "sms"],
            )
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                book_appointment(
                    patient=patient,
                    procedure_type=ductogram,
                    room=room,
                    radiologist=doctors[rooms.index(room)] if n % 2 else None,
                    scheduled_start=start,
                    laterality="left",
                    discharge="clear",
                )
                seconds.append(time.perf_counter() - began)
            run = [q["sql"] for q in captured.captured_queries if not q["sql"].lstrip().upper().startswith(CONTROL)]
            statements.append(len(run))
        ms = sorted(1000 * s for s in seconds)
        p95 = ms[int(0.95 * (len(ms) - 1))]
        print(
            f"{len(ms)} bookings ({connection.vendor}): {statistics.mean(statements):.1f} SQL statements a booking "
            f"(min {min(statements)}, max {max(statements)}), reminder rows included; "
            f"median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms"
        )


if __name__ == "__main__":
    main()
