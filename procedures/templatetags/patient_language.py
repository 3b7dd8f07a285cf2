"""For the patient's pages in any language: `{% load patient_language %}` then `{{ clinic_phone|tel_link }}` (a number
a phone dials with a tap, kept left to right) or `{{ clinic_phone|ltr }}`, and dates as procedures.clinic_time writes
them in the active language (`{{ start|day_and_month }}`, `{{ start|long_date }}`)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from procedures import clinic_time
from procedures.clinic_contact import dialable as dialable_number

register = template.Library()


@register.filter
def ltr(value) -> SafeString:
    """A phone number (or any left-to-right token) kept whole and in order inside a right-to-left sentence: without
    it, the bidirectional algorithm shows "+44 20 7946 0000" as "20 7946 0000+44" on an Urdu page."""
    return format_html('<span dir="ltr">{}</span>', value)


@register.filter
def dialable(value) -> str:
    """The number a `tel:` link dials: E.164 ("+442079460000"), however the clinic writes it."""
    return dialable_number(str(value))


@register.filter
def tel_link(value) -> SafeString:
    """A phone number as a link a phone dials with a tap: E.164 in the href, the number shown as written, kept whole
    and left to right in a right-to-left sentence."""
    return format_html('<a href="tel:{}">{}</a>', dialable_number(str(value)), ltr(value))


@register.filter
def day_and_month(value) -> str:
    """Thursday 3 December (Polish: "czwartek, 3 grudnia"): clinic_time's one way of writing it per language."""
    return clinic_time.day_and_month(value) if value else ""


@register.filter
def long_date(value) -> str:
    """Thursday 3 December 2026, per language (clinic_time.long_date)."""
    return clinic_time.long_date(value) if value else ""
