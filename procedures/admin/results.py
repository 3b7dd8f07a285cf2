"""Results in the admin: logged by radiologists on the appointment page (the inline) or from the results list,
both through `services.record_result`, which stamps who logged it, completes the appointment and opens the
follow-up a result asks for.

The worklist's "Log result" opens the result form here for one appointment (`?appointment=<id>&next=<path>`): the
appointment chosen, the start from the check-in when there was one (`worklist.result_prefill`; the end is never
assumed: typed, or "Save: finished now" right after the procedure), what the radiologist should know shown above
the form (`worklist.result_context`, in templates/admin/procedures/procedureresult/change_form.html), and saving
goes back to `next`, saying in the clinic's words what was logged and who must act on it. One result per
appointment: the inline offers one form and never "Add another"."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.text import capfirst

from prepapp.admin_dates import SafeDateHierarchy

from .. import clinic_time, services
from ..access import is_radiologist, radiologists, staff_name
from ..models import Appointment, FollowUp, ProcedureResult
from ..params import parse_id
from ..worklist import selectors as worklist
from .shared import AppointmentColumns, CleanText, SafeHistoryAdmin, StaffFilter, StaffNames, minutes, staff_column

# The result form's second way to save: the procedure ended now (the end is the moment of saving, to the minute).
FINISHED_NOW = "_finished_now"


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "ended_at" in self.fields:
            self.fields[
                "ended_at"
            ].help_text = 'When the procedure ended: type it, or press "Save: finished now" below if it has just ended.'
        # The admin's date and time boxes have no label of their own (WCAG 1.3.1, 4.1.2): name each after its field.
        for name in ("started_at", "ended_at"):
            if name in self.fields and hasattr(self.fields[name].widget, "widgets"):
                date_box, time_box = self.fields[name].widget.widgets
                date_box.attrs["aria-label"] = f"{capfirst(self.fields[name].label)}: date"
                time_box.attrs["aria-label"] = f"{capfirst(self.fields[name].label)}: time"
        # The appointment box is the admin's search (autocomplete), drawn with only the chosen appointment and no
        # empty first option: `required` on such a select is invalid HTML (the Nu checker says so). The form still
        # requires an appointment.
        if "appointment" in self.fields:
            self.fields["appointment"].widget.use_required_attribute = lambda initial: False
        # A new result starts with "performed by" set to the radiologist logging it (the field's initial value,
        # see PerformedByRadiologists), which the blank instance's own None would otherwise hide.
        performed_by = self.fields.get("performed_by")
        if performed_by is None:
            return
        if self.instance.pk is None and not self.initial.get("performed_by"):
            self.initial["performed_by"] = performed_by.initial
        # A result logged before, naming someone no longer a radiologist, keeps that name until it is changed.
        if self.instance.performed_by_id:
            performed_by.queryset = radiologists(keeping=self.instance.performed_by_id)

    def clean(self):
        """ "Save: finished now" gives the end: the moment of saving, to the minute (before the model's rules ask
        for an end)."""
        cleaned = super().clean()
        if FINISHED_NOW in self.data and "ended_at" in self.fields:
            cleaned["ended_at"] = timezone.now().replace(second=0, microsecond=0)
            self.errors.pop("ended_at", None)
        return cleaned


RESULT_FIELDSETS = (
    ("Procedure", {"fields": ("outcome", ("started_at", "ended_at"), "durations", "performed_by")}),
    (
        "Technique",
        {"fields": ("duct_cannulated", "clock_position", "discharge_observed", "contrast_volume_ml", "views")},
    ),
    ("Findings", {"fields": ("findings", "birads", "recommendation", "report")}),
    ("Complications", {"fields": ("complications", "complication_details")}),
    ("Logged", {"fields": ("logged_by_name", "logged_at")}),
)


class PerformedByRadiologists:
    """ "Performed by" offers the radiologists only (`access.radiologists()`, plus whoever a logged result already
    names), and starts as the radiologist logging the result."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "performed_by":
            kwargs["queryset"] = radiologists()
            if is_radiologist(request.user):
                kwargs["initial"] = request.user.pk
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ResultDisplayMixin:
    logged_by_name = staff_column("logged_by", "Logged by")

    @admin.display(description="Expected / actual duration")
    def durations(self, obj: ProcedureResult) -> str:
        expected = obj.appointment.expected_duration if obj and obj.appointment_id else None
        if obj and obj.pk and not obj.times_given and obj.started_at and obj.ended_at:
            return f"{minutes(expected)} expected / times assumed from the booking, not counted: correct the end"
        actual = obj.actual_duration if obj and obj.pk else None
        return f"{minutes(expected)} expected / {minutes(actual)} actual"


