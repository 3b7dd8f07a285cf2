"""What the radiologist logs about a procedure: one result per appointment."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from procedures import clinic_time

from .clinic import Appointment

# How far from the booked start a logged start or end may be: the procedure happens on the day, give or take.
RESULT_WITHIN_OF_BOOKING = timedelta(days=1)


def longest_result() -> timedelta:
    """The longest a logged procedure may last (RESULT_MAX_HOURS)."""
    return timedelta(hours=settings.RESULT_MAX_HOURS)


def _length(span: timedelta) -> str:
    if span >= timedelta(days=1):
        return f"{span.days:,} day{'s' if span.days != 1 else ''}"
    hours, minutes = divmod(round(span.total_seconds() / 60), 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes:02d} min" if minutes else f"{hours} hour{'s' if hours != 1 else ''}"


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
        """Minutes from start to end, when both were logged and make sense together (never negative, never longer
        than a procedure may last); None otherwise, so a row saved before the rule never shows an absurd figure."""
        if self.started_at and self.ended_at:
            span = self.ended_at - self.started_at
            if timedelta(0) <= span <= longest_result():
                return round(span.total_seconds() / 60)
        return None

    def clean(self):
        super().clean()
        errors: dict[str, str] = {}
        if not isinstance(self.findings or [], list) or not all(isinstance(f, str) for f in self.findings or []):
            errors["findings"] = 'Findings must be a list of finding codes, like ["normal"].'
        elif unknown := set(self.findings or []) - set(self.Finding.values):
            errors["findings"] = f"Unknown finding(s): {', '.join(sorted(unknown))}."
        if self.outcome == self.Outcome.PERFORMED and self.duct_cannulated is False:
            errors["outcome"] = "A duct that was not cannulated means the ductogram was not performed."
        errors.update(self._timing_errors())
        if errors:
            raise ValidationError(errors)

    def _timing_errors(self) -> dict[str, str]:
        """A procedure ends after it starts, lasts at most RESULT_MAX_HOURS, and happens within a day of the booked
        start. Each sentence sits on the field to correct."""
        errors: dict[str, str] = {}
        start, end = self.started_at, self.ended_at
        if start and end:
            longest = longest_result()
            if end < start:  # the sentence of the constraint result_ends_after_start, here on the field
                errors["ended_at"] = "The procedure cannot end before it started."
            elif end == start:
                errors["ended_at"] = "The procedure must end after it started; check the end time."
            elif end - start > longest:
                errors["ended_at"] = (
                    f"A procedure lasts at most {_length(longest)}; these times make {_length(end - start)}. "
                    "Check the dates and times."
                )
        booked = self.appointment.scheduled_start if self.appointment_id else None
        if booked is not None:
            when = clinic_time.date_time(booked)
            for name, moment in (("started_at", start), ("ended_at", end)):
                if moment and name not in errors and abs(moment - booked) > RESULT_WITHIN_OF_BOOKING:
                    errors[name] = f"This is more than a day from the booked time ({when}); check the date."
        return errors
