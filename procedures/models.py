"""The clinic's data: patients, procedure types, rooms, appointments, results and the FAQ patients read.

Invariants that the database can hold live in constraints here; rules that need the clock or other rows live in
`procedures.services`, which is the only code that moves an appointment's status.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from reminders.stages import Stage

# Longest booking the database accepts at all; the procedure type's bounds are the everyday limit.
MAX_BOOKABLE_MINUTES = 240


class Patient(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        BOTH = "both", "Email and SMS"
        NONE = "none", "No reminders"

    mrn = models.CharField("MRN", max_length=32, unique=True, help_text="The hospital number.")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    mobile = PhoneNumberField(blank=True, help_text="International format, e.g. +44 7700 900123.")
    preferred_channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.BOTH)
    reminders_opt_out_at = models.DateTimeField(
        null=True, blank=True, help_text="When the patient asked for no more reminders."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(mrn=""), name="patient_mrn_not_blank", violation_error_message="An MRN is required."
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name} ({self.mrn})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def can_receive_reminders(self) -> bool:
        """Whether any channel can reach this patient at all."""
        if self.reminders_opt_out_at or self.preferred_channel == self.Channel.NONE:
            return False
        wants_email = self.preferred_channel in (self.Channel.EMAIL, self.Channel.BOTH)
        wants_sms = self.preferred_channel in (self.Channel.SMS, self.Channel.BOTH)
        return bool((wants_email and self.email) or (wants_sms and self.mobile))


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


class Room(models.Model):
    name = models.CharField(max_length=64, unique=True)
    location = models.CharField(max_length=200, blank=True, help_text="Directions shown to patients.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CONFIRMED = "confirmed", "Confirmed"
        CHECKED_IN = "checked_in", "Checked in"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "Did not attend"

    class Laterality(models.TextChoices):
        LEFT = "left", "Left"
        RIGHT = "right", "Right"

    class Discharge(models.TextChoices):
        BLOODY = "bloody", "Bloody"
        CLEAR = "clear", "Clear"
        SEROUS = "serous", "Serous"
        MILKY = "milky", "Milky"
        OTHER = "other", "Other"

    OPEN_STATUSES = (Status.BOOKED, Status.CONFIRMED, Status.CHECKED_IN)
    # A cancelled or missed appointment frees its room; every other one occupies it.
    LIVE_STATUSES = (Status.BOOKED, Status.CONFIRMED, Status.CHECKED_IN, Status.COMPLETED)
    # Logging a result for an appointment nobody checked in completes it: the patient evidently came.
    TRANSITIONS = {
        Status.BOOKED: {Status.CONFIRMED, Status.CHECKED_IN, Status.COMPLETED, Status.CANCELLED, Status.NO_SHOW},
        Status.CONFIRMED: {Status.CHECKED_IN, Status.COMPLETED, Status.CANCELLED, Status.NO_SHOW},
        Status.CHECKED_IN: {Status.COMPLETED, Status.CANCELLED, Status.NO_SHOW},
        Status.COMPLETED: set(),
        Status.CANCELLED: set(),
        Status.NO_SHOW: set(),
    }

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    procedure_type = models.ForeignKey(ProcedureType, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    radiologist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ductograms",
        limit_choices_to={"groups__name": "Radiologists"},
    )
    scheduled_start = models.DateTimeField(db_index=True)
    expected_duration = models.PositiveSmallIntegerField(help_text="Minutes.")
    duration_reason = models.CharField(
        max_length=200, blank=True, help_text="Why the booking is longer or shorter than the usual range."
    )
    laterality = models.CharField(max_length=8, choices=Laterality.choices)
    discharge = models.CharField("discharge type", max_length=8, choices=Discharge.choices)
    referrer = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED, db_index=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    cancellation_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheduled_start"]
        indexes = [models.Index(fields=["room", "scheduled_start"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_duration__gt=0) & Q(expected_duration__lte=MAX_BOOKABLE_MINUTES),
                name="appointment_duration_bookable",
                violation_error_message=f"A booking lasts between 1 and {MAX_BOOKABLE_MINUTES} minutes.",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancellation_reason=""),
                name="appointment_cancellation_has_reason",
                violation_error_message="A cancelled appointment needs a reason.",
            ),
        ]
        # On PostgreSQL, migration 0002 adds exclusion constraints: no two live appointments overlap in a room,
        # or for a radiologist. They are raw SQL because the range must be built from immutable functions.

    def __str__(self) -> str:
        when = timezone.localtime(self.scheduled_start).strftime("%a %d %b %Y %H:%M") if self.scheduled_start else "?"
        return f"{self.procedure_type} for {self.patient} on {when}"

    @property
    def expected_end(self):
        return self.scheduled_start + timedelta(minutes=self.expected_duration)

    @property
    def arrival_time(self):
        return self.scheduled_start - timedelta(minutes=self.procedure_type.arrival_lead)

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    def clean(self):
        super().clean()
        if self.expected_duration and self.procedure_type_id:
            pt = self.procedure_type
            if not (pt.min_duration <= self.expected_duration <= pt.max_duration) and not self.duration_reason.strip():
                raise ValidationError(
                    {
                        "duration_reason": (
                            f"A {pt.name.lower()} usually takes {pt.min_duration}-{pt.max_duration} minutes; "
                            f"give a reason for booking {self.expected_duration}."
                        )
                    }
                )


class ProcedureResult(models.Model):
    class Outcome(models.TextChoices):
        PERFORMED = "performed", "Performed"
        NO_DISCHARGE = "no_discharge", "Not performed: no discharge on the day"
        CANNULATION_FAILED = "cannulation_failed", "Not performed: cannulation failed"
        POSTPONED_PREGNANCY = "postponed_pregnancy", "Postponed: possible pregnancy"
        POSTPONED_INFECTION = "postponed_infection", "Postponed: infection"

    class DischargeObserved(models.TextChoices):
        BLOODY = "bloody", "Bloody"
        SEROSANGUINOUS = "serosanguinous", "Serosanguinous"
        SEROUS = "serous", "Serous"
        CLEAR = "clear", "Clear"
        MILKY = "milky", "Milky"
        OTHER = "other", "Other"

    class Finding(models.TextChoices):
        NORMAL = "normal", "Normal"
        DUCTAL_ECTASIA = "ductal_ectasia", "Ductal ectasia"
        FILLING_DEFECT = "filling_defect", "Filling defect"
        DUCT_CUT_OFF = "duct_cut_off", "Duct cut-off / obstruction"
        WALL_IRREGULARITY = "wall_irregularity", "Wall irregularity"
        EXTRAVASATION = "extravasation", "Extravasation"
        CYST_COMMUNICATION = "cyst_communication", "Cyst communication"
        OTHER = "other", "Other"

    class BiRads(models.TextChoices):
        B0 = "0", "0 - Incomplete"
        B1 = "1", "1 - Negative"
        B2 = "2", "2 - Benign"
        B3 = "3", "3 - Probably benign"
        B4A = "4A", "4A - Low suspicion"
        B4B = "4B", "4B - Moderate suspicion"
        B4C = "4C", "4C - High suspicion"
        B5 = "5", "5 - Highly suggestive of malignancy"
        B6 = "6", "6 - Known malignancy"

    class Recommendation(models.TextChoices):
        ROUTINE = "routine", "Routine screening"
        SHORT_INTERVAL = "short_interval", "Short-interval follow-up"
        ULTRASOUND = "ultrasound", "Ultrasound"
        MRI = "mri", "MRI"
        SURGICAL_REFERRAL = "surgical_referral", "Surgical referral (duct excision)"
        REPEAT_DUCTOGRAPHY = "repeat_ductography", "Repeat ductography"

    class Complication(models.TextChoices):
        NONE = "none", "None"
        EXTRAVASATION = "extravasation", "Extravasation"
        CONTRAST_REACTION = "contrast_reaction", "Contrast reaction"
        VASOVAGAL = "vasovagal", "Vasovagal"
        PAIN = "pain", "Pain"
        OTHER = "other", "Other"

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="result")
    outcome = models.CharField(max_length=24, choices=Outcome.choices, default=Outcome.PERFORMED)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duct_cannulated = models.BooleanField(null=True, blank=True)
    clock_position = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="Position of the cannulated duct orifice, 1-12 o'clock.",
    )
    discharge_observed = models.CharField(max_length=16, choices=DischargeObserved.choices, blank=True)
    contrast_volume_ml = models.DecimalField(
        "contrast volume (ml)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    views = models.CharField(max_length=100, blank=True, default="CC, ML", help_text="Mammographic views taken.")
    findings = models.JSONField(default=list, blank=True, help_text="One or more findings.")
    birads = models.CharField("BI-RADS", max_length=2, choices=BiRads.choices, blank=True)
    recommendation = models.CharField(max_length=24, choices=Recommendation.choices, blank=True)
    complications = models.CharField(max_length=24, choices=Complication.choices, default=Complication.NONE)
    complication_details = models.CharField(max_length=200, blank=True)
    report = models.TextField(blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    logged_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-logged_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(birads="") | Q(birads__in=["0", "1", "2", "3", "4A", "4B", "4C", "5", "6"]),
                name="result_birads_valid",
                violation_error_message="BI-RADS must be one of 0, 1, 2, 3, 4A, 4B, 4C, 5, 6.",
            ),
            models.CheckConstraint(
                condition=Q(contrast_volume_ml__isnull=True) | Q(contrast_volume_ml__gte=0),
                name="result_contrast_volume_not_negative",
                violation_error_message="Contrast volume cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(clock_position__isnull=True) | Q(clock_position__gte=1, clock_position__lte=12),
                name="result_clock_position_on_the_clock",
                violation_error_message="Clock position is between 1 and 12.",
            ),
            models.CheckConstraint(
                condition=Q(started_at__isnull=True)
                | Q(ended_at__isnull=True)
                | Q(ended_at__gte=models.F("started_at")),
                name="result_ends_after_start",
                violation_error_message="The procedure cannot end before it started.",
            ),
        ]

    def __str__(self) -> str:
        return f"Result for {self.appointment}"

    @property
    def actual_duration(self) -> int | None:
        """Minutes from start to end, when both were logged."""
        if self.started_at and self.ended_at:
            return round((self.ended_at - self.started_at).total_seconds() / 60)
        return None

    def clean(self):
        super().clean()
        if not isinstance(self.findings or [], list) or not all(isinstance(f, str) for f in self.findings or []):
            raise ValidationError({"findings": 'Findings must be a list of finding codes, like ["normal"].'})
        unknown = set(self.findings or []) - set(self.Finding.values)
        if unknown:
            raise ValidationError({"findings": f"Unknown finding(s): {', '.join(sorted(unknown))}."})
        if self.outcome == self.Outcome.PERFORMED and self.duct_cannulated is False:
            raise ValidationError({"outcome": "A duct that was not cannulated means the ductogram was not performed."})


class FaqEntry(models.Model):
    class Topic(models.TextChoices):
        ABOUT = "about", "What the test is"
        PROCEDURE = "procedure", "How it is done"
        DURATION = "duration", "How long it takes"
        DISCOMFORT = "discomfort", "Does it hurt?"
        PREPARATION = "preparation", "Getting ready"
        AFTERCARE = "aftercare", "Afterwards"
        BACKGROUND = "background", "Background"

    procedure_type = models.ForeignKey(ProcedureType, on_delete=models.CASCADE, related_name="faq_entries")
    question = models.CharField(max_length=200)
    answer = models.TextField()
    topic = models.CharField(max_length=16, choices=Topic.choices)
    stages = models.JSONField(default=list, blank=True, help_text="Reminder stages that carry this entry.")
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["procedure_type", "order", "id"]
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"
        constraints = [
            models.UniqueConstraint(
                fields=["procedure_type", "question"],
                name="faq_question_unique_per_procedure",
                violation_error_message="This question is already in the FAQ.",
            ),
        ]

    def __str__(self) -> str:
        return self.question

    def clean(self):
        super().clean()
        if not isinstance(self.stages or [], list) or not all(isinstance(s, str) for s in self.stages or []):
            raise ValidationError({"stages": 'Stages must be a list of reminder stages, like ["week_before"].'})
        unknown = set(self.stages or []) - set(Stage.values)
        if unknown:
            raise ValidationError({"stages": f"Unknown stage(s): {', '.join(sorted(unknown))}."})


# --- What the patient tells us from their private page (`/p/<token>/`) ---------------------------------------------


class PatientRequest(models.Model):
    """A patient's request, from their page, to move or cancel: staff act on it with the booking services."""

    class Kind(models.TextChoices):
        RESCHEDULE = "reschedule", "Change the date or time"
        CANCEL = "cancel", "Cancel"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for staff"
        DONE = "done", "Dealt with"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="patient_requests")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    message = models.TextField(blank=True, max_length=1000, help_text="The patient's own words.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_note = models.CharField(max_length=200, blank=True, help_text="What staff did about it.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A second tap, or a second tab, cannot make two open requests for one appointment.
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(status="open"),
                name="patientrequest_one_open_per_appointment",
                violation_error_message="This appointment already has a request waiting for staff.",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(handled_at__isnull=False),
                name="patientrequest_done_has_time",
                violation_error_message="A request dealt with records when.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} request for {self.appointment}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class SafetyAnswers(models.Model):
    """One submission of the safety questions; a new row each time, so earlier answers stay on record.

    The flags are derived once, when the row is made (rows are never edited), so the schedule can show them from
    a single column. "Not sure" about pregnancy or an infection counts as a possible yes: staff had better call.
    """

    class Answer(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        UNSURE = "unsure", "Not sure"

    # flag code: (the label staff see, whether it puts the appointment on the call list)
    FLAGS = {
        "no_discharge": ("Discharge stopped", True),
        "discharge_unsure": ("Discharge: not sure", False),
        "pregnant": ("Possibly pregnant", True),
        "contrast_allergy": ("Contrast allergy", False),
        "infection": ("Redness or infection", True),
        "blood_thinners": ("Blood thinners", False),
    }

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="safety_answers")
    discharge_present = models.CharField("is the discharge still there", max_length=8, choices=Answer.choices)
    pregnant = models.CharField("could be pregnant", max_length=8, choices=Answer.choices)
    contrast_allergy = models.CharField("allergy to X-ray contrast (iodine)", max_length=8, choices=Answer.choices)
    infection = models.CharField("breast redness or infection now", max_length=8, choices=Answer.choices)
    blood_thinners = models.CharField("takes blood thinners", max_length=8, choices=Answer.choices)
    note = models.TextField(blank=True, max_length=500, help_text="Anything else the patient wanted to tell us.")
    answered_at = models.DateTimeField(default=timezone.now, db_index=True)
    flags = models.CharField(
        max_length=120, blank=True, editable=False, help_text="Derived from the answers: space-separated flag codes."
    )
    needs_call = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-answered_at", "-id"]
        verbose_name = "safety answers"
        verbose_name_plural = "safety answers"

    def __str__(self) -> str:
        return f"Safety answers for {self.appointment} ({timezone.localtime(self.answered_at):%d %b %Y %H:%M})"

    def save(self, *args, **kwargs):
        codes = self.derive_flags()
        self.flags = " ".join(codes)
        self.needs_call = any(self.FLAGS[c][1] for c in codes)
        super().save(*args, **kwargs)

    def derive_flags(self) -> list[str]:
        yes_or_unsure = (self.Answer.YES, self.Answer.UNSURE)
        codes = []
        if self.discharge_present == self.Answer.NO:
            codes.append("no_discharge")
        elif self.discharge_present == self.Answer.UNSURE:
            codes.append("discharge_unsure")
        if self.pregnant in yes_or_unsure:
            codes.append("pregnant")
        if self.contrast_allergy in yes_or_unsure:
            codes.append("contrast_allergy")
        if self.infection in yes_or_unsure:
            codes.append("infection")
        if self.blood_thinners in yes_or_unsure:
            codes.append("blood_thinners")
        return codes

    def same_answers_as(self, other: "SafetyAnswers") -> bool:
        fields = ("discharge_present", "pregnant", "contrast_allergy", "infection", "blood_thinners", "note")
        return all(getattr(self, f) == getattr(other, f) for f in fields)


class PreparationRead(models.Model):
    """The patient tapped "I have read the preparation": when, and exactly what their page showed them."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="preparation_reads")
    read_at = models.DateTimeField(default=timezone.now, db_index=True)
    content = models.JSONField(help_text="The preparation text and the FAQ entries (question and answer) shown.")
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the content, to compare versions.")

    class Meta:
        ordering = ["-read_at", "-id"]
        constraints = [
            # Tapping twice on one version records it once; a newer version read again is a new row.
            models.UniqueConstraint(fields=["appointment", "content_hash"], name="preparationread_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"Preparation read for {self.appointment} ({timezone.localtime(self.read_at):%d %b %Y %H:%M})"


class PatientCall(models.Model):
    """Staff called the patient (about their safety answers, unread preparation or a request)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="patient_calls")
    called_at = models.DateTimeField(default=timezone.now, db_index=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True, help_text="What was agreed.")

    class Meta:
        ordering = ["-called_at", "-id"]

    def __str__(self) -> str:
        return f"Call about {self.appointment} ({timezone.localtime(self.called_at):%d %b %Y %H:%M})"
