"""The admin: where radiologists log results and staff look after the clinic's data.

Appointment times, rooms and statuses change only through `procedures.services`, so on an existing appointment
they are read-only here; new appointments from the admin are booked through the same service as the staff UI.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from reminders import services as reminders
from reminders.models import Reminder
from reminders.stages import Stage

from . import services
from .models import (
    Appointment,
    FaqEntry,
    Patient,
    PatientCall,
    PatientRequest,
    PreparationRead,
    ProcedureResult,
    ProcedureType,
    Room,
    SafetyAnswers,
)


def _minutes(value) -> str:
    return "-" if value is None else f"{value} min"


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
    list_display = ("mrn", "family_name", "given_name", "date_of_birth", "preferred_channel", "reminders_opted_out")
    list_filter = ("preferred_channel", ("reminders_opt_out_at", admin.EmptyFieldListFilter))
    search_fields = ("mrn", "family_name", "given_name", "email")
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("mrn", "given_name", "family_name", "date_of_birth")}),
        ("Reminders", {"fields": ("email", "mobile", "preferred_channel", "reminders_opt_out_at")}),
        ("Record", {"fields": ("created_at",)}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"email", "mobile", "preferred_channel"} & set(form.changed_data):
            reminders.patient_details_changed(obj)

    @admin.display(boolean=True, description="Opted out", ordering="reminders_opt_out_at")
    def reminders_opted_out(self, obj: Patient) -> bool:
        return obj.reminders_opt_out_at is not None


@admin.register(ProcedureType)
class ProcedureTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "default_duration", "min_duration", "max_duration", "arrival_lead")
    search_fields = ("code", "name")


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "location", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "location")


class FaqEntryForm(forms.ModelForm):
    stages = forms.MultipleChoiceField(
        choices=Stage.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The reminders that carry this entry. The patient's page shows every active entry.",
    )

    class Meta:
        model = FaqEntry
        fields = ("procedure_type", "question", "answer", "topic", "stages", "order", "is_active")


@admin.register(FaqEntry)
class FaqEntryAdmin(SimpleHistoryAdmin):
    form = FaqEntryForm
    list_display = ("question", "topic", "stage_list", "order", "is_active", "procedure_type")
    list_editable = ("order", "is_active")
    list_filter = ("procedure_type", "topic", "is_active")
    search_fields = ("question", "answer")
    list_select_related = ("procedure_type",)

    @admin.display(description="Stages")
    def stage_list(self, obj: FaqEntry) -> str:
        labels = dict(Stage.choices)
        return ", ".join(labels.get(s, s) for s in obj.stages) or "-"


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
        return f"{_minutes(expected)} expected / {_minutes(actual)} actual"


def _stamp_and_complete(request, result: ProcedureResult) -> None:
    """Who logged a result, and when, is recorded by the system; a logged result means the patient came."""
    if not result.pk:
        result.logged_by = request.user
        result.logged_at = timezone.now()
    result._history_user = request.user
    result.save()
    if result.appointment.is_open:
        services.complete_appointment(result.appointment, by=request.user)


class ProcedureResultInline(ResultDisplayMixin, admin.StackedInline):
    model = ProcedureResult
    form = ProcedureResultForm
    fieldsets = RESULT_FIELDSETS
    readonly_fields = ("durations", "logged_by", "logged_at")
    extra = 0
    max_num = 1
    can_delete = False
    verbose_name = "result"


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
    """The radiologists' worklist: appointments that happened, or are happening, with no result logged yet."""

    title = "result"
    parameter_name = "result"

    def lookups(self, request, model_admin):
        return (("pending", "Results pending"), ("logged", "Result logged"))

    def queryset(self, request, queryset):
        has_result = Exists(ProcedureResult.objects.filter(appointment=OuterRef("pk")))
        if self.value() == "pending":
            happened = (
                Q(status__in=[Appointment.Status.CHECKED_IN, Appointment.Status.COMPLETED])
                | Q(status=Appointment.Status.CONFIRMED, scheduled_start__lte=timezone.now())
                | Q(status=Appointment.Status.BOOKED, scheduled_start__lte=timezone.now())
            )
            return queryset.filter(happened).exclude(has_result)
        if self.value() == "logged":
            return queryset.filter(has_result)
        return queryset


