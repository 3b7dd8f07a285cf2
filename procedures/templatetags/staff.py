"""How pages name staff: `{% load staff %}` then `{{ user|staff_name }}` (procedures.access.staff_name); a
patient's language, as staff read it: `{{ patient.language|patient_language }}`; and a patient's phone number as
staff dial it: `{{ patient.mobile|phone_number }}`."""

from django import template

from .. import languages
from ..access import staff_name as name_of
from ..phones import as_dialled

register = template.Library()


@register.filter
def staff_name(user) -> str:
    """The member of staff's name as every page, export and report writes it; "" for nobody."""
    return name_of(user) if user else ""


@register.filter
def patient_language(code: str) -> str:
    """The patient's language in English ("Polish"), saying when the clinic does not offer it: the patient's
    messages are then in English, with one sentence in their language about an interpreter where we have one."""
    code = code or languages.ENGLISH
    name = languages.english_name(code)
    if languages.spoken_in(code) == code:
        return name
    if languages.interpreter_sentence(code):
        return f"{name} (not offered: messages in English, with a sentence in {name} about an interpreter)"
    return f"{name} (not offered: messages in English)"


@register.filter
def phone_number(number) -> str:
    """A patient's number as staff dial it (procedures.phones.as_dialled): "07911 123456", "+48 512 345 678"."""
    return as_dialled(number)
