"""Appointments in the admin: booked through the same service and rules as the staff UI; once booked, only the
clinical details can be edited here (times, rooms and statuses change through `procedures.services`)."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef

from prepapp.admin_dates import SafeDateHierarchy
from reminders.models import Reminder

from .. import services
from ..access import can_see_results
from ..models import Appointment, ProcedureResult
from ..worklist import selectors as worklist
from .results import ProcedureResultInline
from .shared import CleanText, SafeHistoryAdmin, StaffFilter, StaffNames, adopt, minutes, staff_column

# Fixed once booked: time, room and length move only by rescheduling (`procedures.services`); the rest not at all.
FIXED_AFTER_BOOKING = (
    "patient",
    "procedure_type",
    "room",
    "radiologist",
    "scheduled_start",
    "expected_duration",
    "duration_reason",
)


class ReminderInline(admin.TabularInline):
    """The appointment's reminder timeline, read-only: reminders change through their own actions."""

    model = Reminder
    fields = ("stage", "channel", "send_at", "status", "attempts", "sent_at", "last_error")
    readonly_fields = fields
    ordering = ("send_at", "id")
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ResultsPendingFilter(admin.SimpleListFilter):
    """The radiologists' worklist in the admin: "Results pending" is `worklist.results_pending` (start passed, not
    cancelled or missed, no result), the same list as /worklist/."""

    title = "result"
    parameter_name = "result"

    def lookups(self, request, model_admin):
        return (("pending", "Results pending"), ("logged", "Result logged"))

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return worklist.results_pending(queryset)  # the worklist's own definition, kept in one place
        has_result = Exists(ProcedureResult.objects.filter(appointment=OuterRef("pk")))
        if self.value() == "logged":
            return queryset.filter(has_result)
        return queryset


class AppointmentAdminForm(forms.ModelForm):
    """On add, books through the service's rules so the admin cannot double-book either."""

    class Meta:
        model = Appointment
        fields = FIXED_AFTER_BOOKING + services.EDITABLE_DETAILS

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk or self.errors:
            return cleaned
        procedure_type = cleaned.get("procedure_type")
        try:
            services.check_booking(
                procedure_type=procedure_type,
                room=cleaned.get("room"),
                radiologist=cleaned.get("radiologist"),
                start=cleaned.get("scheduled_start"),
                duration=cleaned.get("expected_duration") or procedure_type.default_duration,
                duration_reason=cleaned.get("duration_reason") or "",
            )
        except services.BookingError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return cleaned


@admin.register(Appointment)
class AppointmentAdmin(CleanText, StaffNames, SafeDateHierarchy, SafeHistoryAdmin):
    form = AppointmentAdminForm
    inlines = [ProcedureResultInline, ReminderInline]
    date_hierarchy = "scheduled_start"
    list_display = (
        "scheduled_start",
        "patient_name",
        "patient_mrn",
        "room",
        "radiologist_name",
        "status",
        "durations",
        "has_result",
    )
    list_filter = (
        ResultsPendingFilter,
        "status",
        "room",
        ("radiologist", StaffFilter),
        "procedure_type",
        "laterality",
        "discharge",
        "short_notice_ok",
        "no_show_reason",
        "no_show_next_step",
    )
    # What is derived from a result (its durations, whether there is one, the results-pending worklist) is shown
    # only to those who may see results; schedulers see the booking alone (see get_list_display and the rest).
    RESULT_COLUMNS = {"durations": "expected", "has_result": None}
    search_fields = ("patient__mrn", "patient__family_name", "patient__given_name", "referrer")
    list_select_related = ("patient", "room", "radiologist", "procedure_type", "result")
    autocomplete_fields = ("patient",)
    actions = ["check_in_selected", "mark_selected_no_show"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "patient",
                    "procedure_type",
                    ("room", "radiologist"),
                    ("scheduled_start", "expected_duration"),
                    "duration_reason",
                )
            },
        ),
        ("Clinical", {"fields": services.EDITABLE_DETAILS}),
        ("Status", {"fields": ("status", "status_changed_at", "cancellation_reason", "created_by_name", "created_at")}),
    )
    STATUS_FIELDS = ("status", "status_changed_at", "cancellation_reason", "created_by_name", "created_at")

    def get_list_display(self, request):
        if can_see_results(request.user):
            return self.list_display
        shown = (self.RESULT_COLUMNS.get(name, name) for name in self.list_display)
        return tuple(name for name in shown if name)

    def get_list_filter(self, request):
        if can_see_results(request.user):
            return self.list_filter
        return tuple(f for f in self.list_filter if f is not ResultsPendingFilter)

    def lookup_allowed(self, lookup, value, request=None):
        # Nor can they filter by it in the address (?result__isnull=False would say which have a result).
        if lookup.split("__")[0] == "result" and not (request and can_see_results(request.user)):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_list_select_related(self, request):
        if can_see_results(request.user):
            return self.list_select_related
        return tuple(name for name in self.list_select_related if name != "result")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.STATUS_FIELDS
        return FIXED_AFTER_BOOKING + self.STATUS_FIELDS

    def save_model(self, request, obj, form, change):
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            services.change_booking_details(obj, by=request.user, **changes)
            return
        details = {f: form.cleaned_data.get(f) or "" for f in services.BOOKING_DETAILS}
        booked = services.book_appointment(
            patient=obj.patient,
            procedure_type=obj.procedure_type,
            room=obj.room,
            scheduled_start=obj.scheduled_start,
            expected_duration=obj.expected_duration,
            radiologist=obj.radiologist,
            booked_by=request.user,
            **details,
        )
        adopt(obj, booked)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProcedureResult:
            return super().save_formset(request, form, formset, change)
        for result in formset.save(commit=False):
            services.record_result(result, by=request.user)
        formset.save_m2m()

    @admin.display(description="Patient", ordering="patient__family_name")
    def patient_name(self, obj: Appointment) -> str:
        return obj.patient.full_name

    @admin.display(description="MRN", ordering="patient__mrn")
    def patient_mrn(self, obj: Appointment) -> str:
        return obj.patient.mrn

    radiologist_name = staff_column("radiologist", "Radiologist")
    created_by_name = staff_column("created_by", "Created by")

    @admin.display(description="Expected", ordering="expected_duration")
    def expected(self, obj: Appointment) -> str:
        return minutes(obj.expected_duration)

    @admin.display(description="Expected / actual")
    def durations(self, obj: Appointment) -> str:
        result = getattr(obj, "result", None)
        return f"{minutes(obj.expected_duration)} / {minutes(result.actual_duration if result else None)}"

    @admin.display(boolean=True, description="Result")
    def has_result(self, obj: Appointment) -> bool:
        return hasattr(obj, "result")

    def _apply(self, request, queryset, operation, done: str):
        moved = 0
        for appointment in queryset:
            try:
                operation(appointment, by=request.user)
                moved += 1
            except services.BookingError as exc:
                self.message_user(request, f"{appointment.patient.full_name}: {exc}", messages.WARNING)
        if moved:
            self.message_user(request, f"{moved} appointment(s) {done}.", messages.SUCCESS)

    @admin.action(description="Check in the selected patients", permissions=["change"])
    def check_in_selected(self, request, queryset):
        self._apply(request, queryset, services.check_in, "checked in")

    @admin.action(description="Mark the selected appointments as did not attend", permissions=["change"])
    def mark_selected_no_show(self, request, queryset):
        # No reason or next step here: each goes on the follow-up list, where the schedulers choose the next step.
        done = "marked as did not attend; their next steps wait on the follow-up list"
        self._apply(request, queryset, services.mark_no_show, done)
