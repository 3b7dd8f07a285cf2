"""How patients reach the clinic, and how soon the clinic calls them back: the one place both are worked out.

- `dialable(number)`: a number (`CLINIC_PHONE`) in E.164 for a `tel:` link ("+442079460000"), whatever way the
  clinic writes it ("020 7946 0000" in `PHONENUMBER_DEFAULT_REGION`); the number shown stays as the clinic wrote it.
- `callback_promise()`: how soon staff call a patient back (`CALLBACK_WORKING_DAYS`), in words the patient reads
  ("within two working days"), in the active language. The setting is a number rather than free text so that every
  language can say it: each count from one to five has its own phrase (number words inflect with what they count:
  Welsh "o fewn dau ddiwrnod gwaith", Polish "w ciągu dwóch dni roboczych"), larger counts say the digits.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy, ngettext

CALLBACK_DAYS_RANGE = range(1, 11)  # what CALLBACK_WORKING_DAYS may be (procedures.checks refuses others)

WITHIN_WORKING_DAYS = {
    1: gettext_lazy("within one working day"),
    2: gettext_lazy("within two working days"),
    3: gettext_lazy("within three working days"),
    4: gettext_lazy("within four working days"),
    5: gettext_lazy("within five working days"),
}


def callback_promise(days: int | None = None) -> str:
    """How soon we call a patient back, as the words after "we will call you": "within two working days"."""
    days = settings.CALLBACK_WORKING_DAYS if days is None else days
    if days in WITHIN_WORKING_DAYS:
        return str(WITHIN_WORKING_DAYS[days])
    return ngettext("within %(count)s working day", "within %(count)s working days", days) % {"count": days}


def dialable(number: str) -> str:
    """`number` as a `tel:` link dials it: E.164 when it parses (in PHONENUMBER_DEFAULT_REGION when it has no country
    code), else its digits, with a leading "+" if it has one."""
    return _dialable(number, settings.PHONENUMBER_DEFAULT_REGION)


@lru_cache(maxsize=32)
def _dialable(number: str, region: str) -> str:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    digits = "".join(c for c in number if c.isdigit())
    return f"+{digits}" if number.strip().startswith("+") else digits
