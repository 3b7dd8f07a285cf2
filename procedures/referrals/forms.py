"""Rejecting a referral: why, in the scheduler's words (the sender reads it back on the ServiceRequest)."""

from django import forms

from ..services.referrals import REJECTION_MAX_LENGTH
from ..text import CleanCharField


class RejectForm(forms.Form):
    reason = CleanCharField(
        label="Why is it rejected?",
        max_length=REJECTION_MAX_LENGTH,
        help_text="The referring system reads this back, e.g. 'Seen at Riverside last week'.",
        error_messages={"required": "Say why the referral is rejected."},
    )
