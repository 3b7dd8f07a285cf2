"""The one rule for text typed into any form, staff or patient: no invisible control characters, and a length
limit said in plain words, on the field, never a silent cut.

A NUL byte is the sharp case: SQLite stores it, PostgreSQL refuses the whole statement. Multi-line fields (a
textarea) may hold newlines and tabs; single-line ones may not.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Translated: the patient's page shows them in the patient's language (staff pages are in English).
CONTROL_CHARACTERS_MESSAGE = _("Remove the invisible control characters from this text.")
MULTILINE_ALLOWED = frozenset("\n\r\t")


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """Whether `value` holds a control character (Unicode category Cc: NUL, escape, DEL, the C1 codes...);
    newlines and tabs count only on a single line."""
    allowed = MULTILINE_ALLOWED if multiline else frozenset()
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in value)


@deconstructible
class NoControlCharacters:
    """A validator: refuses control characters, allowing newlines and tabs when `multiline`."""

    code = "control_characters"

    def __init__(self, *, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value) -> None:
        if isinstance(value, str) and has_control_characters(value, multiline=self.multiline):
            raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, NoControlCharacters) and other.multiline == self.multiline


class CleanCharField(forms.CharField):
    """A CharField for people's text: refuses control characters and says how long is too long.

    `multiline=True` draws a textarea (unless a widget is given) and allows newlines and tabs. The control
    character rule replaces Django's own NUL check, so a NUL gives one message, not two."""

    default_error_messages = {
        "max_length": _("Keep this to %(limit_value)d characters or fewer (you wrote %(show_value)d)."),
        "min_length": _("Write at least %(limit_value)d characters (you wrote %(show_value)d)."),
    }

    def __init__(self, *, multiline: bool = False, **kwargs):
        if multiline:
            kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(**kwargs)
        self.multiline = multiline
        self.validators = [
            v for v in self.validators if not isinstance(v, validators.ProhibitNullCharactersValidator)
        ] + [NoControlCharacters(multiline=multiline)]
