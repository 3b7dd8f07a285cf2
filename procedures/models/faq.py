"""The FAQ patients read, on their page and in the reminders of the stages each entry belongs to."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from reminders.stages import Stage

from .clinic import ProcedureType


class FaqQuerySet(models.QuerySet):
    def for_patients(self) -> "FaqQuerySet":
        """The FAQ patients read, on their page and in their reminders: the active entries, in the clinic's order.
        The one query both ask (narrowed to their procedure types)."""
        return self.filter(is_active=True).order_by("order", "id")


class FaqEntry(models.Model):
    class Topic(models.TextChoices):
        # The patient page's headings, so in the patient's language (staff read them in English).
        ABOUT = "about", pgettext_lazy("FAQ topic", "What the test is")
        PROCEDURE = "procedure", pgettext_lazy("FAQ topic", "How it is done")
        DURATION = "duration", pgettext_lazy("FAQ topic", "How long it takes")
        DISCOMFORT = "discomfort", pgettext_lazy("FAQ topic", "Does it hurt?")
        PREPARATION = "preparation", pgettext_lazy("FAQ topic", "Getting ready")
        AFTERCARE = "aftercare", pgettext_lazy("FAQ topic", "Afterwards")
        BACKGROUND = "background", pgettext_lazy("FAQ topic", "Background")

    class Kind(models.TextChoices):
        """What the entry helps a patient with; only getting ready and the procedure itself go in a reminder."""

        PREPARATION = "preparation", "Preparation"
        PROCEDURE = "procedure", "The procedure"
        AFTER = "after", "After the procedure"
        BACKGROUND = "background", "Background"

    # Kinds a reminder may carry; the others stay on the patient's page.
    KINDS_IN_REMINDERS = (Kind.PREPARATION, Kind.PROCEDURE)

    procedure_type = models.ForeignKey(ProcedureType, on_delete=models.CASCADE, related_name="faq_entries")
    question = models.CharField(max_length=200)
    answer = models.TextField()
    topic = models.CharField(max_length=16, choices=Topic.choices)
    kind = models.CharField(
        max_length=16,
        choices=Kind.choices,
        # A new entry stays on the patient's page until staff choose to put it in reminders.
        default=Kind.BACKGROUND,
        help_text="Preparation and procedure entries go in the reminders of their stages (five at most in an "
        "email); after and background entries only on the patient's page.",
    )
    stages = models.JSONField(default=list, blank=True, help_text="Reminder stages that carry this entry.")
    point = models.CharField(
        "preparation point",
        max_length=160,
        blank=True,
        help_text="For a preparation entry: what to do, in one line, for the top of its stages' reminders "
        "(the first three by order are shown), e.g. 'Wear a two-piece outfit.'",
    )
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    objects = FaqQuerySet.as_manager()

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

    @property
    def in_reminders(self) -> bool:
        """Whether reminders carry this entry at all (the stages then say which)."""
        return self.is_active and self.kind in self.KINDS_IN_REMINDERS and bool(self.stages)

    def clean(self):
        super().clean()
        if not isinstance(self.stages or [], list) or not all(isinstance(s, str) for s in self.stages or []):
            raise ValidationError({"stages": 'Stages must be a list of reminder stages, like ["week_before"].'})
        unknown = set(self.stages or []) - set(Stage.values)
        if unknown:
            raise ValidationError({"stages": f"Unknown stage(s): {', '.join(sorted(unknown))}."})
        if self.point and self.kind != self.Kind.PREPARATION:
            raise ValidationError({"point": "Only a preparation entry has a point to do; clear it or change the kind."})
