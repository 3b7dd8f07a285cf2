"""The sign-in forms: only staff accounts get in, and a username longer than any account's is refused on the form.

Django's AuthenticationForm sets the username's max_length after the field is made, which sizes the box but never
checks the value: any length reached `authenticate()`, and django-axes then failed to store a username over its
255-character column (a 500). Here a username longer than the accounts' own (150) is a form error before any
backend, or axes, sees it, on the staff sign-in and the admin's alike."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class UsernameWithinLength:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class StaffLoginForm(UsernameWithinLength, AuthenticationForm):
    """Only staff accounts may sign in here; patients never have accounts, but a stray one must not get in."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise forms.ValidationError("This account is not a clinic staff account.", code="not_staff")


class StaffAdminLoginForm(UsernameWithinLength, AdminAuthenticationForm):
    """The admin's own sign-in (/admin/login/), which already lets only staff in."""
