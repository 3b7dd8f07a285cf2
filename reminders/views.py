"""Webhooks from the SMS provider: delivery reports, and replies (STOP opts the patient out)."""

import logging
import re

import phonenumbers
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from phonenumber_field.phonenumber import PhoneNumber

from procedures.access import staff_required
from procedures.models import Patient

from . import services
from .channels.sms import valid_webhook_signature
from .models import Reminder

log = logging.getLogger(__name__)

# A reply that is only a carrier opt-out keyword ("STOP", "Stop."), or that asks in words for no more messages
# ("stop texting me", "please unsubscribe me"). "I can't stop worrying" is not an opt-out.
STOP_KEYWORDS = {"stop", "stopall", "unsubscribe", "end", "quit", "optout", "opt out"}
STOP_PHRASE = re.compile(
    r"\bunsubscribe\b|\b(stop|no more)\W+(?:\w+\W+)?(text|texts|texting|messages?|messaging|reminders?|sms|"
    r"contacting|sending)\b",
    re.IGNORECASE,
)


def asks_to_stop(body: str) -> bool:
    words = re.sub(r"[^\w ]+", " ", body).strip().lower()
    return " ".join(words.split()) in STOP_KEYWORDS or bool(STOP_PHRASE.search(body))


EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _signed(request: HttpRequest) -> bool:
    params = {key: request.POST.get(key, "") for key in request.POST}
    return valid_webhook_signature(request.build_absolute_uri(), params, request.headers.get("X-Twilio-Signature", ""))


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    if not _signed(request):
        return HttpResponseForbidden("Bad signature.")
    message_id, status = request.POST.get("MessageSid", ""), request.POST.get("MessageStatus", "")
    if message_id and status:
        fields = {"delivery_status": status[:32]}
        if status in ("failed", "undelivered"):
            fields["last_error"] = (
                f"The provider reports the text {status} (code {request.POST.get('ErrorCode', '?')})."
            )
        Reminder.objects.filter(provider_message_id=message_id).update(**fields)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    if not _signed(request):
        return HttpResponseForbidden("Bad signature.")
    body = request.POST.get("Body", "")
    sender = request.POST.get("From", "")
    if asks_to_stop(body):
        try:
            number = PhoneNumber.from_string(sender)
        except Exception:  # noqa: BLE001 - an unreadable number matches nobody
            number = None
        # Possible, not valid: a number we text (a range the metadata lags behind) must be able to stop us.
        possible = number is not None and phonenumbers.is_possible_number(number)
        patients = Patient.objects.filter(mobile=number) if possible else Patient.objects.none()
        for patient in patients:
            services.opt_out(patient)
        log.info("STOP reply from a number matching %d patient(s).", len(patients))
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@require_POST
@staff_required("reminders.change_reminder")
def send_now(request: HttpRequest, pk: int) -> HttpResponse:
    """From the appointment page: a pending reminder goes now instead of at its time."""
    reminder = get_object_or_404(Reminder, pk=pk)
    if services.send_now([reminder]):
        messages.success(request, f"The {reminder.get_stage_display().lower()} {reminder.channel} is being sent now.")
    else:
        messages.warning(request, f"That reminder is {reminder.get_status_display().lower()}, not pending: left alone.")
    return redirect(reverse("procedures:appointment", args=[reminder.appointment_id]) + "#reminders")


@require_POST
@staff_required("reminders.change_reminder")
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """From the appointment page: after the fault is fixed, a failed reminder tries again."""
    reminder = get_object_or_404(Reminder, pk=pk)
    if services.retry_failed([reminder]):
        messages.success(request, f"The {reminder.get_stage_display().lower()} {reminder.channel} will be tried again.")
    else:
        messages.warning(request, f"That reminder is {reminder.get_status_display().lower()}, not failed: left alone.")
    return redirect(reverse("procedures:appointment", args=[reminder.appointment_id]) + "#reminders")
