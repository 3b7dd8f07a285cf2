"""The patient page's form: the contact details staff may correct (saved through `services.update_patient`, which
re-plans the reminders still to go)."""

from __future__ import annotations

from django import forms

from ..forms import mobile_message
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
