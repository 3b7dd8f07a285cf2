"""The NHS number: the one home for what one is, how it is typed, stored and written.

An NHS number is ten digits, the last a check digit (the modulus 11 rule): the first nine digits are multiplied by
10, 9, ... 2 and summed; the check digit is 11 minus the sum's remainder on dividing by 11, with 11 written as 0; a
result of 10 means no valid number has those nine digits. Staff type it with spaces or dashes ("943 476 5919",
"943-476-5919"); it is stored as its ten digits, and written on staff pages as NHS numbers are written, 3-3-4.

`Patient.nhs_number` is a `NhsNumberField`: optional (empty is NULL, so any number of patients may have none), unique
when set, normalised and checked whoever saves it; its form field reads what staff type and says when it is wrong.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models

from .text import CleanCharField

LENGTH = 10
WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
INVALID_MESSAGE = "This is not a valid NHS number: check the digits."
TAKEN_MESSAGE = "Another patient already has this NHS number: check the digits, or find that patient by it."
_SEPARATORS = re.compile(r"[\s-]+")
_TEN_DIGITS = re.compile(r"[0-9]{10}", re.ASCII)


def normalise(value: str | None) -> str:
    """The number without the spaces and dashes people type ("943 476 5919" -> "9434765919"); "" for nothing. Other
    characters are kept, for `is_valid` to refuse."""
    return _SEPARATORS.sub("", value or "")


def check_digit(first_nine: str) -> int | None:
    """The check digit the modulus 11 rule gives nine digits; None when it comes out as 10 (no valid number)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def is_valid(value: str | None) -> bool:
    """Whether `value`, once normalised, is ten digits whose last is the modulus 11 check digit of the rest."""
    digits = normalise(value)
    if not _TEN_DIGITS.fullmatch(digits):
        return False
    return check_digit(digits[:9]) == int(digits[9])


def formatted(value: str | None) -> str:
    """As NHS numbers are written, 3-3-4: "943 476 5919"; "" for none. Anything not ten digits comes back as it is."""
    digits = normalise(value)
    if not _TEN_DIGITS.fullmatch(digits):
        return value or ""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def validate_nhs_number(value: str | None) -> None:
    """A validator for the model and form fields: empty is allowed (the number is optional)."""
    if value and not is_valid(value):
        raise ValidationError(INVALID_MESSAGE, code="invalid_nhs_number")


class NhsNumberFormField(CleanCharField):
    """What staff type, with or without spaces or dashes, cleaned to ten digits (None when left empty); one message
    for anything that is not a valid NHS number (no length message first: the rule bounds the length)."""

    default_validators = [validate_nhs_number]

    def __init__(self, **kwargs):
        kwargs.setdefault("empty_value", None)
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalise(value) or self.empty_value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"})
        return attrs


class NhsNumberField(models.CharField):
    """Stored as ten digits, NULL when there is none (so "unique" allows any number of patients without one)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", LENGTH)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)
        self.validators.append(validate_nhs_number)

    def to_python(self, value):
        value = super().to_python(value)
        return normalise(value) or None

    def pre_save(self, model_instance, add):
        value = normalise(getattr(model_instance, self.attname)) or None
        setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": NhsNumberFormField, **kwargs})
