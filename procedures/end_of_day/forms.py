"""Did not attend: why, as far as anyone knows, and the next step. Both start at the choice that loses nobody (not
known; rebook offered, which puts the patient on the follow-up list), so a row closes in one click; either may be
changed first."""

from django import forms

from ..models import Appointment


class DidNotAttendForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why", choices=Appointment.NoShowReason.choices, initial=Appointment.NoShowReason.NOT_KNOWN
    )
    next_step = forms.ChoiceField(
        label="Next step", choices=Appointment.NextStep.choices, initial=Appointment.NextStep.REBOOK
    )
