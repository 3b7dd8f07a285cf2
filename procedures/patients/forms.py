"""The patient page's form: the contact details staff may correct (saved through `services.update_patient`, which
re-plans the reminders still to go)."""

from __future__ import annotations

from django import forms

from ..booking.forms import mobile_message
from ..models import Patient

CONTACT_FIELDS = ("email", "mobile", "phone", "preferred_channel")


class ContactForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = CONTACT_FIELDS
        help_texts = {"preferred_channel": "How the patient would like reminders."}
        labels = {"phone": "Other phone", "preferred_channel": "Reminders by"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mobile"].error_messages["invalid"] = mobile_message()
