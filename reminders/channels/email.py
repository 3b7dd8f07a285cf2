"""Email through Django's email backend (EMAIL_URL, or an email provider's API through django-anymail when
ANYMAIL_PROVIDER is set): the full message, an HTML part and the .ics invitation, with the headers mailbox providers
look for in mail they trust (`inbox_headers`)."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import icalendar
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext

from procedures.clinic_contact import dialable
from procedures.links import unsubscribe_url

from ..stages import Stage
from ..wording import draft_context
from .base import Draft, Message, PermanentSendError, ReminderChannel, TransientSendError

if TYPE_CHECKING:
    from procedures.models import Appointment, Patient

    from ..models import Reminder

log = logging.getLogger(__name__)

# The mail connection a batch shares (EmailChannel.session); None outside one, where each email opens its own.
_CONNECTION: ContextVar[object | None] = ContextVar("reminders_mail_connection", default=None)


def message_id(reminder: Reminder) -> str:
    """Stable per reminder, so a copy that a crash made us send twice is recognised as the same message."""
    host = urlparse(settings.SITE_URL).hostname or "localhost"
    return f"<reminder-{reminder.pk}-{int(reminder.for_start.timestamp())}@{host}>"


def inbox_headers(patient: Patient) -> tuple[tuple[str, str], ...]:
    """What large mailbox providers ask of mail sent to many people: a one-click unsubscribe (RFC 8058: an https
    URL signed for this patient, which stops reminders when posted to) and the mark of a message no person wrote
    (RFC 3834), so auto-replies and out-of-office messages are not sent back."""
    return (
        ("List-Unsubscribe", f"<{unsubscribe_url(patient)}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("Auto-Submitted", "auto-generated"),
    )


def date_header(moment: datetime) -> str:
    """RFC 5322's Date in UTC written as +0000 ("-0000", Django's default, means the zone is unknown)."""
    return format_datetime(moment.astimezone(UTC))


class EmailChannel(ReminderChannel):
    slug = "email"
    label = "Email"
    missing = "email address"
    patient_word = "email"
    consent_by_default = True
    carries_faq = True

    def why_not(self, patient: Patient) -> str:
        return "" if patient.email else "The patient has no email address."

    def address(self, patient: Patient) -> str:
        return patient.email

    def compose(self, draft: Draft) -> Message:
        ctx = draft_context(draft, with_faq=True)
        subject = email_subject(draft.stage, ctx)
        ctx.update(subject=subject, **_html_links(ctx))
        # An offer of an earlier time is its own message, with no invitation: nothing is booked until she takes it.
        offer = draft.stage == Stage.SLOT_OFFER
        template = "reminders/offer_email" if offer else "reminders/email"
        return Message(
            subject=subject,
            text=render_to_string(f"{template}.txt", ctx).strip() + "\n",
            html=render_to_string(f"{template}.html", ctx),
            ics=None if offer else calendar_invitation(draft.appointment, draft.stage, draft.for_start, ctx),
            headers=(("Content-Language", ctx["language_code"]), *inbox_headers(draft.appointment.patient)),
        )

    def deliver(self, reminder: Reminder, message: Message, to: str) -> str:
        """Hand the email to the backend; returns the id its delivery reports will name: the email provider's own
        (django-anymail's `anymail_status`) when there is one, else our Message-ID."""
        headers = {
            "Message-ID": message_id(reminder),
            "Date": date_header(timezone.now()),
            "X-Reminder-ID": str(reminder.pk),
            **dict(message.headers),
        }
        email = EmailMultiAlternatives(subject=message.subject, body=message.text, to=[to], headers=headers)
        if message.html:
            email.attach_alternative(message.html, "text/html")
        if message.ics:
            method = "CANCEL" if b"METHOD:CANCEL" in message.ics else "REQUEST"
            # No charset here: Django adds its own to a text/* part, and a second one makes the header ambiguous.
            email.attach("appointment.ics", message.ics, f"text/calendar; method={method}")
        shared = _CONNECTION.get()
        if shared is not None:
            email.connection = shared
            if getattr(shared, "connection", False) is None:
                # An SMTP connection that broke on an earlier email of the batch: reopen it for the rest. If that
                # fails too, say so now rather than wait out the timeout again inside send().
                if not _open(shared):
                    raise TransientSendError("Could not reach the mail server to send this email.")
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentSendError(f"The mail server refused the address {to}.") from exc
        except smtplib.SMTPResponseException as exc:
            error = f"The mail server answered {exc.smtp_code}: {exc.smtp_error!r}"
            if 500 <= exc.smtp_code < 600:
                raise PermanentSendError(error) from exc
            raise TransientSendError(error) from exc
        except AnymailRecipientsRefused as exc:
            raise PermanentSendError(f"The email provider refused the address {to}: {exc}") from exc
        except AnymailAPIError as exc:
            raise _provider_error(exc) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            if shared is not None:
                _close(shared)
            raise TransientSendError(f"Could not reach the mail server: {exc.__class__.__name__}: {exc}") from exc
        provider_id = getattr(getattr(email, "anymail_status", None), "message_id", None)
        return provider_id if isinstance(provider_id, str) and provider_id else message_id(reminder)

    @contextmanager
    def session(self) -> Iterator[None]:
        """One connection to the mail server for the block's emails, opened here (an email that finds it broken
        reopens it) and closed at the end."""
        connection = get_connection(fail_silently=False)
        reset = _CONNECTION.set(connection)
        try:
            _open(connection)
            yield
        finally:
            _CONNECTION.reset(reset)
            _close(connection)


def _provider_error(exc: AnymailAPIError) -> PermanentSendError | TransientSendError:
    """An email provider's API refused the send: a request it will never take (4xx) fails now; its own trouble, a
    timeout, a rate limit or a key it does not know yet (an operator can fix that within the retries) is tried
    again."""
    error = f"The email provider answered {exc.status_code or 'nothing'}: {exc}"
    code = exc.status_code or 0
    if 400 <= code < 500 and code not in (401, 403, 408, 429):
        return PermanentSendError(error)
    return TransientSendError(error)


def _open(connection) -> bool:
    """Open the shared connection; returns whether it is open. If the server is away, each email tries once more
    and reports it as a transient error."""
    try:
        connection.open()
    except (TimeoutError, smtplib.SMTPException, OSError):
        log.warning("Could not open the mail connection for a batch; each email will try.", exc_info=True)
        return False
    return getattr(connection, "connection", True) is not None


def _close(connection) -> None:
    try:
        connection.close()
    except (TimeoutError, smtplib.SMTPException, OSError):
        log.debug("Closing the mail connection failed", exc_info=True)
        if hasattr(connection, "connection"):
            connection.connection = None


def _html_links(ctx: dict) -> dict[str, str]:
    """The links the HTML body puts inside its translated sentences (a sentence keeps its words in one piece, with
    the link as a placeholder, since languages order them differently)."""
    phone = ctx["clinic_phone"]
    return {
        "phone_link": format_html('<a href="tel:{}" style="color: #005eb8;">{}</a>', dialable(phone), phone),
        "page_link": format_html('<a href="{}" style="color: #005eb8;">{}</a>', ctx["link"], gettext("your page")),
    }


def email_subject(stage: str, ctx: dict) -> str:
    """The subject, in the active language."""
    when = {"date": ctx["short_date"], "time": ctx["time"]}
    if stage == Stage.SLOT_OFFER:
        offered = {"date": ctx["offer_short_date"], "time": ctx["offer_time"]}
        return gettext("An earlier appointment is free: %(date)s at %(time)s") % offered
    if stage == Stage.RESCHEDULED:
        return gettext("Your appointment has moved to %(date)s at %(time)s") % when
    if stage == Stage.CANCELLATION:
        return gettext("Your appointment on %(date)s at %(time)s has been cancelled") % when
    if stage == Stage.BOOKING_CONFIRMATION:
        return gettext("Your appointment on %(date)s at %(time)s") % when
    if stage == Stage.PREPARATION_STARTS:
        return gettext("From %(from)s: getting ready for your appointment on %(date)s at %(time)s") % {
            **when,
            "from": ctx["preparation_from"],
        }
    return gettext("Reminder: your appointment on %(date)s at %(time)s") % when


def invitation_sequence(appointment: Appointment) -> int:
    """The invitation's SEQUENCE: the seconds from the booking to the appointment's latest change (0 as booked). It
    grows with each move and with the cancellation, so calendars replace the earlier version, and a retried send of
    the same state repeats it."""
    changed = appointment.status_changed_at - appointment.created_at if appointment.created_at else timedelta(0)
    return max(int(changed.total_seconds()), 0)


def _organizer() -> icalendar.vCalAddress:
    """The clinic, at the address its email comes from; named as texts name it, since calendars are often shared."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = icalendar.vCalAddress(f"mailto:{address or 'no-reply@localhost'}")
    organizer.params["cn"] = icalendar.vText(settings.CLINIC_SMS_NAME)
    return organizer


def _attendee(appointment: Appointment) -> icalendar.vCalAddress:
    attendee = icalendar.vCalAddress(f"mailto:{appointment.patient.email}")
    attendee.params.update(
        {
            "cn": icalendar.vText(appointment.patient.full_name),
            "cutype": "INDIVIDUAL",
            "role": "REQ-PARTICIPANT",
            "partstat": "NEEDS-ACTION",
            "rsvp": "FALSE",  # the clinic's address takes no replies: the patient confirms on their page
        }
    )
    return attendee


def calendar_invitation(appointment: Appointment, stage: str, for_start: datetime, ctx: dict) -> bytes:
    """One event per appointment (the same UID in every message): a request for the current time, replaced by the
    next move's (a higher SEQUENCE), or a cancellation of it; from the clinic, to the patient, so strict calendar
    clients show an invitation rather than a file."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Ductogram preparation tracker//EN")
    cal.add("version", "2.0")
    cancelled = stage == Stage.CANCELLATION
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = icalendar.Event()
    host = urlparse(settings.SITE_URL).hostname or "localhost"
    event.add("uid", f"appointment-{appointment.pk}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", for_start)
    event.add("dtend", for_start + timedelta(minutes=appointment.expected_duration))
    # Calendars are often shared: the title names the hospital, not the test.
    event.add("summary", gettext("Hospital appointment (%(clinic)s)") % {"clinic": ctx["sms_name"]})
    event.add("location", f"{ctx['place']}, {ctx['clinic_address']}")
    if cancelled:
        phone = {"phone": ctx["clinic_phone"]}
        if ctx["rebook"]:
            event.add("description", gettext("Cancelled. To book a new time, call %(phone)s.") % phone)
        else:
            event.add("description", gettext("Cancelled. If you have questions, call %(phone)s.") % phone)
    else:
        arrive = capfirst(ctx["arrive"])
        event.add("description", gettext("%(arrive)s. Details: %(link)s") % {"arrive": arrive, "link": ctx["link"]})
    # Calendars show the event's words in the language they are in (RFC 5545's LANGUAGE parameter).
    for name in ("summary", "description"):
        event[name].params["language"] = ctx["language_code"]
    event.add("sequence", invitation_sequence(appointment))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event["organizer"] = _organizer()
    if appointment.patient.email:
        event.add("attendee", _attendee(appointment))
    cal.add_component(event)
    return cal.to_ical()
