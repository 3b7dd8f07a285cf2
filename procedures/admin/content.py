"""The clinic's content: procedure types, rooms and the FAQ that reminders and the patient page carry."""

from django import forms
from django.contrib import admin

from reminders.stages import Stage

from ..models import FaqEntry, ProcedureType, Room
from .shared import CleanText, SafeHistoryAdmin
from .translations import (
    EnglishSource,
    FaqEntryTranslationInline,
    ProcedureTypeTranslationInline,
    RoomTranslationInline,
    review_badges,
)


class TranslationsColumn:
    """A list column with each offered language's review state of the row's translations (prefetched: one query
    for the page)."""

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("translations")

    @admin.display(description="Translations")
    def translations(self, obj) -> str:
        return review_badges(obj)


@admin.register(ProcedureType)
class ProcedureTypeAdmin(CleanText, EnglishSource, TranslationsColumn, admin.ModelAdmin):
    list_display = ("code", "name", "default_duration", "min_duration", "max_duration", "arrival_lead", "translations")
    inlines = (ProcedureTypeTranslationInline,)
    search_fields = ("code", "name")


@admin.register(Room)
class RoomAdmin(CleanText, EnglishSource, TranslationsColumn, admin.ModelAdmin):
    list_display = ("name", "location", "is_active", "translations")
    inlines = (RoomTranslationInline,)
    list_filter = ("is_active",)
    search_fields = ("name", "location")


class FaqEntryForm(forms.ModelForm):
    stages = forms.MultipleChoiceField(
        choices=Stage.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The reminders that carry this entry, if its kind is preparation or the procedure (five entries at "
        "most in an email, by order; the rest wait on the patient's page, which shows every active entry).",
    )

    class Meta:
        model = FaqEntry
        fields = ("procedure_type", "question", "answer", "kind", "point", "topic", "stages", "order", "is_active")


@admin.register(FaqEntry)
class FaqEntryAdmin(CleanText, EnglishSource, TranslationsColumn, SafeHistoryAdmin):
    form = FaqEntryForm
    inlines = (FaqEntryTranslationInline,)
    list_display = (
        "question",
        "kind",
        "stage_list",
        "in_reminders",
        "order",
        "is_active",
        "procedure_type",
        "translations",
    )
    list_editable = ("order", "is_active")
    list_filter = ("procedure_type", "kind", "topic", "is_active")
    search_fields = ("question", "answer", "point")
    list_select_related = ("procedure_type",)

    @admin.display(description="Stages")
    def stage_list(self, obj: FaqEntry) -> str:
        labels = dict(Stage.choices)
        return ", ".join(labels.get(s, s) for s in obj.stages) or "-"

    @admin.display(description="In reminders", boolean=True)
    def in_reminders(self, obj: FaqEntry) -> bool:
        return obj.in_reminders
