"""How pages name staff: `{% load staff %}` then `{{ user|staff_name }}` (procedures.access.staff_name)."""

from django import template

from ..access import staff_name as name_of

register = template.Library()


@register.filter
def staff_name(user) -> str:
    """The member of staff's name as every page, export and report writes it; "" for nobody."""
    return name_of(user) if user else ""
