"""Patient forms: a new patient registered while booking, and the contact details staff may correct on the patient's
page (saved through `services.update_patient`, which re-plans the reminders still to go)."""

from __future__ import annotations

import phonenumbers
from django import forms
from django.conf import settings

from ..models import Patient
from ..models.address import ADDRESS_FIELDS, ADDRESS_LINES
from ..text import CleanCharField

CONTACT_FIELDS = ("email", "mobile", "phone", *ADDRESS_FIELDS, "channels", "wants_letters", "needs_large_print")


class ContactForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = CONTACT_FIELDS
        labels = {"phone": "Other phone"}
        field_classes = {name: CleanCharField for name in ADDRESS_LINES}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mobile"].error_messages["invalid"] = mobile_message()


class NewPatientForm(forms.ModelForm):
    """A patient registered while booking; saved in the booking's transaction, so a refused booking leaves none."""

    # Only filled in when "Register a new patient" is chosen, so browsers must not insist on these fields.
    use_required_attribute = False

    class Meta:
        model = Patient
        fields = (
            "mrn",
            "given_name",
            "family_name",
            "date_of_birth",
            "email",
            "mobile",
            *ADDRESS_FIELDS,
            "channels",
            "wants_letters",
            "needs_large_print",
        )
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}
        field_classes = {
            "mrn": CleanCharField,
            "given_name": CleanCharField,
            "family_name": CleanCharField,
            **{name: CleanCharField for name in ADDRESS_LINES},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mobile"].error_messages["invalid"] = mobile_message()


def mobile_message() -> str:
    """What to say about a number that is not a mobile number, with examples for the clinic's region."""
    region = getattr(settings, "PHONENUMBER_DEFAULT_REGION", None) or "GB"
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return "Enter a mobile number with its country code, like +44 7700 900123, or leave it empty."
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return f"Enter a mobile number like {national}, or with its country code like {international}; or leave it empty."
