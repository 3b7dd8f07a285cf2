"""What patients send from their private page. The patient is the author: answers and reads are read-only here;
staff close requests (and cancel) from /requests/, so the admin only shows them, and records calls like the UI."""

from django.contrib import admin

from prepapp.admin_dates import SafeDateHierarchy

from ..models import PatientCall, PatientRequest, PreparationRead, SafetyAnswers
from ..patient_page.services import log_call
from .shared import AppointmentColumns, CleanText, ReadableInitial, ReadOnlyAdmin, adopt


class PatientAuthoredAdmin(SafeDateHierarchy, AppointmentColumns, ReadOnlyAdmin):
    list_select_related = ("appointment__patient",)
    search_fields = ("appointment__patient__mrn", "appointment__patient__family_name")


@admin.register(SafetyAnswers)
class SafetyAnswersAdmin(PatientAuthoredAdmin):
    list_display = ("answered_at", "patient", "appointment_start", "flags", "needs_call")
    list_filter = ("needs_call", "discharge_present", "pregnant", "contrast_allergy", "infection", "blood_thinners")
    date_hierarchy = "answered_at"


@admin.register(PreparationRead)
class PreparationReadAdmin(PatientAuthoredAdmin):
    list_display = ("read_at", "patient", "appointment_start", "content_hash")
    date_hierarchy = "read_at"


@admin.register(PatientRequest)
class PatientRequestAdmin(PatientAuthoredAdmin):
    list_display = ("created_at", "patient", "appointment_start", "kind", "status", "handled_by", "handled_at")
    list_filter = ("status", "kind")
    list_select_related = ("appointment__patient", "handled_by")
    date_hierarchy = "created_at"


@admin.register(PatientCall)
class PatientCallAdmin(CleanText, ReadableInitial, AppointmentColumns, admin.ModelAdmin):
    list_display = ("called_at", "patient", "called_by", "note")
    list_select_related = ("appointment__patient", "called_by")
    readonly_fields = ("called_at", "called_by")
    autocomplete_fields = ("appointment",)
    search_fields = ("appointment__patient__mrn", "appointment__patient__family_name", "note")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            adopt(obj, log_call(obj.appointment, by=request.user, note=obj.note))
