"""The staff buttons on the appointment page for one reminder: send it now, try a failed one again. Each calls a
reminders service. (The SMS gateway's webhooks are reminders.webhooks.)"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from procedures.access import HANDLE_REMINDERS, staff_required

from . import services
from .channels import channel_for
from .models import Reminder


@require_POST
@staff_required(*HANDLE_REMINDERS)
def send_now(request: HttpRequest, pk: int) -> HttpResponse:
    """From the appointment page: a pending reminder goes now instead of at its time."""
    reminder = get_object_or_404(Reminder, pk=pk)
    what = f"The {reminder.get_stage_display().lower()} {reminder.channel}"
    if not services.send_now([reminder]):
        messages.warning(request, f"That reminder is {reminder.get_status_display().lower()}, not pending: left alone.")
    elif channel_for(reminder.channel).delivered_by_hand:
        messages.success(request, f"{what} is due now: print and post it from the letters page.")
    else:
        messages.success(request, f"{what} is being sent now.")
    return redirect(reverse("procedures:appointment", args=[reminder.appointment_id]) + "#reminders")


@require_POST
@staff_required(*HANDLE_REMINDERS)
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """From the appointment page: after the fault is fixed, a failed reminder tries again."""
    reminder = get_object_or_404(Reminder, pk=pk)
    if services.retry_failed([reminder]):
        messages.success(request, f"The {reminder.get_stage_display().lower()} {reminder.channel} will be tried again.")
    else:
        messages.warning(request, f"That reminder is {reminder.get_status_display().lower()}, not failed: left alone.")
    return redirect(reverse("procedures:appointment", args=[reminder.appointment_id]) + "#reminders")
