"""Demo data that looks like a clinic's: rooms, staff logins, and two working weeks of ductograms behind today,
today's list, and the coming week (procedures.management.demo says who and what).

- One patient per visit, from a pool of varied names (some reading Welsh, Polish or Urdu), and the sixteen featured
  patients booked in the coming days: reached only by post in large print, by a landline only, by texts only, Welsh,
  Polish with an interpreter, Urdu, Romanian (a language not offered to patients). A patient's discharge, side and
  referrer are hers at every visit; she was registered before her first booking, and booked before her visit.
- The past is closed, as a clinic closes its days: results logged through `record_result` (a BI-RADS 4B with a
  surgical referral, a 4A, a procedure not performed, ...: the follow-up list has work), did-not-attends with a
  reason and a next step, cancellations by the patient after she confirmed, or by the clinic for its own reason.
  Only the last clinic day keeps open work: a booking nobody closed (the end of the day's list), a result to log.
- A few patients return: a ductogram not performed or asking for a repeat, rebooked from its follow-up.
- Today: some done, some checked in, the rest to come; the coming week booked through the booking service
  (reminders and all), some confirmed, one cancelled at the patient's request, one patient booked for each side
  with the second booking's reason, as the booking form asks.

Safe to run again: a slot (a room at a time) that holds a demo booking is left alone, so a second run adds nothing;
a run on a later day closes the bookings left open on days now gone and books the days that came into view.
Refuses to run with DEBUG off unless told --force, so demo logins never appear on a production server by accident.

The demo sends with development backends (emails to files in var/mail/, read at /dev/outbox/; texts to the console),
so no text or email leaves the machine; the command says which backends are set, and warns when one is not a
console, file or memory backend.
"""

import os

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from procedures import clinic_time, services
from procedures.access import RADIOLOGISTS, SCHEDULERS
from procedures.models import Patient, ProcedureType, Room, RoomTranslation

from ..demo import people
from ..demo.days import Clinic

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
            ductogram = ProcedureType.objects.get(code="DUCTOGRAM")
            rooms = [
                Room.objects.get_or_create(name=name, defaults={"location": location})[0] for name, location in ROOMS
            ]
            self._translate_directions(rooms)
            users = {row[0]: self._user(*row, password=password) for row in STAFF}
            self._renumber_old_mobiles()
        clinic = Clinic(
            ductogram=ductogram,
            rooms=rooms,
            radiologists=[users["dr.okafor"], users["dr.lindqvist"]],
            scheduler=users["scheduler"],
            say=self.stderr.write,
        )
        closed = clinic.close_stale()
        clinic.fill_past()
        clinic.fill_today()
        clinic.fill_ahead(days)

        patients = Patient.objects.filter(mrn__startswith=people.MRN_PREFIX).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(rooms)} rooms, {patients} patients, {clinic.written} past and today's "
                f"appointments, {clinic.booked} new bookings ahead"
                + (f", {closed} left open on days gone by closed." if closed else ".")
            )
        )
        if clinic_time.hours_on(clinic.today) is None:
            self.stdout.write("The clinic is closed today, so there is no list for today; see the coming days.")
        self.stdout.write("\n".join(login_lines(password)))
        self._say_where_messages_go()

    @staticmethod
    def _translate_directions(rooms: list[Room]) -> None:
        """The demo rooms' directions in Welsh, Polish and Urdu, while a room's English is still the demo's own."""
        english = dict(ROOMS)
        for room in rooms:
            if room.location != english.get(room.name):
                continue
            for language, location in ROOM_DIRECTIONS.get(room.name, {}).items():
                RoomTranslation.objects.get_or_create(source=room, language=language, defaults={"location": location})

    @staticmethod
    def _renumber_old_mobiles() -> None:
        """Demo databases from before used the drama mobile range, which the admin refuses: give them the new ones."""
        for patient in Patient.objects.filter(mrn__startswith=people.MRN_PREFIX).exclude(mobile=""):
            n = people.number_of(patient.mrn)
            if n is not None and not patient.mobile.is_valid():
                services.update_patient(patient, mobile=people.mobile(n), phone=patient.phone or "")

    def _say_where_messages_go(self) -> None:
        sms, mail = settings.SMS_BACKEND, settings.EMAIL_BACKEND
        self.stdout.write(
            "Demo mobiles are +44 7911 123 xxx and landlines are in Ofcom's drama ranges; the demo never sends to "
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
