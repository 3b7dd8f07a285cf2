"""The HTTP SMS gateway's two webhooks: delivery reports for texts we sent, and replies (STOP opts the patient out,
START lets texts go again, anything else is a conversation: services.conversations, acknowledged in the answer).
Each checks the provider's signature (reminders.providers.http_sms) and calls a reminders service; anything
malformed is simply not signed: a 403, never a 500.

The email provider's webhooks are django-anymail's, under /anymail/ (its views check their own authentication: the
WEBHOOK_SECRET basic auth, and a provider's signature where it signs); `email_tracking` receives its normalised
events (connected in reminders.apps)."""

from xml.sax.saxutils import escape

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from procedures.patient_page.services import answer_text

from . import services
from .providers.http_sms import valid_webhook_signature

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# The acknowledgement of a reply, as the provider's own answer to the webhook: it goes back on the same exchange,
# with no outbox row and no second request to the provider (and a replayed post gets the empty answer).
REPLY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>{}</Message></Response>'


def _signed(request: HttpRequest) -> bool:
    """Whether the provider signed this request. Anything malformed (no header, a header that is not ASCII, a body
    that is not a form) is simply not signed: a 403, never a 500."""
    params = {key: request.POST.get(key, "") for key in request.POST}
    return valid_webhook_signature(request.build_absolute_uri(), params, request.headers.get("X-Twilio-Signature"))


def _has_nul(request: HttpRequest) -> bool:
    """Whether any field's name or value holds a NUL, which no provider sends and PostgreSQL refuses in text."""
    return any("\x00" in key or any("\x00" in value for value in request.POST.getlist(key)) for key in request.POST)


NUL_REFUSED = "A field holds a NUL character."


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    if not _signed(request):
        return HttpResponseForbidden("Bad signature.")
    if _has_nul(request):
        return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain")
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
    if _has_nul(request):
        return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain")
    body, sender = request.POST.get("Body", ""), request.POST.get("From", "")
    sid = request.POST.get("MessageSid", "")
    if services.asks_to_stop(body):
        services.opt_out_by_number(sender, provider_message_id=sid)
    elif services.asks_to_start(body):
        services.opt_in_by_number(sender, provider_message_id=sid)
    else:
        reply = services.handle_reply(provider_message_id=sid, sender=sender, body=body, act=answer_text)
        if reply:
            return HttpResponse(REPLY_TWIML.format(escape(reply)), content_type="text/xml")
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


def email_tracking(sender, event, esp_name: str, **kwargs) -> None:
    """django-anymail's `tracking` signal: an email provider's report on an email we sent. An id with a NUL in it is
    no email of ours (and PostgreSQL refuses it in a query): the report is dropped; a NUL in the words is removed."""
    message_id = str(event.message_id or "")
    if "\x00" in message_id:
        return
    detail = str(event.mta_response or event.description or event.reject_reason or "").replace("\x00", "")
    services.record_email_event(
        provider_message_id=message_id,
        event_type=event.event_type,
        detail=f"{detail} ({esp_name})" if detail else "",
    )
