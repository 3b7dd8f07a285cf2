"""Webhooks from the SMS provider (delivery reports, and replies where STOP opts the patient out), and the staff
buttons on the appointment page. Each checks the request and calls a reminders service."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from procedures.access import HANDLE_REMINDERS, staff_required

from . import services
from .channels.sms import valid_webhook_signature
from .models import Reminder

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _signed(request: HttpRequest) -> bool:
    """Whether the provider signed this request. Anything malformed (no header, a header that is not ASCII, a body
    that is not a form) is simply not signed: a 403, never a 500."""
    params = {key: request.POST.get(key, "") for key in request.POST}
    return valid_webhook_signature(request.build_absolute_uri(), params, request.headers.get("X-Twilio-Signature"))


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    if not _signed(request):
        return HttpResponseForbidden("Bad signature.")
    services.record_delivery_report(
        provider_message_id=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    if not _signed(request):
        return HttpResponseForbidden("Bad signature.")
    if services.asks_to_stop(request.POST.get("Body", "")):
        services.opt_out_by_number(request.POST.get("From", ""))
    elif services.asks_to_start(request.POST.get("Body", "")):
        services.opt_in_by_number(request.POST.get("From", ""))
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@require_POST
@staff_required(*HANDLE_REMINDERS)
def send_now(request: HttpRequest, pk: int) -> HttpResponse:
    """From the appointment page: a pending reminder goes now instead of at its time."""
    reminder = get_object_or_404(Reminder, pk=pk)
    if services.send_now([reminder]):
        messages.success(request, f"The {reminder.get_stage_display().lower()} {reminder.channel} is being sent now.")
    else:
        messages.warning(request, f"That reminder is {reminder.get_status_display().lower()}, not pending: left alone.")
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
