"""The clinical content patients read, in their language: a translation of each FAQ entry, of each procedure type's
preparation text and of each room's directions, per language, each reviewed or not (by whom, when).

A translation table (one row per source and language) rather than django-modeltranslation (a column per language
on the source's own table), because:
- review is per language: each row says who reviewed that language's text and when, and editing the text clears
  it (the invariant below), which a column per language cannot hold without a second column per language;
- adding a language (PATIENT_LANGUAGES) needs rows, not a schema migration;
- English stays the source, untouched on its own model: staff edit the English as before, and a missing
  translation simply falls back to it (procedures.translations hands patients their language's text).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from procedures.languages import ENGLISH, language_choices

from .clinic import ProcedureType, Room
from .faq import FaqEntry


def translation_languages() -> list[tuple[str, str]]:
    """The languages content can be translated into: every language a patient's record can name but English."""
    return [(code, name) for code, name in language_choices() if code != ENGLISH]


class ContentTranslation(models.Model):
    """One source's text in one language. `TEXT_FIELDS` are the translated words; changing any of them on a reviewed
    translation clears its review on save, so a reviewed badge always means these very words were reviewed.
    (A queryset's update() bypasses save(): only the review service updates rows in bulk, and only the review.)"""

    TEXT_FIELDS: tuple[str, ...] = ()

    language = models.CharField(max_length=10, choices=translation_languages)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["source", "language"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(language=ENGLISH),
                name="%(class)s_not_english",
                violation_error_message="English is the source text: edit it on the entry itself.",
            ),
            models.UniqueConstraint(
                fields=["source", "language"],
                name="%(class)s_one_per_language",
                violation_error_message="There is already a translation in this language.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} ({self.language})"

    def save(self, *args, **kwargs):
        """Clears the review when the words changed since they were loaded: a reviewer approved other words."""
        loaded = getattr(self, "_text_as_loaded", None)
        if self.is_reviewed and loaded is not None and self.text() != loaded:
            self.reviewed_by, self.reviewed_at = None, None
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "reviewed_by", "reviewed_at"}
        super().save(*args, **kwargs)
        self._text_as_loaded = self.text()

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._text_as_loaded = instance.text()
        return instance

    def text(self) -> dict[str, str]:
        """The translated words as they stand (the fields loaded, if some were deferred)."""
        return {name: self.__dict__[name] for name in self.TEXT_FIELDS if name in self.__dict__}

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None


class FaqEntryTranslation(ContentTranslation):
    TEXT_FIELDS = ("question", "answer", "point")

    source = models.ForeignKey(
        FaqEntry, on_delete=models.CASCADE, related_name="translations", verbose_name="FAQ entry"
    )
    # Longer than the English fields: the same sentence often is in Welsh or Polish.
    question = models.CharField(max_length=300)
    answer = models.TextField()
    point = models.CharField(
        "preparation point", max_length=300, blank=True, help_text="Only where the English entry has a point."
    )
    history = HistoricalRecords()

    class Meta(ContentTranslation.Meta):
        verbose_name = "FAQ entry translation"

    def clean(self):
        super().clean()
        if self.source_id is None:
            return
        if self.source.point and not self.point.strip():
            raise ValidationError({"point": "The English entry has a preparation point: translate it too."})
        if self.point.strip() and not self.source.point:
            raise ValidationError({"point": "The English entry has no preparation point: leave this empty."})


class ProcedureTypeTranslation(ContentTranslation):
    TEXT_FIELDS = ("preparation",)

    source = models.ForeignKey(
        ProcedureType, on_delete=models.CASCADE, related_name="translations", verbose_name="procedure type"
    )
    preparation = models.TextField(help_text="One instruction per line, as in the English.")
    history = HistoricalRecords()

    class Meta(ContentTranslation.Meta):
        verbose_name = "preparation translation"


class RoomTranslation(ContentTranslation):
    TEXT_FIELDS = ("location",)

    source = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="translations", verbose_name="room")
    location = models.CharField("directions", max_length=300)
    history = HistoricalRecords()

    class Meta(ContentTranslation.Meta):
        verbose_name = "room directions translation"
