"""Texts: one short message naming no procedure, to the patient's mobile, never in the quiet hours. The rules a text
keeps (one GSM-7 segment, none of SMS_FORBIDDEN_WORDS) live here; where texts go is the provider's
(reminders.providers.sms, SMS_BACKEND)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING

from django.template.loader import render_to_string

from ..providers.sms import BaseSMSBackend, backend_class
from ..timing import quiet_until
from ..wording import draft_context
from .base import ContentError, Draft, Message, ReminderChannel

if TYPE_CHECKING:
    from procedures.models import Patient

    from ..models import Reminder

SMS_MAX_LENGTH = 160
# Words a text must never contain: a lock screen or a shared phone must not reveal why someone is going.
SMS_FORBIDDEN_WORDS = (
    "ductogram",
    "galactogram",
    "ductography",
    "galactography",
    "breast",
    "nipple",
    "discharge",
    "mammogram",
    "mammography",
    "cancer",
    "biopsy",
    "milk duct",
)
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€"  # each costs two characters


def gsm7_length(text: str) -> int | None:
    """Length in GSM-7 septets, or None when the text needs UCS-2 (and so only 70 characters a segment)."""
    length = 0
    for char in text:
        if char in GSM7_BASIC:
            length += 1
        elif char in GSM7_EXTENDED:
            length += 2
        else:
            return None
    return length


def forbidden_words_in(text: str) -> list[str]:
    lowered = text.lower()
    return [word for word in SMS_FORBIDDEN_WORDS if re.search(rf"\b{re.escape(word)}", lowered)]


# Ever shorter versions of a text: with the arrival time; without it (or "arrive asap"); the fewest words; a move
# that names only its new time; and, last, the preparation's rule with the day alone (a long CLINIC_SMS_NAME).
SMS_LEVELS = ({"level": 0}, {"level": 1}, {"level": 2}, {"level": 2, "moved_from": ""}, {"level": 3}, {"level": 4})


def render_sms(ctx: dict) -> str:
    """The text, the longest of SMS_LEVELS that fits one segment; refused rather than sent if it would leak or
    split into two messages."""
    for level in SMS_LEVELS:
        text = render_to_string("reminders/sms.txt", {**ctx, **level}).strip()
        text = re.sub(r"\s+", " ", text)
        length = gsm7_length(text)
        if length is not None and length <= SMS_MAX_LENGTH:
            break
    else:
        raise ContentError(
            f"The text would not fit one {SMS_MAX_LENGTH}-character GSM-7 segment ({len(text)} characters): "
            "shorten CLINIC_SMS_NAME or SITE_URL."
        )
    leaked = forbidden_words_in(text)
    if leaked:
        raise ContentError(f"The text would mention {', '.join(leaked)}; check CLINIC_SMS_NAME and room names.")
    return text


# The backend a batch shares (SmsChannel.session); None outside one.
_BACKEND: ContextVar[BaseSMSBackend | None] = ContextVar("reminders_sms_backend", default=None)


def get_backend() -> BaseSMSBackend:
    return _BACKEND.get() or backend_class()()


class SmsChannel(ReminderChannel):
    """One short text naming no procedure, to the patient's mobile, never in the quiet hours."""

    slug = "sms"
    label = "SMS"
    missing = "mobile number"
    patient_word = "text"
    consent_by_default = True

    def why_not(self, patient: Patient) -> str:
        if patient.sms_stopped_at:
            return "The patient replied STOP to a text; texts resume only when they reply START."
        if not patient.mobile:
            return "The patient has no mobile number."
        return ""

    def address(self, patient: Patient) -> str:
        return patient.mobile.as_e164

    def compose(self, draft: Draft) -> Message:
        ctx = draft_context(draft, with_faq=False)
        return Message(subject="", text=render_sms(ctx))

    def earliest_send(self, moment: datetime) -> datetime:
        return quiet_until(moment) or moment

    def deliver(self, reminder: Reminder, message: Message, to: str) -> str:
        shared = _BACKEND.get()
        if shared is not None:
            return shared.send(to, message.text, reference=str(reminder.pk))
        with self.session():  # a text on its own opens its own connection and closes it
            return get_backend().send(to, message.text, reference=str(reminder.pk))

    @contextmanager
    def session(self) -> Iterator[None]:
        """One backend for the block's texts, so a backend that keeps a connection keeps it for the batch."""
        backend = backend_class()()
        reset = _BACKEND.set(backend)
        try:
            yield
        finally:
            _BACKEND.reset(reset)
            close = getattr(backend, "close", None)
            if close:
                close()

    def preview_note(self, message: Message) -> str:
        length = gsm7_length(message.text)
        if length is None:
            return f"{len(message.text)} characters, not all GSM-7: it would be split."
        return f"{length} characters of {SMS_MAX_LENGTH}."
