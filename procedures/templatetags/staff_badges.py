"""The patient flags drawn as badges, the one markup for them: `{% load staff_badges %}{% flag_badges a.flags %}`
in templates, `badges_html` in the schedules' memoised markup (procedures/schedule/markup.py).

What the flags are is decided without HTML in `procedures.patient_page.flags`; this module only draws them.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from ..patient_page.flags import Flag, interpreter_flag

register = template.Library()

BADGE_CLASS = {"call": "text-bg-danger", "warn": "text-bg-warning", "ok": "text-bg-success", "info": "text-bg-info"}


@register.simple_tag
def flag_badges(flags: list[Flag] | None, compact: bool = False, without: str = "") -> SafeString:
    """The badges as HTML, built in Python: a week's schedule draws them for hundreds of bookings. `compact`
    (schedules, the call list, the printed list) leaves out the all-clear on safety answers; `without` leaves out
    the flag of that code (a list that draws the interpreter's badge by the patient's name)."""
    return badges_html([f for f in flags or [] if f.code != without], compact=compact)


@register.simple_tag
def interpreter_badge(patient) -> SafeString:
    """The interpreter's badge for a patient in hand (their page, the appointment's), as the lists draw it; nothing
    for a patient who needs none."""
    flag = interpreter_flag(patient.needs_interpreter, patient.language)
    return badges_html([flag]) if flag is not None else mark_safe("")


def badges_html(flags: list[Flag], *, compact: bool = False) -> SafeString:
    if compact:
        flags = [f for f in flags if f.level != "ok" or f.code == "prep_read"]
    if not flags:
        return mark_safe("")
    badges = format_html_join(
        " ",
        '<span class="badge patient-flag flag-{} {}" title="{}">{}</span>',
        ((f.code, BADGE_CLASS[f.level], f.title, f.label) for f in flags),
    )
    return format_html('<span class="patient-flags">{}</span>', badges)
