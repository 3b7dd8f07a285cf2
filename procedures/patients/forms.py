"""Patient forms: a new patient registered while booking, and the NHS number and contact details staff may correct on
the patient's page (saved through `services.update_patient`, which re-plans the reminders still to go). Both ask the
patient's language and whether they need an interpreter (`LanguageFields`); the NHS number is read as typed, with or
without spaces (procedures.nhs_number)."""

from __future__ import annotations

import phonenumbers
from django import forms
from django.conf import settings

from .. import languages
from ..models import Patient
from ..models.address import ADDRESS_FIELDS, ADDRESS_LINES
from ..phones import PhoneNumberInput, home_region
from ..text import CleanCharField

LANGUAGE_FIELDS = ("language", "needs_interpreter")
CONTACT_FIELDS = (
    "nhs_number",
    "email",
    "mobile",
    "phone",
    *ADDRESS_FIELDS,
    "channels",
    "wants_letters",
    "needs_large_print",
    *LANGUAGE_FIELDS,
)
LANGUAGE_LABELS = {"language": "Language the patient reads", "needs_interpreter": "Needs an interpreter"}
LANGUAGE_HELP = {
    "language": "In an offered language, the patient's messages and page are in it; in any other, in English with "
    "one sentence in their language saying an interpreter or a translated copy is available.",
    "needs_interpreter": "The schedule, worklist, printed list and call list show an interpreter badge, so one is "
    "booked for the appointment.",
}
OFFERED_GROUP = "Offered to patients: messages and page in this language"
NOT_OFFERED_GROUP = "Not offered: English plus an interpreter sentence in their language"


def language_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every language a patient's record can name (settings.LANGUAGES), each in its own name, in two groups: those
    offered to patients (settings.PATIENT_LANGUAGES, English first) and the rest, spoken to in English. Read when
    the form is made, so the groups follow the settings."""
    offered = languages.offered()
    names = dict(settings.LANGUAGES)
    groups = [(OFFERED_GROUP, [(code, names[code]) for code in offered])]
    others = [(code, name) for code, name in settings.LANGUAGES if code not in offered]
    if others:
        groups.append((NOT_OFFERED_GROUP, others))
    return groups


class LanguageFields:
    """Mixed into a patient ModelForm listing LANGUAGE_FIELDS: the language select, grouped by offered or not. The
    select always sends a language; a form posted without one keeps the language on file (English for a new
    patient) rather than refusing the other details."""

    def init_language_fields(self) -> None:
        field = self.fields["language"]
        field.choices = language_choices()
        field.required = False

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or self.instance.language or languages.ENGLISH


class ContactForm(LanguageFields, forms.ModelForm):
    class Meta:
        model = Patient
        fields = CONTACT_FIELDS
        labels = {"phone": "Other phone", **LANGUAGE_LABELS}
        help_texts = LANGUAGE_HELP
        widgets = {"mobile": PhoneNumberInput, "phone": PhoneNumberInput}
        field_classes = {name: CleanCharField for name in ADDRESS_LINES}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mobile"].error_messages["invalid"] = mobile_message()
        self.fields["mobile"].help_text = mobile_hint()
        self.init_language_fields()


class NewPatientForm(LanguageFields, forms.ModelForm):
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
            "nhs_number",
            "email",
            "mobile",
            *ADDRESS_FIELDS,
            "channels",
            "wants_letters",
            "needs_large_print",
            *LANGUAGE_FIELDS,
        )
        labels = LANGUAGE_LABELS
        help_texts = LANGUAGE_HELP
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}), "mobile": PhoneNumberInput}
        field_classes = {
            "mrn": CleanCharField,
            "given_name": CleanCharField,
            "family_name": CleanCharField,
            **{name: CleanCharField for name in ADDRESS_LINES},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mobile"].error_messages["invalid"] = mobile_message()
        self.fields["mobile"].help_text = mobile_hint()
        self.init_language_fields()


def _mobile_examples() -> tuple[str, str] | None:
    """A mobile number of the clinic's region, as written at home and with its country code."""
    example = phonenumbers.example_number_for_type(home_region(), phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return None
    return (
        phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL),
        phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
    )


def mobile_message() -> str:
    """What to say about a number that is not a mobile number, with examples for the clinic's region."""
    examples = _mobile_examples()
    if examples is None:
        return "Enter a mobile number with its country code, like +44 7700 900123, or leave it empty."
    national, international = examples
    return f"Enter a mobile number like {national}, or with its country code like {international}; or leave it empty."


def mobile_hint() -> str:
    """The hint under the field, in the format the field shows a saved number in (national, for the clinic's region)."""
    examples = _mobile_examples()
    if examples is None:
        return "With its country code, e.g. +44 7700 900123. Texts go only to this number."
    national, _ = examples
    return f"e.g. {national}; a number from abroad with its country code (+...). Texts go only to this number."
