"""What the admin pages share: the text rule, columns for rows that belong to an appointment, and saving through a
service."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from .. import clinic_time
from ..access import staff_name
from ..text import NoControlCharacters


class CleanText:
    """The admin's forms keep the text rule every other form keeps (procedures.text): no control characters, with
    newlines allowed where the column holds several lines. A ModelAdmin or inline lists this first."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(field, forms.CharField) and not any(isinstance(v, NoControlCharacters) for v in field.validators):
            field.validators.append(NoControlCharacters(multiline=isinstance(db_field, models.TextField)))
        return field


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by their own workflow (what patients send, the waiting list's offers, referrals, API
    calls): the admin lists and shows them, and nobody adds, changes or deletes one here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadableAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete box, which draws the chosen row by looking its id up: an id posted back that is no
    id ("abc", a NUL, a number past the column's range) is left out of that lookup, which would fail on it (a 500);
    the form says the choice is invalid, as for any other field."""

    def optgroups(self, name, value, attr=None):
        readable = []
        for chosen in value:
            target = self.field.target_field
            try:
                target.run_validators(target.to_python(chosen))  # an id too big for the column (SQLite overflows)
            except ValidationError:
                continue
            readable.append(chosen)
        return super().optgroups(name, readable, attr)


class ReadableAutocomplete:
    """Every autocomplete box of the admin page is a ReadableAutocompleteSelect."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and type(formfield.widget) is AutocompleteSelect:
            formfield.widget.__class__ = ReadableAutocompleteSelect
        return formfield


class ReadableInitial(ReadableAutocomplete):
    """An add page's values from the address (?appointment=12), keeping only those its field can read: a link's
    ?appointment=abc or ?patient=abc would reach the form's query as it is and fail there (a 500). Its autocomplete
    boxes read what is posted back the same way (ReadableAutocomplete)."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not (field.many_to_one or field.one_to_one) or isinstance(value, list):
                continue
            try:
                field.target_field.to_python(value)
            except ValidationError:
                del initial[name]
        return initial


def _readable_id(model, value: str) -> None:
    try:
        model._meta.pk.to_python(value)
    except ValidationError as exc:
        raise Http404("No such page.") from exc


class SafeHistoryAdmin(ReadableInitial, SimpleHistoryAdmin):
    """django-simple-history's pages, where an id that is no id (.../abc/history/, .../history/abc/) is a 404, as in
    the rest of the admin, rather than a 500; and the add page's values from the address kept only when readable."""

    def history_view(self, request, object_id, extra_context=None):
        _readable_id(self.model, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        _readable_id(self.model, object_id)
        _readable_id(self.model.history.model, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)


class StaffNames:
    """Staff appear in the admin's choices as on every other page (access.staff_name), not by username. A
    ModelAdmin or inline lists this before the admin's own class."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.related_model is get_user_model():
            field.label_from_instance = staff_name
        return field


class StaffFilter(admin.RelatedFieldListFilter):
    """Filter by a member of staff, named as everywhere else (access.staff_name): those the list names."""

    def field_choices(self, field, request, model_admin):
        named = model_admin.get_queryset(request).values_list(f"{self.field_path}__pk", flat=True)
        users = field.related_model._default_manager.filter(pk__in=named)
        return [(user.pk, staff_name(user)) for user in users.order_by("last_name", "first_name", "username")]


def staff_column(name: str, description: str):
    """A list column naming the member of staff in field `name` (access.staff_name)."""

    @admin.display(description=description, ordering=f"{name}__last_name")
    def column(self, obj) -> str:
        return staff_name(getattr(obj, name))

    return column


def minutes(value) -> str:
    return "-" if value is None else f"{value} min"


def adopt(obj: models.Model, saved: models.Model) -> None:
    """The admin goes on with the object it built from the form (for its messages and redirect): make it the row
    the service saved."""
    obj.pk = saved.pk
    obj.refresh_from_db()
    obj._state.adding = False


class AppointmentColumns:
    """List columns for a row that belongs to an appointment (a result, answers, a call): who and when."""

    @admin.display(description="Patient", ordering="appointment__patient__family_name")
    def patient(self, obj) -> str:
        return obj.appointment.patient.full_name

    @admin.display(description="MRN", ordering="appointment__patient__mrn")
    def patient_mrn(self, obj) -> str:
        return obj.appointment.patient.mrn

    @admin.display(description="Appointment", ordering="appointment__scheduled_start")
    def appointment_start(self, obj) -> str:
        return clinic_time.date_time(obj.appointment.scheduled_start)
