"""The FAQ patients read, on their page and in the reminders of the stages each entry belongs to."""

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from reminders.stages import Stage

from .clinic import ProcedureType


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
