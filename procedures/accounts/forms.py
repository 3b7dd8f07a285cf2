"""The sign-in form: only staff accounts get in."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class StaffLoginForm(AuthenticationForm):
    """Only staff accounts may sign in here; patients never have accounts, but a stray one must not get in."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise forms.ValidationError("This account is not a clinic staff account.", code="not_staff")
