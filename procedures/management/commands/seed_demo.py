"""Demo data that shows every role's day: rooms, staff logins, patients, and bookings in the past, today and ahead.

- The last few clinic days: results logged (through `record_result`, as radiologists do: a BI-RADS 4B with a
  surgical referral and a procedure not performed among them, so the follow-up list has work), a checked-in
  appointment with no result yet (the worklist's "results pending"), bookings nobody closed (booked, confirmed:
  the end of the day's list), a patient who did not attend, and cancellations with their reasons.
- Today: the day's list, some already done or checked in, the rest still to come.
- The coming week: bookings through the booking service (reminders and all), one of them cancelled.
- Patients who read Welsh, Polish (needing an interpreter), Urdu and Romanian (a language not offered to patients).

Safe to run again: it only adds what is missing, and fills only the days that have no demo bookings yet, so a demo
database stays populated. Refuses to run with DEBUG off unless told --force, so demo logins never appear on a
production server by accident.

Demo phone numbers: mobiles in +44 7911 123 4xx (numbers `phonenumbers`, and so the admin, accept; Ofcom's drama
range 07700 900xxx is refused as invalid), landlines in Ofcom's drama ranges (020 7946 0xxx, 0113 496 0xxx), which
no real line has. The demo sends with the console backends, so no text or email leaves the machine; the command
says which backends are set, and warns when one is not a console, file or memory backend.
"""

import os
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from procedures import clinic_time, services
from procedures.access import RADIOLOGISTS, SCHEDULERS
from procedures.models import Appointment, Patient, ProcedureResult, ProcedureType, Room, RoomTranslation

