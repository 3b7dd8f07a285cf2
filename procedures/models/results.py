"""What the radiologist logs about a procedure: one result per appointment.

A result's actual duration has one rule, `usable_span()`: both times logged, the end after the start, and at most
RESULT_MAX_HOURS after it. `ProcedureResult.objects.usable_durations()` keeps the performed results that meet it and
whose times a person gave (`times_given`), with their minutes, for the reports' figures and the learned booking
lengths (procedures.booking.durations); the model's clean() asks the database the same condition of the times being
logged; and the check constraint `result_ends_after_start` holds its first half in the database (the longest is a
setting, so it stays in code).

`times_given` says the times were entered by a person (the start from the check-in or typed, the end typed or
"finished now"), not assumed: before issue 23 the form filled the end from the booking, and a result saved unchanged
recorded the expected duration as the actual one. procedures.services.results sets it; migration
0026_result_times_given_followups_did_not_attend marked the older results whose duration equals the expected one
as not given.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import DateTimeField, F, Q, Value
from django.utils import timezone
from simple_history.models import HistoricalRecords

from procedures import clinic_time

from .appointments import Appointment
from .expressions import Minutes

# How far from the booked start a logged start or end may be: the procedure happens on the day, give or take.
RESULT_WITHIN_OF_BOOKING = timedelta(days=1)

# The end comes after the start: the database's constraint, and the first half of a usable span.
ENDS_AFTER_START = Q(ended_at__gt=F("started_at"))
ENDS_AFTER_START_SENTENCE = "The procedure must end after it started; check the end time."
# A performed procedure's times are entered, never assumed (issue 23): the form fills neither from the booking.
START_NEEDED_SENTENCE = "Enter when the procedure started."
END_NEEDED_SENTENCE = 'Enter when the procedure ended, or press "Save: finished now" if it just ended.'


def longest_result() -> timedelta:
    """The longest a logged procedure may last (RESULT_MAX_HOURS)."""
    return timedelta(hours=settings.RESULT_MAX_HOURS)


def usable_span() -> Q:
    """The one rule for a usable actual duration, as a condition on a result's times: both logged, the end after
    the start (a 0-minute procedure is a typing slip, not a procedure), at most RESULT_MAX_HOURS after it."""
    return (
        Q(started_at__isnull=False, ended_at__isnull=False)
        & ENDS_AFTER_START
        & Q(ended_at__lte=F("started_at") + longest_result())
    )


class ProcedureResultQuerySet(models.QuerySet):
    def usable_durations(self) -> "ProcedureResultQuerySet":
        """Only the results whose actual duration counts: performed, with times a person gave and a usable span
        (`usable_span`), each annotated with `actual_minutes` (minutes from start to end, a float). The reports'
        medians and the learned booking lengths read durations here, and nowhere else."""
        return self.filter(usable_span(), outcome=ProcedureResult.Outcome.PERFORMED, times_given=True).annotate(
            actual_minutes=Minutes("started_at", "ended_at")
        )


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
    times_given = models.BooleanField(
        "times given by a person",
        default=False,
        editable=False,
        help_text="The start and end were entered, not assumed from the booking: only these count as durations.",
    )
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

    objects = ProcedureResultQuerySet.as_manager()

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
                condition=Q(started_at__isnull=True) | Q(ended_at__isnull=True) | ENDS_AFTER_START,
                name="result_ends_after_start",
                violation_error_message=ENDS_AFTER_START_SENTENCE,
            ),
        ]

    def __str__(self) -> str:
        return f"Result for {self.appointment}"

    @property
    def actual_duration(self) -> int | None:
        """Whole minutes from start to end, when a person gave the times and they make a usable span (the row form
        of `usable_durations`, read without a query where hundreds are shown: exports, admin lists); None
        otherwise, so a row saved before the rules never shows an absurd or assumed figure."""
        start, end = self.started_at, self.ended_at
        if self.times_given and start and end and start < end <= start + longest_result():
            return round((end - start).total_seconds() / 60)
        return None

    def has_usable_span(self) -> bool:
        """Whether the times being logged make a usable span, by the one rule (`usable_span`), asked of the
        database as a check constraint is: one query."""
        return usable_span().check(
            {
                "started_at": Value(self.started_at, output_field=DateTimeField()),
                "ended_at": Value(self.ended_at, output_field=DateTimeField()),
            }
        )

    def clean(self):
        super().clean()
        errors: dict[str, str] = {}
        if not isinstance(self.findings or [], list) or not all(isinstance(f, str) for f in self.findings or []):
            errors["findings"] = 'Findings must be a list of finding codes, like ["normal"].'
        elif unknown := set(self.findings or []) - set(self.Finding.values):
            errors["findings"] = f"Unknown finding(s): {', '.join(sorted(unknown))}."
        if self.outcome == self.Outcome.PERFORMED and self.duct_cannulated is False:
            errors["outcome"] = "A duct that was not cannulated means the ductogram was not performed."
        if self.outcome == self.Outcome.PERFORMED:
            if self.started_at is None:
                errors["started_at"] = START_NEEDED_SENTENCE
            if self.ended_at is None:
                errors["ended_at"] = END_NEEDED_SENTENCE
        errors.update(self._timing_errors())
        if errors:
            raise ValidationError(errors)

    def booked_start(self):
        """The appointment's booked start, when the result knows its appointment: saved (`appointment_id`), or
        one being added on the same admin page (the inline's formset hands it over unsaved)."""
        if self.appointment_id or ProcedureResult.appointment.is_cached(self):
            appointment = self.appointment
            return appointment.scheduled_start if appointment is not None else None
        return None

    def _timing_errors(self) -> dict[str, str]:
        """A result only for an appointment whose start has passed (the clock rule: a procedure not yet begun has
        nothing to report, and logging one would complete the appointment and cancel its reminders). A procedure
        ends after it starts, lasts at most RESULT_MAX_HOURS, and happens within a day of the booked start. Each
        sentence sits on the field to correct; the appointment's own, on the form as a whole."""
        errors: dict[str, str] = {}
        start, end = self.started_at, self.ended_at
        if start and end and not self.has_usable_span():
            if end <= start:  # the sentence of the constraint result_ends_after_start, here on the field
                errors["ended_at"] = ENDS_AFTER_START_SENTENCE
            else:
                errors["ended_at"] = (
                    f"A procedure lasts at most {_length(longest_result())}; these times make "
                    f"{_length(end - start)}. Check the dates and times."
                )
        booked = self.booked_start()
        if booked is not None:
            when = clinic_time.date_time(booked)
            if booked > timezone.now():
                errors[NON_FIELD_ERRORS] = f"A result can be logged only once the appointment has started ({when})."
            for name, moment in (("started_at", start), ("ended_at", end)):
                if moment and name not in errors and abs(moment - booked) > RESULT_WITHIN_OF_BOOKING:
                    errors[name] = f"This is more than a day from the booked time ({when}); check the date."
        return errors
