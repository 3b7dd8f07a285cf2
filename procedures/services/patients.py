"""Patients: the only code that registers a patient or changes their details.

Both save what the caller's form validated (a ModelForm runs the model's `full_clean()`) and record who made the
change in the patient's history; the date of birth, whose bounds move with today, is checked again here, so no
caller can save one in the future or more than PATIENT_MAX_AGE_YEARS ago (a `ValidationError` on that field); so is
the NHS number (ten digits by the modulus 11 rule, and no other patient's), stored as its ten digits. A new
address, mobile or preference reaches the reminders still to go for the patient's coming appointments, in the same
transaction. A new language or interpreter need is recorded in the history like any other change, and needs no
re-planning: each message is made in the patient's language when it goes (`ReminderChannel.render`), and the staff
lists read the interpreter flag from the patient as they are drawn.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from reminders import services as reminders

from .. import nhs_number
from ..models import Patient
from ..models.address import LETTER_FIELDS

# Everything staff may type about a patient (not the row's id or when it was created).
PATIENT_FIELDS = frozenset(f.name for f in Patient._meta.concrete_fields if f.editable and not f.primary_key)
# The details reminders are addressed by (a letter's too): a change re-plans the reminders still to go.
CONTACT_FIELDS = frozenset({"email", "mobile", "channels", *LETTER_FIELDS})


def _known(fields: dict, caller: str) -> None:
    unknown = set(fields) - PATIENT_FIELDS
    if unknown:
        raise TypeError(f"{caller}() got unexpected patient fields: {', '.join(sorted(unknown))}")


def _check_date_of_birth(fields: dict) -> None:
    """The field's own validator (between PATIENT_MAX_AGE_YEARS ago and today), as the forms show it."""
    if "date_of_birth" in fields:
        try:
            Patient._meta.get_field("date_of_birth").clean(fields["date_of_birth"], None)
        except ValidationError as exc:
            raise ValidationError({"date_of_birth": exc.messages}) from None


def _check_nhs_number(fields: dict, *, patient_pk: int | None = None) -> None:
    """The NHS number, if given, normalised in `fields` to its ten digits (None for none), valid by the modulus 11
    rule, and no other patient's: a `ValidationError` on the field otherwise, as the forms say it."""
    if "nhs_number" not in fields:
        return
    number = nhs_number.normalise(fields["nhs_number"]) or None
    fields["nhs_number"] = number
    if number is None:
        return
    if not nhs_number.is_valid(number):
        raise ValidationError({"nhs_number": [nhs_number.INVALID_MESSAGE]})
    if Patient.objects.filter(nhs_number=number).exclude(pk=patient_pk).exists():
        raise ValidationError({"nhs_number": [nhs_number.TAKEN_MESSAGE]})


def _save(patient: Patient, *, by: AbstractBaseUser | None, update_fields=None) -> None:
    if by is not None:
        patient._history_user = by
    patient.save(update_fields=update_fields)


@transaction.atomic
def register_patient(*, by: AbstractBaseUser | None = None, **fields) -> Patient:
    """A new patient (MRN, names, date of birth, contact details, reminder preference)."""
    _known(fields, "register_patient")
    _check_date_of_birth(fields)
    _check_nhs_number(fields)
    patient = Patient(**fields)
    _save(patient, by=by)
    return patient


@transaction.atomic
def update_patient(patient: Patient, *, by: AbstractBaseUser | None = None, **changes) -> Patient:
    """Change a registered patient's details; returns the patient as saved. Values equal to those on file change
    nothing; only a changed email, mobile or preference re-plans the reminders still to go."""
    _known(changes, "update_patient")
    current = Patient.objects.select_for_update().get(pk=patient.pk)
    _check_nhs_number(changes, patient_pk=current.pk)
    changed = [name for name, value in changes.items() if getattr(current, name) != value]
    if not changed:
        return current
    _check_date_of_birth({name: changes[name] for name in changed})
    for name in changed:
        setattr(current, name, changes[name])
    _save(current, by=by, update_fields=changed)
    if CONTACT_FIELDS.intersection(changed):
        reminders.patient_details_changed(current)
    return current