DEMO_MRN_PREFIX = "DEMO"
ROOMS = [
    ("Mammo Room 1", "Level 2, Rose Wing: follow the signs for Breast Imaging, first door on the left"),
    ("Mammo Room 2", "Level 2, Rose Wing: follow the signs for Breast Imaging, second door on the left"),
]
# The rooms' directions in the shipped languages, unreviewed like all our translations (the hospital's signs are
# quoted as they read).
ROOM_DIRECTIONS = {
    "Mammo Room 1": {
        "cy": "Lefel 2, Adain y Rhosyn: dilynwch yr arwyddion ar gyfer Delweddu'r Fron, y drws cyntaf ar y chwith",
        "pl": "Piętro 2, Rose Wing: prosimy kierować się znakami „Breast Imaging”, pierwsze drzwi po lewej",
        "ur": "لیول 2، روز ونگ: «Breast Imaging» کے نشانات کے مطابق چلیں، بائیں جانب پہلا دروازہ",
    },
    "Mammo Room 2": {
        "cy": "Lefel 2, Adain y Rhosyn: dilynwch yr arwyddion ar gyfer Delweddu'r Fron, yr ail ddrws ar y chwith",
        "pl": "Piętro 2, Rose Wing: prosimy kierować się znakami „Breast Imaging”, drugie drzwi po lewej",
        "ur": "لیول 2، روز ونگ: «Breast Imaging» کے نشانات کے مطابق چلیں، بائیں جانب دوسرا دروازہ",
    },
}
STAFF = [
    # username, first name, last name, group, is_superuser
    ("admin", "Clinic", "Administrator", None, True),
    ("scheduler", "Sam", "Patel", SCHEDULERS, False),
    ("dr.okafor", "Adaeze", "Okafor", RADIOLOGISTS, False),
    ("dr.lindqvist", "Maria", "Lindqvist", RADIOLOGISTS, False),
]
# A second number staff can call: landlines in Ofcom's drama ranges (valid to `phonenumbers`, never a real line).
LANDLINE = "landline"
# The channels each demo patient agreed to.
BOTH, EMAIL_ONLY, SMS_ONLY, BY_POST = ["email", "sms"], ["email"], ["sms"], ["letter"]
# Reached only by post, in large print: her letters are due on /letters/.
ADDRESSES = {
    "Helen": {
        "address_line1": "14 Riverside Court",
        "address_line2": "Mill Lane",
        "town": "London",
        "postcode": "SE1 7EH",
        "needs_large_print": True,
    }
}
PATIENTS = [
    # given, family, born, channels, has email, has mobile, landline
    ("Amelia", "Hughes", date(1971, 3, 14), BOTH, True, True, ""),
    ("Priya", "Shah", date(1965, 11, 2), EMAIL_ONLY, True, False, "+44 20 7946 0102"),
    ("Grace", "O'Neill", date(1980, 6, 30), SMS_ONLY, False, True, ""),
    ("Fatima", "Begum", date(1958, 1, 21), BOTH, True, True, "+44 113 496 0104"),
    ("Chloe", "Martin", date(1987, 9, 9), BOTH, True, True, ""),
    ("Helen", "Baker", date(1949, 4, 5), BY_POST, False, False, ""),  # no phone or email: letters
    ("Sofia", "Rossi", date(1975, 12, 12), EMAIL_ONLY, True, False, "+44 20 7946 0107"),
    ("Zainab", "Ahmed", date(1969, 7, 17), BOTH, True, True, ""),
    ("Olivia", "Walsh", date(1983, 2, 28), SMS_ONLY, False, True, "+44 113 496 0109"),
    ("Emily", "Clarke", date(1962, 10, 1), BOTH, True, True, ""),
    ("Ngozi", "Eze", date(1977, 5, 23), BOTH, True, True, ""),
    ("Hannah", "Price", date(1990, 8, 8), EMAIL_ONLY, True, False, "+44 20 7946 0112"),
    ("Carys", "Llywelyn", date(1972, 4, 19), BOTH, True, True, ""),
    ("Agnieszka", "Kowalska", date(1968, 9, 3), SMS_ONLY, False, True, "+44 20 7946 0114"),
    ("Nasreen", "Akhtar", date(1979, 1, 11), BOTH, True, True, ""),
    ("Ioana", "Popescu", date(1984, 6, 25), EMAIL_ONLY, True, False, ""),
]
# The languages the demo's patients read, where not English: Welsh, Polish (with an interpreter booked: the staff
# lists' badge) and Urdu, offered to patients; and Romanian, which is not, so Ioana's messages are in English with
# one sentence in Romanian about an interpreter.
SPEAKS = {
    "Carys": {"language": "cy"},
    "Agnieszka": {"language": "pl", "needs_interpreter": True},
    "Nasreen": {"language": "ur"},
    "Ioana": {"language": "ro"},
}
# Per clinic day: (room index, start, minutes). Each room has its own radiologist, so no two bookings clash.
DAY_PLAN = [
    (0, time(9, 0), 45),
    (1, time(9, 30), 30),
    (0, time(10, 30), 60),
    (1, time(11, 0), 45),
    (0, time(13, 30), 45),
    (1, time(14, 0), 45),
    (0, time(15, 30), 45),
    (1, time(16, 0), 30),
]
# What became of a past booking, slot by slot: results logged, results still to log, a missed one, cancellations.
DONE = "done"  # completed, with a result logged
SUSPICIOUS = "suspicious"  # completed, BI-RADS 4B and a surgical referral: on the follow-up list
NOT_DONE = "not_done"  # not performed, no discharge on the day: on the follow-up list for a rebook
BOOKED, CONFIRMED, CHECKED_IN = Appointment.Status.BOOKED, Appointment.Status.CONFIRMED, Appointment.Status.CHECKED_IN
NO_SHOW = Appointment.Status.NO_SHOW
PAST_FATES = [DONE, CONFIRMED, SUSPICIOUS, CHECKED_IN, "no_discharge", NO_SHOW, NOT_DONE, BOOKED]
# What each logged result says.
RESULTS = {
    DONE: {
        "findings": [ProcedureResult.Finding.NORMAL],
        "birads": ProcedureResult.BiRads.B2,
        "recommendation": ProcedureResult.Recommendation.ROUTINE,
        "report": "Single duct cannulated; no filling defect. Demo report.",
    },
    SUSPICIOUS: {
        "findings": [ProcedureResult.Finding.FILLING_DEFECT],
        "birads": ProcedureResult.BiRads.B4B,
        "recommendation": ProcedureResult.Recommendation.SURGICAL_REFERRAL,
        "report": "Single duct cannulated; intraductal filling defect 2 cm from the nipple. Demo report.",
    },
    NOT_DONE: {
        "outcome": ProcedureResult.Outcome.NO_DISCHARGE,
        "report": "No discharge could be expressed on the day; not performed. Demo report.",
    },
}
TODAY_FATES = [DONE, CHECKED_IN, CONFIRMED, DONE, "unwell", BOOKED, CHECKED_IN, BOOKED]
PAST_DAYS = 3  # clinic days before today
CANCEL_AHEAD = Appointment.CancelReason.PATIENT_REQUEST  # one booking of the coming week is cancelled for this
DISCHARGES = list(Appointment.Discharge.values)
SAFE_BACKEND_WORDS = ("console", "file", "locmem", "dummy")


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "ductogram-demo")


