"""What the admin pages share: the text rule, columns for rows that belong to an appointment, and saving through a
service."""

from django import forms
from django.contrib import admin
from django.db import models

from .. import clinic_time
from ..text import NoControlCharacters


class CleanText:
    """The admin's forms keep the text rule every other form keeps (procedures.text): no control characters, with
    newlines allowed where the column holds several lines. A ModelAdmin or inline lists this first."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(field, forms.CharField) and not any(isinstance(v, NoControlCharacters) for v in field.validators):
            field.validators.append(NoControlCharacters(multiline=isinstance(db_field, models.TextField)))
        return field


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
