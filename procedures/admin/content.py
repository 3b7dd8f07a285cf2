"""The clinic's content: procedure types, rooms and the FAQ that reminders and the patient page carry."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reminders.stages import Stage

from ..models import FaqEntry, ProcedureType, Room
from .shared import CleanText


@admin.register(ProcedureType)
class ProcedureTypeAdmin(CleanText, admin.ModelAdmin):
    list_display = ("code", "name", "default_duration", "min_duration", "max_duration", "arrival_lead")
    search_fields = ("code", "name")


@admin.register(Room)
class RoomAdmin(CleanText, admin.ModelAdmin):
    list_display = ("name", "location", "is_active")
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
class FaqEntryAdmin(CleanText, SimpleHistoryAdmin):
    form = FaqEntryForm
    list_display = ("question", "kind", "stage_list", "in_reminders", "order", "is_active", "procedure_type")
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