def login_lines(password: str) -> list[str]:
    """The demo logins as seed_demo and announce_ready print them."""
    lines = [f"Logins (password for all: {password}):"]
    for username, first, last, group, is_superuser in STAFF:
        role = "superuser" if is_superuser else group
        lines.append(f"  {username:<14} {first} {last} ({role})")
    return lines


class Command(BaseCommand):
    help = "Create demo rooms, staff logins, patients, and past, today's and coming bookings (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")
        parser.add_argument("--days", type=int, default=7, help="How many days ahead to book (default 7).")

    def handle(self, *args, force: bool = False, days: int = 7, **options):
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: demo data and logins do not belong here. Use --force if you mean it.")
        password = demo_password()
        with transaction.atomic():
            self.ductogram = ProcedureType.objects.get(code="DUCTOGRAM")
            self.rooms = [
                Room.objects.get_or_create(name=name, defaults={"location": location})[0] for name, location in ROOMS
            ]
            self._translate_directions()
            users = {row[0]: self._user(*row, password=password) for row in STAFF}
            self.radiologists = [users["dr.okafor"], users["dr.lindqvist"]]
            self.scheduler = users["scheduler"]
            self.patients = [self._patient(i, *row) for i, row in enumerate(PATIENTS, start=1)]
        today = clinic_time.today()
        written = sum(self._fill_past_day(day) for day in self._past_clinic_days(today))
        written += self._fill_past_day(today, today=True) if clinic_time.hours_on(today) else 0
        booked = self._book_ahead(today, days)

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(self.rooms)} rooms, {len(self.patients)} patients, "
                f"{written} past and today's appointments, {booked} new bookings ahead."
            )
        )
        if clinic_time.hours_on(today) is None:
            self.stdout.write("The clinic is closed today, so there is no list for today; see the coming days.")
        self.stdout.write("\n".join(login_lines(password)))
        self._say_where_messages_go()

    def _translate_directions(self) -> None:
        """The demo rooms' directions in Welsh, Polish and Urdu, while a room's English is still the demo's own."""
        english = dict(ROOMS)
        for room in self.rooms:
            if room.location != english.get(room.name):
                continue
            for language, location in ROOM_DIRECTIONS.get(room.name, {}).items():
                RoomTranslation.objects.get_or_create(source=room, language=language, defaults={"location": location})

    def _say_where_messages_go(self) -> None:
        sms, mail = settings.SMS_BACKEND, settings.EMAIL_BACKEND
        self.stdout.write(
            "Demo mobiles are +44 7911 123 4xx and landlines are in Ofcom's drama ranges; the demo never sends to "
            f"them: texts go to {sms}, emails to {mail}."
        )
        risky = [name for name in (sms, mail) if not any(word in name.lower() for word in SAFE_BACKEND_WORDS)]
        if risky:
            self.stderr.write(
                f"Warning: {', '.join(risky)} may really send. Demo reminders would go out to the demo numbers and "
                "addresses: use the console backends (SMS_BACKEND, EMAIL_URL=consolemail://) for a demo."
            )

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

    def _patient(self, n, given, family, born, channel, has_email, has_mobile, landline) -> Patient:
        mrn = f"{DEMO_MRN_PREFIX}{n:04d}"
        mobile = f"+4479111234{n:02d}" if has_mobile else ""
        patient = Patient.objects.filter(mrn=mrn).first()
        if patient is None:
            return services.register_patient(
                mrn=mrn,
                given_name=given,
                family_name=family,
                date_of_birth=born,
                channels=channel,
                email=f"{given.lower()}.{family.lower().replace(chr(39), '')}@patients.example" if has_email else "",
                mobile=mobile,
                phone=landline,
                **ADDRESSES.get(given, {}),
                **SPEAKS.get(given, {}),
            )
        # Demo databases from before used the drama mobile range, which the admin refuses: give them the new ones.
        if patient.mobile and not patient.mobile.is_valid():
            patient = services.update_patient(patient, mobile=mobile, phone=patient.phone or landline)
        return patient

    @staticmethod
    def _past_clinic_days(today: date) -> list[date]:
        days, day = [], today
        while len(days) < PAST_DAYS:
            day -= timedelta(days=1)
            if clinic_time.hours_on(day) is not None:
                days.append(day)
        return sorted(days)

    @staticmethod
    def _has_demo_bookings(day: date) -> bool:
        return Appointment.objects.filter(patient__mrn__startswith=DEMO_MRN_PREFIX, scheduled_start__date=day).exists()

    def _slot(self, day: date, index: int, offset: int) -> dict:
        room_index, at, minutes = DAY_PLAN[index]
        return {
            "patient": self.patients[(offset * len(DAY_PLAN) + index) % len(self.patients)],
            "procedure_type": self.ductogram,
            "room": self.rooms[room_index],
            "radiologist": self.radiologists[room_index],
            "scheduled_start": timezone.make_aware(datetime.combine(day, at)),
            "expected_duration": minutes,
            "laterality": Appointment.Laterality.LEFT if index % 2 else Appointment.Laterality.RIGHT,
            "discharge": DISCHARGES[(offset + index) % len(DISCHARGES)],
            "referrer": "Dr Evans, Breast Clinic",
        }

    def _fill_past_day(self, day: date, *, today: bool = False) -> int:
        """A day gone by (or today's list so far): the rows are written directly, because the booking service
        refuses times that have passed, as it should; these are what the clinic's past would hold. Today's slots
        still to come are booked through the service instead."""
        if self._has_demo_bookings(day):
            return 0
        now, fates, offset = timezone.now(), TODAY_FATES if today else PAST_FATES, day.toordinal()
        written = 0
        for index, fate in enumerate(fates):
            slot = self._slot(day, index, offset)
            start = slot["scheduled_start"]
            if start > now:  # only today: still to come, booked (and perhaps checked in) as staff do it
                cancel = fate if fate in Appointment.CancelReason.values else None
                written += self._book(slot, cancel=cancel, check_in=fate in (DONE, CHECKED_IN)) is not None
                continue
            ended = start + timedelta(minutes=slot["expected_duration"]) <= now
            with transaction.atomic():
                self._write_past(slot, fate if ended or fate != DONE else CHECKED_IN)
            written += 1
        return written

    def _write_past(self, slot: dict, fate: str) -> Appointment:
        appointment = Appointment(**slot, created_by=self.scheduler)
        appointment._history_user = self.scheduler
        if fate in Appointment.CancelReason.values:
            code = Appointment.CancelReason(fate)
            appointment.status, appointment.cancel_reason_code, appointment.cancellation_reason = (
                Appointment.Status.CANCELLED,
                code,
                code.label,
            )
        else:
            appointment.status = CHECKED_IN if fate in RESULTS else fate
        appointment.status_changed_at = slot["scheduled_start"]
        appointment.save()
        if fate in RESULTS:  # logged as a radiologist logs it; record_result completes the appointment
            radiologist = slot["radiologist"]
            start = slot["scheduled_start"] + timedelta(minutes=5)
            performed = fate != NOT_DONE
            services.record_result(
                ProcedureResult(
                    appointment=appointment,
                    started_at=start if performed else None,
                    ended_at=start + timedelta(minutes=slot["expected_duration"] - 10) if performed else None,
                    duct_cannulated=True if performed else None,
                    clock_position=appointment.pk % 12 + 1 if performed else None,
                    discharge_observed=ProcedureResult.DischargeObserved.CLEAR if performed else "",
                    performed_by=radiologist,
                    **RESULTS[fate],
                ),
                by=radiologist,
            )
        return appointment

    def _book(self, slot: dict, *, cancel: str | None = None, check_in: bool = False) -> Appointment | None:
        try:
            appointment = services.book_appointment(booked_by=self.scheduler, **slot)
            if cancel:
                services.cancel_appointment(appointment, reason_code=cancel, by=self.scheduler)
        except services.BookingError as exc:
            self.stderr.write(f"Skipped a demo booking at {clinic_time.iso_minute(slot['scheduled_start'])}: {exc}")
            return None
        if check_in and services.arrival_actions(appointment).check_in:
            services.check_in(appointment, by=self.scheduler)
        return appointment

    def _book_ahead(self, today: date, days: int) -> int:
        """Book the plan on each clinic day of the coming `days` that has no demo bookings yet. The last two bookings'
        patients could come earlier (the waiting list), and then the first day's third booking is cancelled at the
        patient's request: its time is offered to them (/waitlist/)."""
        ahead = []
        for offset in range(1, days + 1):
            day = today + timedelta(days=offset)
            if clinic_time.hours_on(day) is None or self._has_demo_bookings(day):
                continue
            for index in range(len(DAY_PLAN)):
                if appointment := self._book(self._slot(day, index, offset)):
                    ahead.append(appointment)
        for appointment in ahead[-2:]:
            services.set_short_notice(appointment, ok=True, hours=Appointment.ShortNotice.A_DAY, by=self.scheduler)
        if len(ahead) > 4:
            services.cancel_appointment(ahead[2], reason_code=CANCEL_AHEAD, by=self.scheduler)
        return len(ahead)
