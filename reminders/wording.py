"""The words of a reminder, whatever carries it: the FAQ entries that fit a stage, the appointment's details, the
rules a text must keep (one GSM-7 segment, nothing naming the procedure), email subjects and the .ics invitation.

Each channel assembles its message from these pieces (reminders.channels); reminders.content is the entry point.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlparse

import icalendar
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from procedures.links import patient_url
from procedures.models import Appointment, FaqEntry

from .stages import Stage

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


class ContentError(Exception):
    """The message cannot be made safely (too long, or a forbidden word): a configuration problem, not transient."""


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str = ""
    ics: bytes | None = None


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


# The active FAQ of the procedure types a batch is about, loaded once for the batch (faq_loaded), so staff edits
# reach the next batch and no process keeps a stale copy.
_LOADED_FAQ: ContextVar[dict[int, list[FaqEntry]] | None] = ContextVar("reminders_loaded_faq", default=None)


def faq_for(procedure_type_id: int, stages: list[str]) -> list[FaqEntry]:
    """Active FAQ entries belonging to any of `stages`, in the clinic's order. One query, whatever the FAQ size; none
    inside faq_loaded() for the procedure types it loaded."""
    wanted = set(stages)
    loaded = _LOADED_FAQ.get()
    if loaded is not None and procedure_type_id in loaded:
        entries = loaded[procedure_type_id]
    else:
        entries = FaqEntry.objects.filter(procedure_type_id=procedure_type_id, is_active=True).order_by("order", "id")
    return [entry for entry in entries if wanted.intersection(entry.stages)]


@contextmanager
def faq_loaded(procedure_type_ids: set[int]) -> Iterator[None]:
    """Within the block, faq_for answers for these procedure types from one query made here."""
    loaded: dict[int, list[FaqEntry]] = {pk: [] for pk in procedure_type_ids}
    if procedure_type_ids:
        entries = FaqEntry.objects.filter(procedure_type_id__in=procedure_type_ids, is_active=True)
        for entry in entries.order_by("order", "id"):
            loaded[entry.procedure_type_id].append(entry)
    reset = _LOADED_FAQ.set(loaded)
    try:
        yield
    finally:
        _LOADED_FAQ.reset(reset)


# Said instead of "arrive by HH:MM" when that time has gone by the time the patient hears of the booking.
ARRIVE_AS_SOON_AS_YOU_CAN = "please arrive as soon as you can"


def too_late_to_arrive_early(start: datetime, arrival_lead: int, *, now: datetime | None = None) -> bool:
    """Whether the time to arrive by (`arrival_lead` minutes before `start`) has already passed: a booking or move
    made that close to its start asks the patient to arrive as soon as they can. Messages, the patient page and the
    scheduler's sentence all ask here."""
    return (now or timezone.now()) + timedelta(minutes=arrival_lead) > start


def _when(moment: datetime) -> dict[str, str]:
    local = timezone.localtime(moment)
    return {
        "short_date": f"{local:%a} {local.day} {local:%b}",
        "long_date": f"{local:%A} {local.day} {local:%B %Y}",
        "time": f"{local:%H:%M}",
    }


def context(
    appointment: Appointment, reminder_stage: str, for_start: datetime, content_stages: list[str], *, with_faq: bool
) -> dict:
    """The templates' context. The FAQ goes only where `with_faq` (email), and under the clinic's policy
    REMINDER_EMAIL_CONTENT=link the FAQ and preparation stay behind the patient's private link."""
    procedure = appointment.procedure_type
    arrival = for_start - timedelta(minutes=procedure.arrival_lead)
    when = _when(for_start)
    asap = too_late_to_arrive_early(for_start, procedure.arrival_lead)
    full = settings.REMINDER_EMAIL_CONTENT == "full"
    faq = faq_for(procedure.pk, content_stages) if with_faq and full and content_stages else []
    return {
        "stage": reminder_stage,
        "Stage": Stage,
        "patient": appointment.patient,
        "given_name": appointment.patient.given_name,
        "procedure_name": procedure.name.lower(),
        "expected_duration": appointment.expected_duration,
        "place": appointment.room.location or appointment.room.name,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_address": settings.CLINIC_ADDRESS,
        "clinic_phone": settings.CLINIC_PHONE,
        "sms_name": settings.CLINIC_SMS_NAME,
        "link": patient_url(appointment),
        "confirmed": appointment.status == Appointment.Status.CONFIRMED,
        "full": full,
        "faq": faq,
        "preparation": procedure.preparation if full else "",
        "arrival_time": _when(arrival)["time"],
        "arrive_asap": asap,
        "arrive": ARRIVE_AS_SOON_AS_YOU_CAN if asap else f"please arrive by {_when(arrival)['time']}",
        **when,
    }


def email_subject(stage: str, ctx: dict) -> str:
    when = f"{ctx['short_date']} at {ctx['time']}"
    if stage == Stage.RESCHEDULED:
        return f"Your appointment has moved to {when}"
    if stage == Stage.CANCELLATION:
        return f"Your appointment on {when} has been cancelled"
    if stage == Stage.BOOKING_CONFIRMATION:
        return f"Your appointment on {when}"
    return f"Reminder: your appointment on {when}"


def render_sms(ctx: dict) -> str:
    """The text, shortened if it must be (no arrival time, or "arrive asap" for "as soon as you can"; then the fewest
    words); refused rather than sent if it would leak or split into two messages."""
    for level in (0, 1, 2):
        text = render_to_string("reminders/sms.txt", {**ctx, "level": level}).strip()
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


def calendar_invitation(appointment: Appointment, stage: str, for_start: datetime, ctx: dict) -> bytes:
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
    event.add("summary", f"Hospital appointment ({ctx['sms_name']})")
    event.add("location", f"{ctx['place']}, {ctx['clinic_address']}")
    event.add("description", f"{ctx['arrive'][:1].upper()}{ctx['arrive'][1:]}. Details: {ctx['link']}")
    # Each change is a newer version of the same event, so calendars update it in place.
    event.add("sequence", int(timezone.now().timestamp()) // 60)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    cal.add_component(event)
    return cal.to_ical()
