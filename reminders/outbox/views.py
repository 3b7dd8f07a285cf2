"""The development outbox: the list of what was sent, one message as the patient got it, and an email's HTML on
its own (framed by the message page, sandboxed: no script, no form, nothing fetched from outside). Every view is a
404 with DEBUG off: real patients' messages belong to their appointment pages, not to a list of everything."""

from __future__ import annotations

from functools import wraps

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from procedures.access import HANDLE_REMINDERS, staff_required

from ..models import Reminder
from .selectors import SHOWN, message_channels, sent_messages


def development_only(view):
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not settings.DEBUG:
            raise Http404("The outbox is shown in development only.")
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@development_only
@staff_required(*HANDLE_REMINDERS)
def outbox(request: HttpRequest) -> HttpResponse:
    channels = message_channels()
    channel = request.GET.get("channel", "")
    channel = channel if channel in channels else ""
    rows = sent_messages(channel=channel)
    return render(
        request,
        "reminders/outbox/list.html",
        {"messages_sent": rows[:SHOWN], "total": rows.count(), "channels": channels, "channel": channel},
    )


def _sent(pk: int) -> Reminder:
    return get_object_or_404(sent_messages().select_related("appointment__procedure_type"), pk=pk)


@require_GET
@development_only
@staff_required(*HANDLE_REMINDERS)
def message(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = _sent(pk)
    return render(request, "reminders/outbox/message.html", {"reminder": reminder, "is_text": not reminder.subject})


# The email's own styles are inline, as mail clients need; the frame may not run script, post a form or load
# anything from elsewhere, and only this site may frame it.
EMAIL_FRAME_POLICY = {
    "default-src": [NONE],
    "script-src": None,
    "style-src": [UNSAFE_INLINE],
    "img-src": ["data:"],
    "font-src": None,
    "connect-src": None,
    "form-action": [NONE],
    "frame-ancestors": [SELF],
    "sandbox": True,
}


@require_GET
@development_only
@staff_required(*HANDLE_REMINDERS)
@xframe_options_sameorigin
@csp_replace(EMAIL_FRAME_POLICY)
def email_html(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = _sent(pk)
    if not reminder.body_html:
        raise Http404("This message has no HTML part.")
    return HttpResponse(reminder.body_html, content_type="text/html; charset=utf-8")
