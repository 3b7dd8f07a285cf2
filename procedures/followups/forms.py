"""Recording the action taken on a follow-up: one choice and a note (the service says what each needs)."""

from django import forms

from ..models import FollowUp
from ..services.followups import NOTE_MAX_LENGTH
from ..text import CleanCharField


class ActionForm(forms.Form):
    # Starts at "Choose…": a pre-selected action would be recorded unread.
    action = forms.ChoiceField(
        label="Action taken",
        choices=[("", "Choose…"), *FollowUp.chosen_actions()],
        error_messages={"required": "Choose the action taken."},
    )
    note = CleanCharField(label="Note", required=False, max_length=NOTE_MAX_LENGTH)
