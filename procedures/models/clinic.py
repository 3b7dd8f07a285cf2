"""The clinic's core data: patients, procedure types and rooms (appointments are models/appointments.py), with the
words for their states.

Invariants that the database can hold live in constraints here; rules that need the clock or other rows live in
`procedures.services`, which is the only code that moves an appointment's status.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Upper
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from procedures import clinic_time
from procedures.folding import fold
from procedures.languages import ENGLISH, language_choices
from procedures.nhs_number import TAKEN_MESSAGE, NhsNumberField
from procedures.nhs_number import formatted as nhs_number_formatted
from reminders.channels import channels as registered_channels
from reminders.channels import default_consent
from reminders.channels.fields import ChannelsField

from .address import PostalDetails

# Longest booking the database accepts at all; the procedure type's bounds are the everyday limit.
MAX_BOOKABLE_MINUTES = 240


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (28 February for a 29th in a common year); 1 January of year 1 at the earliest."""
    year = day.year - years
    if year < 1:
        return date.min
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def validate_date_of_birth(value: date) -> None:
    """A date of birth lies between PATIENT_MAX_AGE_YEARS years before today (clinic time) and today.

    A field validator, so the booking form, the admin and `full_clean()` all show it on the field."""
    today = clinic_time.today()
    if value > today:
        raise ValidationError("A date of birth cannot be in the future; check the year.", code="born_in_the_future")
    oldest = years_before(today, settings.PATIENT_MAX_AGE_YEARS)
    if value < oldest:
        raise ValidationError(
            f"A date of birth before {clinic_time.plain_date(oldest)} would make the patient older than "
            f"{settings.PATIENT_MAX_AGE_YEARS}; check the year.",
            code="born_too_long_ago",
        )


class PatientQuerySet(models.QuerySet):
    def agreed_to(self, channel: str | None) -> "PatientQuerySet":
        """Patients who agreed to reminders by `channel`; with None, those who agreed to none. Read from the JSON
        list's text, which works alike on PostgreSQL and SQLite."""
        if channel is None:
            return self.filter(channels=[])
        as_text = Cast("channels", models.TextField())
        return self.annotate(_channels_text=as_text).filter(_channels_text__contains=f'"{channel}"')


