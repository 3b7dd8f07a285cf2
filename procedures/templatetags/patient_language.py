"""For the patient's pages in any language: `{% load patient_language %}` then `{{ clinic_phone|ltr }}`."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def ltr(value) -> SafeString:
    """A phone number (or any left-to-right token) kept whole and in order inside a right-to-left sentence: without
    it, the bidirectional algorithm shows "+44 20 7946 0000" as "20 7946 0000+44" on an Urdu page."""
    return format_html('<span dir="ltr">{}</span>', value)
