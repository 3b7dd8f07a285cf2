"""Texts: one short message naming no procedure, to the patient's mobile, never in the quiet hours. The rules a text
keeps (the fewest segments, never more than SMS_MAX_SEGMENTS: sms_encoding; no word of any language's privacy list:
sms_privacy) live here; where texts go is the provider's (reminders.providers.sms, SMS_BACKEND)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string

from ..providers.sms import BaseSMSBackend, backend_class
from ..timing import quiet_until
from ..wording import draft_context
from .base import ContentError, Draft, Message, ReminderChannel
from .sms_encoding import PER_SEGMENT, SmsSize, gsm7_length, measure
from .sms_privacy import SMS_FORBIDDEN_WORDS, all_forbidden_words, forbidden_words_in

if TYPE_CHECKING:
    from procedures.models import Patient

    from ..models import Reminder

# Re-exported: where the rules were asked for before they had modules of their own.
__all__ = [
    "SMS_FORBIDDEN_WORDS",
    "SMS_LEVELS",
    "SmsChannel",
    "all_forbidden_words",
    "forbidden_words_in",
    "gsm7_length",
    "measure",
]

# Ever shorter versions of a text: with the arrival time; without it (or "arrive asap"); the fewest words; a move
# that names only its new time; and, last, the preparation's rule with the day alone (a long CLINIC_SMS_NAME).
SMS_LEVELS = ({"level": 0}, {"level": 1}, {"level": 2}, {"level": 2, "moved_from": ""}, {"level": 3}, {"level": 4})


def _text_at(ctx: dict, level: dict) -> str:
    return re.sub(r"\s+", " ", render_to_string("reminders/sms.txt", {**ctx, **level}).strip())


def render_sms(ctx: dict) -> str:
    """The text of the level that costs the fewest segments, the longest of those (so an English text is the longest
    that fits one GSM-7 segment); refused rather than sent if even the shortest would take more than
    SMS_MAX_SEGMENTS, or if it would name anything clinical in any language."""
    best: tuple[str, SmsSize] | None = None
    for level in SMS_LEVELS:
        text = _text_at(ctx, level)
        size = measure(text)
        if best is None or size.segments < best[1].segments:
            best = (text, size)
        if size.segments == 1:
            break
    text, size = best
    if size.segments > settings.SMS_MAX_SEGMENTS:
        raise ContentError(too_long_sentence(size))
    leaked = forbidden_words_in(text)
    if leaked:
        raise ContentError(f"The text would mention {', '.join(leaked)}; check CLINIC_SMS_NAME and room names.")
    return text


def too_long_sentence(size: SmsSize) -> str:
    """Why a text is refused for its length, in staff's words."""
    return (
        f"The text would take {size.segments} {size.encoding} segments ({size.units} characters), more than "
        f"SMS_MAX_SEGMENTS allows ({settings.SMS_MAX_SEGMENTS}): shorten CLINIC_SMS_NAME or SITE_URL, or raise "
        "SMS_MAX_SEGMENTS."
    )


def size_note(text: str) -> str:
    """The admin preview's line: encoding, characters, segments and the limit."""
    size = measure(text)
    single, per_part = PER_SEGMENT[size.encoding]
    each = f"{single} a segment alone, {per_part} a part when longer"
    segments = "1 segment" if size.segments == 1 else f"{size.segments} segments"
    return (
        f"{size.encoding}: {size.units} characters ({each}), {segments}; "
        f"the limit is {settings.SMS_MAX_SEGMENTS} (SMS_MAX_SEGMENTS)."
    )


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
        return size_note(message.text)
