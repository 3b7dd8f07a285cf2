"""Staff templates' view of what patients told us: `{% patient_flags appointment %}` draws the badges (from the
annotations `patient_flags.with_patient_flags` adds, so a schedule costs no extra query), and
`{% patient_panel appointment %}` the appointment page's section with the answers, reads, requests and calls."""

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from procedures import patient_services
from procedures.models import PatientCall, PatientRequest, PreparationRead, SafetyAnswers
from procedures.patient_flags import call_reasons, flags_for, preparation_overdue
from procedures.patient_forms import SafetyQuestionsForm

register = template.Library()


BADGE_CLASS = {"call": "text-bg-danger", "warn": "text-bg-warning", "ok": "text-bg-success"}


def render_flags(flags, *, compact: bool = False) -> str:
    """The badges as HTML, built in Python: a week's schedule draws them for hundreds of bookings."""
    if not flags:
        return ""
    badges = format_html_join(
        " ",
        '<span class="badge patient-flag flag-{} {}" title="{}">{}</span>',
        ((f.code, BADGE_CLASS[f.level], f.title, f.label) for f in flags),
    )
    style = mark_safe(' style="white-space: normal;"') if compact else ""
    return format_html('<span class="patient-flags"{}>{}</span>', style, badges)


@register.simple_tag
def patient_flags(appointment, compact: bool = False):
    """The appointment's flags as badges; `compact` (schedules) leaves out the all-clear on safety answers."""
    flags = flags_for(appointment)
    if compact:
        flags = [f for f in flags if f.level != "ok" or f.code == "prep_read"]
    return render_flags(flags, compact=compact)


def _answer_rows(answers: SafetyAnswers) -> list[dict]:
    raised = set(answers.flags.split())
    form = SafetyQuestionsForm()
    field_flags = {
        "discharge_present": {"no_discharge", "discharge_unsure"},
        "pregnant": {"pregnant"},
        "contrast_allergy": {"contrast_allergy"},
        "infection": {"infection"},
        "blood_thinners": {"blood_thinners"},
    }
    rows = []
    for name in SafetyQuestionsForm.QUESTIONS:
        field = form.fields[name]
        hit = field_flags[name] & raised
        rows.append(
            {
                "question": field.label,
                "answer": dict(field.choices)[getattr(answers, name)],
                "flagged": bool(hit),
                "needs_call": any(SafetyAnswers.FLAGS[code][1] for code in hit),
            }
        )
    return rows


@register.inclusion_tag("patient/staff/_appointment_panel.html", takes_context=True)
def patient_panel(context, appointment):
    """Everything the patient said from their page, for the appointment page. A handful of queries, once."""
    answers = list(SafetyAnswers.objects.filter(appointment=appointment))
    reads = list(PreparationRead.objects.filter(appointment=appointment))
    current_hash = patient_services.content_hash(patient_services.preparation_content(appointment.procedure_type))
    user = context["request"].user
    return {
        "appointment": appointment,
        "flags_html": render_flags(flags_for(appointment)),
        "call_reasons": call_reasons(appointment),
        "latest_answers": answers[0] if answers else None,
        "answer_rows": _answer_rows(answers[0]) if answers else [],
        "earlier_answers": [(a, [SafetyAnswers.FLAGS[c][0] for c in a.flags.split()]) for a in answers[1:]],
        "reads": reads,
        "read_is_current": bool(reads) and reads[0].content_hash == current_hash,
        "preparation_overdue": preparation_overdue(appointment),
        "requests": list(
            PatientRequest.objects.filter(appointment=appointment).select_related("appointment", "handled_by")
        ),
        "calls": list(PatientCall.objects.filter(appointment=appointment).select_related("called_by")),
        "can_handle": user.has_perm("procedures.change_appointment"),
        "can_cancel": user.has_perms(("procedures.add_appointment", "procedures.change_appointment")),
        "is_upcoming": appointment.is_open and appointment.scheduled_start > timezone.now(),
        "csrf_token": context.get("csrf_token"),
        "here": context["request"].get_full_path(),
    }
