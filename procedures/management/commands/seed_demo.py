"""Demo data for a first look: rooms, staff logins, patients and the coming week of bookings.

Safe to run again: it only adds what is missing, and books the days of the coming week that have no demo
bookings yet, so a demo database stays populated. Refuses to run with DEBUG off unless told --force, so demo
logins never appear on a production server by accident.
"""

import os
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from procedures import services
from procedures.access import RADIOLOGISTS, SCHEDULERS
from procedures.hours import hours_on
from procedures.models import Appointment, Patient, ProcedureType, Room

DEMO_MRN_PREFIX = "DEMO"
ROOMS = [
    ("Mammo Room 1", "Level 2, Rose Wing: follow the signs for Breast Imaging, first door on the left"),
    ("Mammo Room 2", "Level 2, Rose Wing: follow the signs for Breast Imaging, second door on the left"),
]
STAFF = [
    # username, first name, last name, group, is_superuser
    ("admin", "Clinic", "Administrator", None, True),
    ("scheduler", "Sam", "Patel", SCHEDULERS, False),
    ("dr.okafor", "Adaeze", "Okafor", RADIOLOGISTS, False),
    ("dr.lindqvist", "Maria", "Lindqvist", RADIOLOGISTS, False),
]
PATIENTS = [
    # given, family, born, channel, has email, has mobile
    ("Amelia", "Hughes", date(1971, 3, 14), Patient.Channel.BOTH, True, True),
    ("Priya", "Shah", date(1965, 11, 2), Patient.Channel.EMAIL, True, False),
    ("Grace", "O'Neill", date(1980, 6, 30), Patient.Channel.SMS, False, True),
    ("Fatima", "Begum", date(1958, 1, 21), Patient.Channel.BOTH, True, True),
    ("Chloe", "Martin", date(1987, 9, 9), Patient.Channel.BOTH, True, True),
    ("Helen", "Baker", date(1949, 4, 5), Patient.Channel.NONE, False, False),
    ("Sofia", "Rossi", date(1975, 12, 12), Patient.Channel.EMAIL, True, False),
    ("Zainab", "Ahmed", date(1969, 7, 17), Patient.Channel.BOTH, True, True),
    ("Olivia", "Walsh", date(1983, 2, 28), Patient.Channel.SMS, False, True),
    ("Emily", "Clarke", date(1962, 10, 1), Patient.Channel.BOTH, True, True),
    ("Ngozi", "Eze", date(1977, 5, 23), Patient.Channel.BOTH, True, True),
    ("Hannah", "Price", date(1990, 8, 8), Patient.Channel.EMAIL, True, False),
]
# Per clinic day: (room index, start, minutes) for the demo bookings.
DAY_PLAN = [(0, time(9, 0), 45), (0, time(10, 30), 60), (1, time(9, 30), 30), (1, time(14, 0), 45)]
DISCHARGES = list(Appointment.Discharge.values)


class Command(BaseCommand):
    help = "Create demo rooms, staff logins, patients and the coming week of ductogram bookings (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")
        parser.add_argument("--days", type=int, default=7, help="How many days ahead to book (default 7).")

    def handle(self, *args, force: bool = False, days: int = 7, **options):
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: demo data and logins do not belong here. Use --force if you mean it.")
        password = os.environ.get("DEMO_PASSWORD", "ductogram-demo")
        with transaction.atomic():
            ductogram = ProcedureType.objects.get(code="DUCTOGRAM")
            rooms = [
                Room.objects.get_or_create(name=name, defaults={"location": location})[0] for name, location in ROOMS
            ]
            users = {row[0]: self._user(*row, password=password) for row in STAFF}
            radiologists = [users["dr.okafor"], users["dr.lindqvist"]]
            patients = [self._patient(i, *row) for i, row in enumerate(PATIENTS, start=1)]
        booked = self._book_week(ductogram, rooms, radiologists, patients, users["scheduler"], days)

        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready: {len(rooms)} rooms, {len(patients)} patients, {booked} new bookings.")
        )
        self.stdout.write(f"Logins (password for all: {password}):")
        for username, first, last, group, is_superuser in STAFF:
            role = "superuser" if is_superuser else group
            self.stdout.write(f"  {username:<14} {first} {last} ({role})")

    def _user(self, username, first, last, group, is_superuser, *, password) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "is_staff": True,
                "is_superuser": is_superuser,
                "email": f"{username}@clinic.example",
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    def _patient(self, n, given, family, born, channel, has_email, has_mobile) -> Patient:
        mrn = f"{DEMO_MRN_PREFIX}{n:04d}"
        return Patient.objects.filter(mrn=mrn).first() or services.register_patient(
            mrn=mrn,
            given_name=given,
            family_name=family,
            date_of_birth=born,
            preferred_channel=channel,
            email=f"{given.lower()}.{family.lower().replace(chr(39), '')}@patients.example" if has_email else "",
            mobile=f"+4477009000{n:02d}" if has_mobile else "",
        )

    def _book_week(self, ductogram, rooms, radiologists, patients, scheduler, days: int) -> int:
        """Book the plan on each clinic day of the coming week that has no demo bookings yet."""
        booked = 0
        tz = timezone.get_default_timezone()
        tomorrow = timezone.localdate() + timedelta(days=1)
        for offset in range(days):
            day = tomorrow + timedelta(days=offset)
            if hours_on(day) is None:
                continue
            already = Appointment.objects.filter(
                patient__mrn__startswith=DEMO_MRN_PREFIX,
                scheduled_start__date=day,
            ).exists()
            if already:
                continue
            for i, (room_index, at, minutes) in enumerate(DAY_PLAN):
                patient = patients[(offset * len(DAY_PLAN) + i) % len(patients)]
                try:
                    services.book_appointment(
                        patient=patient,
                        procedure_type=ductogram,
                        room=rooms[room_index],
                        scheduled_start=timezone.make_aware(datetime.combine(day, at), tz),
                        expected_duration=minutes,
                        radiologist=radiologists[room_index],
                        booked_by=scheduler,
                        laterality=Appointment.Laterality.LEFT if i % 2 else Appointment.Laterality.RIGHT,
                        discharge=DISCHARGES[(offset + i) % len(DISCHARGES)],
                        referrer="Dr Evans, Breast Clinic",
                    )
                    booked += 1
                except services.BookingError as exc:
                    self.stderr.write(f"Skipped a demo booking on {day}: {exc}")
        return booked
