"""A patient's phone number as staff read and dial it, on every staff page and in every form that shows one:
national for a number in the clinic's country ("07911 123456"), international for one from abroad
("+48 512 345 678"). The mobile's hint (procedures.patients.forms.mobile_hint) gives its example the same way."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from phonenumber_field.phonenumber import PhoneNumber
from phonenumber_field.widgets import RegionalPhoneNumberWidget


def home_region() -> str:
    return getattr(settings, "PHONENUMBER_DEFAULT_REGION", None) or "GB"


def as_dialled(number) -> str:
    """`number` written as staff dial it; "" for none, and anything that is not a number as it is."""
    if not number:
        return ""
    if not isinstance(number, phonenumbers.PhoneNumber) or not number.country_code:
        return str(number)
    at_home = home_region() in phonenumbers.region_codes_for_country_code(number.country_code)
    style = phonenumbers.PhoneNumberFormat.NATIONAL if at_home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


class PhoneNumberInput(RegionalPhoneNumberWidget):
    """A phone number's box, holding a saved number as `as_dialled` writes it (the library's own box wrote one from
    abroad as "+48512345678")."""

    def format_value(self, value):
        if isinstance(value, PhoneNumber) and value.country_code:
            return as_dialled(value)
        return super().format_value(value)