class AppointmentAdminForm(forms.ModelForm):
    """On add, books through the service's rules so the admin cannot double-book either."""

    class Meta:
        model = Appointment
        fields = (
            "patient",
            "procedure_type",
            "room",
            "radiologist",
            "scheduled_start",
            "expected_duration",
            "duration_reason",
            "laterality",
            "discharge",
            "referrer",
            "notes",
        )

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
class AppointmentAdmin(SimpleHistoryAdmin):
    form = AppointmentAdminForm
    inlines = [ProcedureResultInline, ReminderInline]
    date_hierarchy = "scheduled_start"
    list_display = (
        "scheduled_start",
        "patient_name",
        "patient_mrn",
        "room",
        "radiologist",
        "status",
        "durations",
        "has_result",
    )
    list_filter = (ResultsPendingFilter, "status", "room", "radiologist", "procedure_type", "laterality", "discharge")
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
        ("Clinical", {"fields": ("laterality", "discharge", "referrer", "notes")}),
        ("Status", {"fields": ("status", "status_changed_at", "cancellation_reason", "created_by", "created_at")}),
    )
    FIXED_AFTER_BOOKING = (
        "patient",
        "procedure_type",
        "room",
        "radiologist",
        "scheduled_start",
        "expected_duration",
        "duration_reason",
    )
    STATUS_FIELDS = ("status", "status_changed_at", "cancellation_reason", "created_by", "created_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.STATUS_FIELDS
        return self.FIXED_AFTER_BOOKING + self.STATUS_FIELDS

    def save_model(self, request, obj, form, change):
        if change:
            obj._history_user = request.user
            obj.save()
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
        obj.pk = booked.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProcedureResult:
            return super().save_formset(request, form, formset, change)
        for result in formset.save(commit=False):
            _stamp_and_complete(request, result)
        formset.save_m2m()

    @admin.display(description="Patient", ordering="patient__family_name")
    def patient_name(self, obj: Appointment) -> str:
        return obj.patient.full_name

    @admin.display(description="MRN", ordering="patient__mrn")
    def patient_mrn(self, obj: Appointment) -> str:
        return obj.patient.mrn

    @admin.display(description="Expected / actual")
    def durations(self, obj: Appointment) -> str:
        result = getattr(obj, "result", None)
        return f"{_minutes(obj.expected_duration)} / {_minutes(result.actual_duration if result else None)}"

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
        self._apply(request, queryset, services.mark_no_show, "marked as did not attend")


@admin.register(ProcedureResult)
class ProcedureResultAdmin(ResultDisplayMixin, SimpleHistoryAdmin):
    form = ProcedureResultForm
    fieldsets = ((None, {"fields": ("appointment",)}),) + RESULT_FIELDSETS
    readonly_fields = ("durations", "logged_by", "logged_at")
    autocomplete_fields = ("appointment",)
    date_hierarchy = "logged_at"
    list_display = (
        "appointment_start",
        "patient_name",
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
        _stamp_and_complete(request, obj)

    @admin.display(description="Appointment", ordering="appointment__scheduled_start")
    def appointment_start(self, obj: ProcedureResult):
        return timezone.localtime(obj.appointment.scheduled_start).strftime("%d %b %Y %H:%M")

    @admin.display(description="Patient", ordering="appointment__patient__family_name")
    def patient_name(self, obj: ProcedureResult) -> str:
        return obj.appointment.patient.full_name

    @admin.display(description="MRN", ordering="appointment__patient__mrn")
    def patient_mrn(self, obj: ProcedureResult) -> str:
        return obj.appointment.patient.mrn


# --- What patients send from their private page. The patient is the author: answers and reads are read-only here;
# staff close requests (and cancel) from /requests/, so the admin only shows them, and records calls like the UI.


class PatientAuthoredAdmin(admin.ModelAdmin):
    list_select_related = ("appointment__patient",)
    search_fields = ("appointment__patient__mrn", "appointment__patient__family_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Patient", ordering="appointment__patient__family_name")
    def patient(self, obj) -> str:
        return obj.appointment.patient.full_name

    @admin.display(description="Appointment", ordering="appointment__scheduled_start")
    def appointment_start(self, obj) -> str:
        return timezone.localtime(obj.appointment.scheduled_start).strftime("%d %b %Y %H:%M")


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
class PatientCallAdmin(admin.ModelAdmin):
    list_display = ("called_at", "patient", "called_by", "note")
    list_select_related = ("appointment__patient", "called_by")
    readonly_fields = ("called_at", "called_by")
    autocomplete_fields = ("appointment",)
    search_fields = ("appointment__patient__mrn", "appointment__patient__family_name", "note")

    @admin.display(description="Patient", ordering="appointment__patient__family_name")
    def patient(self, obj: PatientCall) -> str:
        return obj.appointment.patient.full_name

    def save_model(self, request, obj, form, change):
        if not change:
            obj.called_by = request.user
        super().save_model(request, obj, form, change)
