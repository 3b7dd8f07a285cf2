"""Follow-ups, for looking up: opened and closed by their workflow (procedures.services.followups: a result or a
did-not-attend opens one, a person closes it on /followups/ or by rebooking), so the admin shows them read-only,
with their history. Staff's own page is /followups/."""

from django.contrib import admin

from prepapp.admin_dates import SafeDateHierarchy

from ..models import FollowUp
from .shared import AppointmentColumns, ReadOnlyAdmin, SafeHistoryAdmin, StaffFilter, staff_column


class OpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("open", "Open"), ("closed", "Closed"))

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(closed_at__isnull=True)
        if self.value() == "closed":
            return queryset.filter(closed_at__isnull=False)
        return queryset


@admin.register(FollowUp)
class FollowUpAdmin(SafeDateHierarchy, AppointmentColumns, ReadOnlyAdmin, SafeHistoryAdmin):
    list_display = (
        "opened_at",
        "patient",
        "patient_mrn",
        "appointment_start",
        "reasons",
        "must_act",
        "radiologist_name",
        "rebook_from",
        "action",
        "closed_at",
        "closed_by_name",
    )
    list_filter = (
        OpenFilter,
        "must_act",
        "source",
        "action",
        ("radiologist", StaffFilter),
    )
    list_select_related = ("appointment__patient", "radiologist", "closed_by")
    search_fields = ("appointment__patient__mrn", "appointment__patient__family_name", "reasons", "action_note")
    date_hierarchy = "opened_at"
    readonly_fields = [field.name for field in FollowUp._meta.fields]

    radiologist_name = staff_column("radiologist", "Radiologist to act")
    closed_by_name = staff_column("closed_by", "Closed by")
