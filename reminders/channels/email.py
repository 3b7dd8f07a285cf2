"""Email through Django's email backend (EMAIL_URL): the full message, an HTML part and the .ics invitation."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from procedures.models import Appointment, Patient

from ..models import Channel, Reminder
from ..wording import Message, calendar_invitation, context, email_subject
from .base import BaseChannel, PermanentSendError, TransientSendError

log = logging.getLogger(__name__)

# The mail connection a batch shares (EmailChannel.session); None outside one, where each email opens its own.
_CONNECTION: ContextVar[object | None] = ContextVar("reminders_mail_connection", default=None)


def message_id(reminder: Reminder) -> str:
    """Stable per reminder, so a copy that a crash made us send twice is recognised as the same message."""
    host = urlparse(settings.SITE_URL).hostname or "localhost"
    return f"<reminder-{reminder.pk}-{int(reminder.for_start.timestamp())}@{host}>"


class EmailChannel(BaseChannel):
    name = Channel.EMAIL.value

    def recipient(self, patient: Patient) -> str:
        return patient.email

    def compose(
        self,
        appointment: Appointment,
        stage: str,
        for_start: datetime,
        content_stages: list[str],
        *,
        previous_start: datetime | None = None,
    ) -> Message:
        ctx = context(appointment, stage, for_start, content_stages, with_faq=True, previous_start=previous_start)
        subject = email_subject(stage, ctx)
        ctx["subject"] = subject
        return Message(
            subject=subject,
            text=render_to_string("reminders/email.txt", ctx).strip() + "\n",
            html=render_to_string("reminders/email.html", ctx),
            ics=calendar_invitation(appointment, stage, for_start, ctx),
        )

    def deliver(self, reminder: Reminder, message: Message, to: str) -> str:
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            to=[to],
            headers={"Message-ID": message_id(reminder), "X-Reminder-ID": str(reminder.pk)},
        )
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
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            if shared is not None:
                _close(shared)
            raise TransientSendError(f"Could not reach the mail server: {exc.__class__.__name__}: {exc}") from exc
        return message_id(reminder)

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
