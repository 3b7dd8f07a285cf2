"""What the radiologist logs about a procedure: one result per appointment."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .clinic import Appointment


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
