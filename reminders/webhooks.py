"""The HTTP SMS gateway's two webhooks: delivery reports for texts we sent, and replies (STOP opts the patient out,
START lets texts go again). Each checks the provider's signature (reminders.providers.http_sms) and calls a reminders
service; anything malformed is simply not signed: a 403, never a 500.

The email provider's webhooks are django-anymail's, under /anymail/ (its views check their own authentication: the
WEBHOOK_SECRET basic auth, and a provider's signature where it signs); `email_tracking` receives its normalised
events (connected in reminders.apps)."""

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .providers.http_sms import valid_webhook_signature

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


def email_tracking(sender, event, esp_name: str, **kwargs) -> None:
    """django-anymail's `tracking` signal: an email provider's report on an email we sent."""
    detail = event.mta_response or event.description or event.reject_reason or ""
    services.record_email_event(
        provider_message_id=str(event.message_id or ""),
        event_type=event.event_type,
        detail=f"{detail} ({esp_name})" if detail else "",
    )
