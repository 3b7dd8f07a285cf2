"""A patient's postal address and how letters should reach them (the letter channel, reminders.channels.letter).

An abstract model the Patient inherits, so the address rules (a UK postcode, normalised; a whole address or none)
live beside the fields and every path that saves a patient (forms, the admin, services, factories) keeps them.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models

from ..text import CleanCharField, NoControlCharacters

POSTCODE_MESSAGE = "Enter a UK postcode, like SW1A 1AA."
# The outward code (area and district: A9, A99, AA9, AA99, A9A, AA9A) and the inward code (sector and unit: 9AA,
# whose letters are never C, I, K, M, O or V); GIR 0AA is the one postcode of another shape.
_POSTCODE = re.compile(r"(?:[A-Z]{1,2}[0-9][A-Z0-9]?|GIR) [0-9][ABD-HJLNP-UW-Z]{2}")
# The address fields, in the order a letter writes them; the lines of text among them.
ADDRESS_FIELDS = ("address_line1", "address_line2", "town", "postcode")
ADDRESS_LINES = ("address_line1", "address_line2", "town")
# What decides whether a letter reaches the patient: a change re-plans their reminders.
LETTER_FIELDS = (*ADDRESS_FIELDS, "wants_letters")


def normalise_postcode(value: str) -> str:
    """Upper case with one space before the inward code ("sw1a1aa" -> "SW1A 1AA"); "" stays "". Text that is not
    a postcode comes back tidied, for the validator to refuse."""
    squeezed = re.sub(r"\s+", "", value or "").upper()
    if len(squeezed) < 5:
        return squeezed
    return f"{squeezed[:-3]} {squeezed[-3:]}"


def validate_uk_postcode(value: str) -> None:
    if value and not _POSTCODE.fullmatch(normalise_postcode(value)):
        raise ValidationError(POSTCODE_MESSAGE, code="invalid_postcode")


class PostcodeFormField(CleanCharField):
    """A postcode as typed ("sw1a1aa", " SW1A  1AA"), cleaned to its written form; anything else is refused with one
    message (no length message first: a postcode's shape bounds its length)."""

    default_validators = [validate_uk_postcode]

    def to_python(self, value):
        return normalise_postcode(super().to_python(value))


class PostcodeField(models.CharField):
    """Stored upper case with one space, whoever saves it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 8)
        super().__init__(*args, **kwargs)
        self.validators.append(validate_uk_postcode)

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_postcode(value) if value else value

    def pre_save(self, model_instance, add):
        value = normalise_postcode(getattr(model_instance, self.attname) or "")
        setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        # No length limit on the form: "sw1a   1aa" is a postcode once tidied, and the shape bounds the length.
        return super().formfield(**{"form_class": PostcodeFormField, **kwargs, "max_length": None})


def has_postal_address(patient) -> bool:
    """Whether a letter can be addressed to `patient`: the first line, the town and the postcode. Read by attribute,
    so the letter channel can ask it of any object with the fields (the schedule's light patient rows too)."""
    return bool(patient.address_line1 and patient.town and patient.postcode)


def postal_address_lines(patient) -> list[str]:
    """The address as an envelope writes it: the lines given, the town in capitals (as Royal Mail asks), the postcode
    last."""
    lines = [patient.address_line1, patient.address_line2, (patient.town or "").upper(), patient.postcode]
    return [line.strip() for line in lines if line and line.strip()]


def _line(verbose_name: str, max_length: int, **kwargs) -> models.CharField:
    return models.CharField(
        verbose_name, max_length=max_length, blank=True, validators=[NoControlCharacters()], **kwargs
    )


class PostalDetails(models.Model):
    address_line1 = _line("address line 1", 100, help_text="House number or name and street.")
    address_line2 = _line("address line 2", 100, help_text="Optional: flat, area or village.")
    town = _line("town or city", 60)
    postcode = PostcodeField(blank=True, help_text="A UK postcode, like SW1A 1AA.")
    needs_large_print = models.BooleanField(
        "large print letters", default=False, help_text="Letters in 16 pt type or larger."
    )
    wants_letters = models.BooleanField(
        "letters as well",
        default=False,
        help_text="The patient asked for letters: post them even when email or text reaches the patient. "
        "Otherwise a letter goes only to a patient nothing else reaches.",
    )

    class Meta:
        abstract = True

    def full_clean(self, exclude=None, *args, **kwargs):
        # clean() is told which fields were left out (a form's field that failed its own check, like a postcode
        # that is not one), so it does not add "missing" to the error already on them.
        self._excluded_from_clean = set(exclude or ())
        try:
            super().full_clean(exclude, *args, **kwargs)
        finally:
            del self._excluded_from_clean

    def clean(self) -> None:
        """A letter needs the first line, the town and the postcode: all of them, or no address at all."""
        super().clean()
        left_out = getattr(self, "_excluded_from_clean", set())
        if any(getattr(self, name) for name in ADDRESS_FIELDS):
            missing = {
                name: "Give this too, or leave the whole address empty."
                for name in ("address_line1", "town", "postcode")
                if not getattr(self, name) and name not in left_out
            }
            if missing:
                raise ValidationError(missing)

    @property
    def has_postal_address(self) -> bool:
        return has_postal_address(self)

    def postal_address_lines(self) -> list[str]:
        return postal_address_lines(self)

    @property
    def postal_address(self) -> str:
        """On one line, as staff pages and the reminder row's recipient show it."""
        return ", ".join(postal_address_lines(self))
