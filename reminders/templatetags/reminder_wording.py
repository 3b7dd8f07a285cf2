"""The reminders' wording where a page needs it: `{% load reminder_wording %}`."""

from django import template

from procedures.models import Appointment

from ..wording import too_late_to_arrive_early

register = template.Library()


@register.filter
def arrive_as_soon_as_you_can(appointment: Appointment) -> bool:
    """Still to come, but the time to arrive by has passed: the patient page says "as soon as you can", as the
    messages do (reminders.wording.too_late_to_arrive_early)."""
    return appointment.is_upcoming() and too_late_to_arrive_early(
        appointment.scheduled_start, appointment.procedure_type.arrival_lead
    )