class ResultInlineFormSet(forms.BaseInlineFormSet):
    """Each result form knows its appointment, as this page would save it, while it is validated, also one being
    added on the same page (Django hands over only the id, empty until it is saved): the result's rules that read
    the booking (a result only once the start has passed, times within a day of it) then speak on the form instead
    of failing the save."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.instance is not None:
            form.instance.appointment = self.instance
        return form


class ProcedureResultInline(CleanText, StaffNames, PerformedByRadiologists, ResultDisplayMixin, admin.StackedInline):
    """The result on the appointment's page; the appointment admin saves it through the service. One result per
    appointment: an empty form while there is none (left empty, nothing is saved), the result itself once there
    is one, and never an "Add another" link (the forms shown always reach `max_num`)."""

    model = ProcedureResult
    form = ProcedureResultForm
    formset = ResultInlineFormSet
    fieldsets = RESULT_FIELDSETS
    readonly_fields = ("durations", "logged_by_name", "logged_at")
    extra = 0
    max_num = 1
    can_delete = False
    verbose_name = "result"

    def get_extra(self, request, obj=None, **kwargs):
        if obj is None or ProcedureResult.objects.filter(appointment=obj).exists():
            return 0
        return 1


@admin.register(ProcedureResult)
class ProcedureResultAdmin(
    CleanText,
    StaffNames,
    SafeDateHierarchy,
    AppointmentColumns,
    PerformedByRadiologists,
    ResultDisplayMixin,
    SafeHistoryAdmin,
):
    form = ProcedureResultForm
    fieldsets = ((None, {"fields": ("appointment",)}),) + RESULT_FIELDSETS
    readonly_fields = ("durations", "logged_by_name", "logged_at")
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
        "performed_by_name",
        "logged_by_name",
    )
    list_filter = (
        "outcome",
        "times_given",
        "birads",
        "recommendation",
        "complications",
        ("performed_by", StaffFilter),
    )
    search_fields = ("appointment__patient__mrn", "appointment__patient__family_name", "report")
    list_select_related = ("appointment__patient", "appointment__procedure_type", "performed_by", "logged_by")

    performed_by_name = staff_column("performed_by", "Performed by")

    def get_readonly_fields(self, request, obj=None):
        # Once logged, a result belongs to its appointment; a correction is a change to the result, not a move.
        return self.readonly_fields + (("appointment",) if obj else ())

    def save_model(self, request, obj, form, change):
        services.record_result(obj, by=request.user)
        request._result_saved = (obj, change)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        """The message after saving, in the clinic's words (not "The procedure result ... was added")."""
        saved = getattr(request, "_result_saved", None)
        if saved is not None and level == messages.SUCCESS:
            message = saved_words(*saved)
        super().message_user(request, message, level, *args, **kwargs)

    def get_changeform_initial_data(self, request):
        """A new result for `?appointment=<id>` starts with the procedure's times (`worklist.result_prefill`) and,
        for someone logging it who is not a radiologist, the booked radiologist as "performed by"."""
        initial = super().get_changeform_initial_data(request)
        initial.pop("next", None)
        appointment = self._appointment(request.GET.get("appointment"))
        if appointment is not None:
            initial.update(worklist.result_prefill(appointment))
            if appointment.radiologist_id and not is_radiologist(request.user):
                initial["performed_by"] = appointment.radiologist_id
        return initial

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """Above the form, read-only: the booking, side, discharge, expected duration and safety answers."""
        if obj is not None and obj.appointment_id:
            appointment = obj.appointment
        else:
            appointment = self._appointment(context["adminform"].form["appointment"].value())
        if appointment is not None:
            context["result_context"] = worklist.result_context(appointment)
        context["finished_now"] = FINISHED_NOW if obj is None or obj.ended_at is None else ""
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    @staticmethod
    def _appointment(value) -> Appointment | None:
        pk = parse_id(value if isinstance(value, int) else str(value or ""))
        return Appointment.objects.filter(pk=pk).first() if pk else None

    def response_add(self, request, obj, post_url_continue=None):
        return self._back_to_next(request, super().response_add(request, obj, post_url_continue))

    def response_change(self, request, obj):
        return self._back_to_next(request, super().response_change(request, obj))

    def _back_to_next(self, request, response):
        """ "Save" on a form opened from the worklist (`?next=<path>`) goes back there; the admin's other buttons
        (save and continue, save and add another) keep their meaning."""
        if any(name in request.POST for name in ("_continue", "_addanother", "_saveasnew", IS_POPUP_VAR)):
            return response
        back = worklist.safe_next(
            request.GET.get("next"), host=request.get_host(), secure=request.is_secure(), default=""
        )
        return HttpResponseRedirect(back) if back else response


def saved_words(result: ProcedureResult, corrected: bool) -> str:
    """What the radiologist reads after saving: whose result, what it found, and the follow-up it opened."""
    appointment = result.appointment
    patient = appointment.patient
    words = [
        f"Result {'corrected' if corrected else 'logged'} for {patient.full_name} (MRN {patient.mrn}), "
        f"{clinic_time.date_time(appointment.scheduled_start)}: {result.get_outcome_display().lower()}"
    ]
    if result.actual_duration is not None:
        words.append(f", {result.actual_duration} min")
    if result.birads:
        words.append(f", BI-RADS {result.birads}")
    words.append(".")
    follow_up = FollowUp.objects.filter(appointment=appointment, closed_at__isnull=True).first()
    if follow_up is not None:
        if follow_up.must_act == FollowUp.MustAct.RADIOLOGIST:
            who = staff_name(follow_up.radiologist) if follow_up.radiologist_id else "a radiologist"
            words.append(f" On the follow-up list ({follow_up.reasons}): {who} to record the action taken.")
        else:
            words.append(f" On the follow-up list ({follow_up.reasons}): the schedulers rebook")
            words.append(f" from {clinic_time.short_date(follow_up.rebook_from)}." if follow_up.rebook_from else ".")
    return "".join(words)