class Patient(PostalDetails, models.Model):
    mrn = models.CharField("MRN", max_length=32, unique=True, help_text="The hospital number.")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(validators=[validate_date_of_birth])
    # Optional; unique when set (NULL when not, so any number of patients may have none); ten digits, checked with
    # the modulus 11 rule whoever saves it (procedures.nhs_number).
    nhs_number = NhsNumberField(
        "NHS number",
        unique=True,
        error_messages={"unique": TAKEN_MESSAGE},
        help_text="Optional: 10 digits, with or without spaces, e.g. 943 476 5919.",
    )
    email = models.EmailField(blank=True)
    mobile = PhoneNumberField(
        blank=True,
        help_text="In the clinic's national format, or with its country code for a number from abroad.",
    )
    phone = PhoneNumberField(
        blank=True,
        help_text="Another number staff can call, e.g. a landline. Texts only ever go to the mobile.",
    )
    channels = ChannelsField(
        "reminders by",
        default=default_consent,
        blank=True,
        help_text="The ways the patient agreed to be reminded; none for no reminders.",
    )
    reminders_opt_out_at = models.DateTimeField(
        null=True, blank=True, help_text="When the patient asked for no more reminders."
    )
    sms_stopped_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the patient replied STOP to a text: no texts until they reply START, whatever else changes.",
    )
    language = models.CharField(
        max_length=10,
        choices=language_choices,
        default=ENGLISH,
        help_text="The language the patient reads. Messages and their page are in it when the clinic offers it "
        "(PATIENT_LANGUAGES); otherwise in English, with a sentence in their language about an interpreter.",
    )
    needs_interpreter = models.BooleanField(
        default=False, help_text="Book an interpreter for the appointment; staff lists show a flag."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The names folded for search (procedures.folding): kept up to date by save(). On PostgreSQL a trigram
    # GIN index (migration 0009) serves "contains every word"; the other indexes serve MRN, birth date and phones.
    search_name = models.CharField(max_length=201, default="", editable=False)
    history = HistoricalRecords(excluded_fields=["search_name"])

    objects = PatientQuerySet.as_manager()

    # The fields search_name is folded from.
    SEARCH_SOURCES = frozenset({"given_name", "family_name"})

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(mrn=""), name="patient_mrn_not_blank", violation_error_message="An MRN is required."
            ),
        ]
        indexes = [
            models.Index(Upper("mrn"), name="patient_mrn_upper"),
            models.Index(fields=["date_of_birth"], name="patient_date_of_birth"),
            models.Index(fields=["mobile"], name="patient_mobile"),
            models.Index(fields=["phone"], name="patient_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name} ({self.mrn})"

    def save(self, *args, **kwargs):
        """Folds the names into search_name first; a save of only some fields saves it too when a name is among
        them. (bulk_create skips this: fill search_name with `Patient.fold_names()` there.)"""
        self.search_name = self.fold_names(self.given_name, self.family_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self.SEARCH_SOURCES.intersection(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    @staticmethod
    def fold_names(given_name: str, family_name: str) -> str:
        return fold(f"{given_name} {family_name}")

    @property
    def nhs_number_display(self) -> str:
        """The NHS number as it is written, 3-3-4 ("943 476 5919"); "" when there is none."""
        return nhs_number_formatted(self.nhs_number)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def reminder_channels(self) -> frozenset[str]:
        """The one answer to "how can reminders reach this patient": the registered channels they agreed to that
        reach them (reminders.channels); none once they opt out. Scheduling, sending and the staff pages ask this."""
        if self.reminders_opt_out_at:
            return frozenset()
        return frozenset(
            slug for slug, channel in registered_channels().items() if slug in self.channels and channel.reaches(self)
        )

    def notice_channels(self) -> frozenset[str]:
        """Where service notices go (a move, a cancellation, "arrive as soon as you can"): every registered channel
        that reaches the patient, whatever reminders they agreed to or stopped. Never a text to a number that
        replied STOP: the SMS channel does not reach it."""
        return frozenset(slug for slug, channel in registered_channels().items() if channel.reaches(self))

    @property
    def can_receive_reminders(self) -> bool:
        return bool(self.reminder_channels())

    @property
    def channels_display(self) -> str:
        """The channels the patient agreed to, in staff's words ("Email and SMS", "No reminders")."""
        labels = [channel.label for slug, channel in registered_channels().items() if slug in self.channels]
        if not labels:
            return "No reminders"
        return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"

    def why_unreachable(self, channel: str | None = None) -> str:
        """In staff's words, why `channel` (or, with None, every channel) cannot reach the patient; "" if it can.
        Each channel says why it cannot reach them (its missing address, a STOP reply)."""
        registry = registered_channels()
        if channel is None:
            if self.can_receive_reminders:
                return ""
            if self.reminders_opt_out_at or not self.channels:
                return "has asked for no reminders"
            missing = [registry[slug].missing for slug in registry if slug in self.channels]
            return f"has no {' or '.join(missing)} for the reminders they chose"
        if channel in self.reminder_channels():
            return ""
        if self.reminders_opt_out_at:
            return "The patient opted out of reminders."
        if channel in registry and (why := registry[channel].why_not(self)):
            return why
        return f"The patient no longer wants reminders by {channel}."


class ProcedureType(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    default_duration = models.PositiveSmallIntegerField(help_text="Minutes.", default=45)
    min_duration = models.PositiveSmallIntegerField(help_text="Minutes.", default=30)
    max_duration = models.PositiveSmallIntegerField(help_text="Minutes.", default=60)
    arrival_lead = models.PositiveSmallIntegerField(
        help_text="Minutes before the start that the patient should arrive.", default=15
    )
    preparation = models.TextField(blank=True, help_text="Shown to patients before the appointment.")
    preparation_lead_days = models.PositiveSmallIntegerField(
        "preparation days",
        default=3,
        help_text="How many days before the appointment the preparation starts (for a ductogram: no squeezing or "
        "checking for discharge). Patients are told the day before it starts, by every channel they have.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_duration__gt=0)
                & Q(min_duration__lte=models.F("default_duration"))
                & Q(default_duration__lte=models.F("max_duration"))
                & Q(max_duration__lte=MAX_BOOKABLE_MINUTES),
                name="proceduretype_durations_ordered",
                violation_error_message=(
                    f"Durations must satisfy 0 < minimum ≤ default ≤ maximum ≤ {MAX_BOOKABLE_MINUTES} minutes."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def duration_refusal(self, minutes: int | None, reason: str = "") -> str:
        """The one rule for how long a booking of this type may be: within the type's minimum and maximum, or with
        a reason given. Returns the sentence every reader shows (the model's clean(), the booking service, the
        booking and rescheduling forms); "" when the length is fine (or not yet known)."""
        if minutes is None or self.min_duration <= minutes <= self.max_duration or (reason or "").strip():
            return ""
        return (
            f"A {self.name.lower()} is booked for {self.min_duration}-{self.max_duration} minutes; "
            f"give a reason to book {minutes}."
        )

    def duration_help(self, usual: int | None = None) -> str:
        """The rule as a hint beside the duration field: the usual length (the type's default unless given)."""
        usual = self.default_duration if usual is None else usual
        return f"Usually {usual}; {self.min_duration}-{self.max_duration} minutes without a reason."


class Room(models.Model):
    name = models.CharField(max_length=64, unique=True)
    location = models.CharField(max_length=200, blank=True, help_text="Directions shown to patients.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
