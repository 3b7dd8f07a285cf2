"""Results in the admin: logged by radiologists on the appointment page (the inline) or from the results list,
both through `services.record_result`, which stamps who logged it and completes the appointment."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .. import services
from ..models import ProcedureResult
from .shared import AppointmentColumns, minutes


class ProcedureResultForm(forms.ModelForm):
    findings = forms.MultipleChoiceField(
        choices=ProcedureResult.Finding.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ProcedureResult
        fields = (
            "appointment",
            "outcome",
            "started_at",
            "ended_at",
            "performed_by",
            "duct_cannulated",
            "clock_position",
            "discharge_observed",
            "contrast_volume_ml",
            "views",
            "findings",
            "birads",
            "recommendation",
            "report",
            "complications",
            "complication_details",
        )


RESULT_FIELDSETS = (
    ("Procedure", {"fields": ("outcome", ("started_at", "ended_at"), "durations", "performed_by")}),
    (
        "Technique",
        {"fields": ("duct_cannulated", "clock_position", "discharge_observed", "contrast_volume_ml", "views")},
    ),
    ("Findings", {"fields": ("findings", "birads", "recommendation", "report")}),
    ("Complications", {"fields": ("complications", "complication_details")}),
    ("Logged", {"fields": ("logged_by", "logged_at")}),
)


class ResultDisplayMixin:
    @admin.display(description="Expected / actual duration")
    def durations(self, obj: ProcedureResult) -> str:
        expected = obj.appointment.expected_duration if obj and obj.appointment_id else None
        actual = obj.actual_duration if obj and obj.pk else None
        return f"{minutes(expected)} expected / {minutes(actual)} actual"


class ProcedureResultInline(ResultDisplayMixin, admin.StackedInline):
    """The result on the appointment's page; the appointment admin saves it through the service."""

    model = ProcedureResult
    form = ProcedureResultForm
    fieldsets = RESULT_FIELDSETS
    readonly_fields = ("durations", "logged_by", "logged_at")
    extra = 0
    max_num = 1
    can_delete = False
    verbose_name = "result"


@admin.register(ProcedureResult)
class ProcedureResultAdmin(AppointmentColumns, ResultDisplayMixin, SimpleHistoryAdmin):
    form = ProcedureResultForm
    fieldsets = ((None, {"fields": ("appointment",)}),) + RESULT_FIELDSETS
    readonly_fields = ("durations", "logged_by", "logged_at")
    autocomplete_fields = ("appointment",)
    date_hierarchy = "logged_at"
    list_display = (
        "appointment_start",
        "patient",
        "patient_mrn",
        "outcome",
        "birads",
        "recommendation",
        "complications",
        "durations",
        "performed_by",
        "logged_by",
    )
    list_filter = ("outcome", "birads", "recommendation", "complications", "performed_by")
    search_fields = ("appointment__patient__mrn", "appointment__patient__family_name", "report")
    list_select_related = ("appointment__patient", "appointment__procedure_type", "performed_by", "logged_by")

    def get_readonly_fields(self, request, obj=None):
        # Once logged, a result belongs to its appointment; a correction is a change to the result, not a move.
        return self.readonly_fields + (("appointment",) if obj else ())

    def save_model(self, request, obj, form, change):
        services.record_result(obj, by=request.user)
