"""Factories for the clinic's data. Times are aware and fall inside default clinic hours (Mon-Fri 08-18 London)."""

from datetime import datetime, time, timedelta

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from procedures.access import RADIOLOGISTS, SCHEDULERS
from procedures.models import Appointment, FreedSlot, Patient, ProcedureResult, ProcedureType, Room, SlotOffer


def next_clinic_day(days_ahead: int = 7, at: time = time(10, 0)) -> datetime:
    """An aware datetime `days_ahead` or more days from now, on a weekday, at `at` clinic time; a negative
    `days_ahead` goes back as many days or more, so it stays in the past whatever day the tests run on (forward
    from a Saturday, "a day ago" on a Sunday would have been tomorrow)."""
    step = timedelta(days=1 if days_ahead >= 0 else -1)
    day = timezone.localdate() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += step
    return timezone.make_aware(datetime.combine(day, at))


def clinic_day_after(moment: datetime, at: time = time(10, 0)) -> datetime:
    """The first weekday after `moment`'s day, at `at`: where a test moves an appointment "to the next day" (a
    Friday's next day is a Saturday, and the clinic is shut)."""
    return next_clinic_day(days_ahead=(timezone.localdate(moment) - timezone.localdate()).days + 1, at=at)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@clinic.example")
    is_staff = True
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        """UserFactory(groups=["Schedulers"]) puts the user in those staff groups (made by migration 0004)."""
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


class RadiologistFactory(UserFactory):
    username = factory.Sequence(lambda n: f"radiologist{n}")
    first_name = "Dr"
    last_name = factory.Sequence(lambda n: f"Radiologist{n}")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            self.groups.add(*Group.objects.filter(name__in=extracted or [RADIOLOGISTS]))


class SchedulerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"scheduler{n}")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            self.groups.add(*Group.objects.filter(name__in=extracted or [SCHEDULERS]))


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"MRN{n:07d}")
    given_name = factory.Faker("first_name_female")
    family_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=25, maximum_age=80)
    email = factory.LazyAttribute(lambda p: f"{p.mrn.lower()}@patients.example")
    mobile = factory.Sequence(lambda n: f"+4477009{n % 100000:05d}")
    channels = factory.LazyFunction(lambda: ["email", "sms"])


class ProcedureTypeFactory(factory.django.DjangoModelFactory):
    """The DUCTOGRAM type from the data migration, so its FAQ comes with it."""

    class Meta:
        model = ProcedureType
        django_get_or_create = ("code",)

    code = "DUCTOGRAM"
    name = "Ductogram"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Mammo Room {n + 1}")
    location = "Level 2, Rose Wing"
    is_active = True


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An appointment row written directly, bypassing the booking rules: for data that already exists."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    procedure_type = factory.SubFactory(ProcedureTypeFactory)
    room = factory.SubFactory(RoomFactory)
    radiologist = None
    scheduled_start = factory.LazyFunction(next_clinic_day)
    expected_duration = 45
    laterality = Appointment.Laterality.LEFT
    discharge = Appointment.Discharge.BLOODY
    referrer = "Dr Jones, Breast Clinic"


class ProcedureResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcedureResult

    appointment = factory.SubFactory(AppointmentFactory, status=Appointment.Status.COMPLETED)
    outcome = ProcedureResult.Outcome.PERFORMED
    started_at = factory.LazyAttribute(lambda r: r.appointment.scheduled_start + timedelta(minutes=5))
    ended_at = factory.LazyAttribute(lambda r: r.started_at + timedelta(minutes=40))
    times_given = True  # as a radiologist typed them (record_result decides it for results saved through it)
    duct_cannulated = True
    clock_position = 3
    discharge_observed = ProcedureResult.DischargeObserved.BLOODY
    findings = factory.LazyFunction(lambda: [ProcedureResult.Finding.FILLING_DEFECT])
    birads = ProcedureResult.BiRads.B4A
    recommendation = ProcedureResult.Recommendation.SURGICAL_REFERRAL


def reminder_rule(stage: str):
    from reminders.models import ReminderRule

    return ReminderRule.objects.get(procedure_type__code="DUCTOGRAM", stage=stage)


def offer_of_an_earlier_time(appointment: Appointment, *, status: str = SlotOffer.Status.OFFERED) -> SlotOffer:
    """An offer from the waiting list to `appointment` of a time two clinic days away (inside its preparation window)
    in a room of its own, freed by another patient's cancellation: data as the waiting list's rounds leave it."""
    start = next_clinic_day(days_ahead=2, at=time(9, 0))
    room = RoomFactory(name=f"Offer room {SlotOffer.objects.count()}")
    freed_by = AppointmentFactory(
        room=room, scheduled_start=start, status=Appointment.Status.CANCELLED, cancellation_reason="Unwell"
    )
    slot = FreedSlot.objects.create(
        procedure_type=appointment.procedure_type,
        room=room,
        start=start,
        duration=appointment.expected_duration,
        freed_by=freed_by,
        cause=FreedSlot.Cause.CANCELLED,
    )
    now = timezone.now()
    life = timedelta(minutes=30) if status != SlotOffer.Status.EXPIRED else -timedelta(minutes=1)
    return SlotOffer.objects.create(
        freed_slot=slot,
        appointment=appointment,
        old_start=appointment.scheduled_start,
        status=status,
        offered_at=now,
        expires_at=now + life,
    )
