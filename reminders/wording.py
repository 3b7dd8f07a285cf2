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
from email.utils import parseaddr
from urllib.parse import urlparse

import icalendar
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from procedures import clinic_time
from procedures.links import patient_url
from procedures.models import Appointment, FaqEntry

from .stages import CONTENT_STAGES, Stage

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


# What an email carries of the FAQ: at most this many questions and answers (the patient's page has the rest), led by
# at most this many preparation points.
FAQ_IN_AN_EMAIL = 5
POINTS_IN_A_MESSAGE = 3


@dataclass(frozen=True)
class FaqSelection:
    """The part of the FAQ one email carries, and how many more answers wait on the patient's page."""

    entries: list[FaqEntry]
    points: list[str]
    more: int


def _active_faq(procedure_type_id: int) -> list[FaqEntry]:
    loaded = _LOADED_FAQ.get()
    if loaded is not None and procedure_type_id in loaded:
        return loaded[procedure_type_id]
    return list(FaqEntry.objects.filter(procedure_type_id=procedure_type_id, is_active=True).order_by("order", "id"))


def _by_stage(entries: list[FaqEntry], stages: list[str]) -> list[FaqEntry]:
    """`entries` of the first stage in `stages` first, then of the next, each group in the clinic's order."""
    rank = {stage: position for position, stage in enumerate(dict.fromkeys(stages))}
    return sorted(entries, key=lambda e: (min(rank[s] for s in e.stages if s in rank), e.order, e.pk))


def _fitting(entries: list[FaqEntry], stages: list[str]) -> list[FaqEntry]:
    """The preparation and procedure entries of any of `stages`: the message's own stage (the first) first, then the
    stages folded into it. Background and after entries never go in a reminder."""
    wanted = set(stages)
    return _by_stage([e for e in entries if e.kind in FaqEntry.KINDS_IN_REMINDERS and wanted & set(e.stages)], stages)


def faq_for(procedure_type_id: int, stages: list[str]) -> FaqSelection:
    """What an email of `stages` carries: its first FAQ_IN_AN_EMAIL entries, and the preparation points of the stage
    nearest the appointment first (a late booking's confirmation leads with the day before's), as the patient must
    act on them soonest. One query, whatever the FAQ size; none inside faq_loaded() for the procedure types it
    loaded."""
    every = _active_faq(procedure_type_id)
    fitting = _fitting(every, stages)
    shown = fitting[:FAQ_IN_AN_EMAIL]
    nearest_first = sorted(dict.fromkeys(stages), key=_closeness, reverse=True)
    preparation = [e for e in fitting if e.kind == FaqEntry.Kind.PREPARATION and e.point]
    points = [e.point for e in _by_stage(preparation, nearest_first)][:POINTS_IN_A_MESSAGE]
    return FaqSelection(entries=shown, points=points, more=len(every) - len(shown))


def _closeness(stage: str) -> int:
    return CONTENT_STAGES.index(stage) if stage in CONTENT_STAGES else -1


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
    return {
        "short_date": clinic_time.short_date(moment),
        "long_date": clinic_time.long_date(moment),
        "time": clinic_time.time_of_day(moment),
    }


def short_moment(moment: datetime) -> str:
    """How a move names its two times ("Thu 3 Dec 11:30"), in the email and in the text."""
    return clinic_time.short_date_time(moment)


def _short(when: dict[str, str]) -> str:
    return f"{when['short_date']} {when['time']}"


def context(
    appointment: Appointment,
    reminder_stage: str,
    for_start: datetime,
    content_stages: list[str],
    *,
    with_faq: bool,
    previous_start: datetime | None = None,
) -> dict:
    """The templates' context. The FAQ goes only where `with_faq` (email), and under the clinic's policy
    REMINDER_EMAIL_CONTENT=link the FAQ and the preparation points stay behind the patient's private link.
    `previous_start` is where a reschedule notice moved from; without it the notice names only the new time."""
    procedure = appointment.procedure_type
    arrival = for_start - timedelta(minutes=procedure.arrival_lead)
    when = _when(for_start)
    asap = too_late_to_arrive_early(for_start, procedure.arrival_lead)
    full = settings.REMINDER_EMAIL_CONTENT == "full"
    selection = (
        faq_for(procedure.pk, content_stages)
        if with_faq and full and content_stages
        else FaqSelection(entries=[], points=[], more=0)
    )
    link = patient_url(appointment)
    moved = reminder_stage == Stage.RESCHEDULED
    arrival_time = _when(arrival)["time"]
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
        "clinic_hours": settings.CLINIC_OPENING_HOURS,
        "sms_name": settings.CLINIC_SMS_NAME,
        "link": link,
        "faq_link": f"{link}#faq",
        "confirmed": appointment.status == Appointment.Status.CONFIRMED,
        "full": full,
        "faq": selection.entries,
        "points": selection.points,
        "more_questions": selection.more,
        # Moved back to the time the patient last heard of: nothing to move "from"; the notice names the time.
        "moved_from": short_moment(previous_start) if moved and previous_start and previous_start != for_start else "",
        "moved_to": _short(when),
        "arrival_time": arrival_time,
        "arrive_asap": asap,
        "arrive": ARRIVE_AS_SOON_AS_YOU_CAN if asap else f"please arrive by {arrival_time}",
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


# Ever shorter versions of a text: with the arrival time; without it (or "arrive asap"); the fewest words; and, last,
# a move that names only its new time.
SMS_LEVELS = ({"level": 0}, {"level": 1}, {"level": 2}, {"level": 2, "moved_from": ""})


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
    event.add("summary", f"Hospital appointment ({ctx['sms_name']})")
    event.add("location", f"{ctx['place']}, {ctx['clinic_address']}")
    if cancelled:
        event.add("description", f"Cancelled. To book a new time, call {ctx['clinic_phone']}.")
    else:
        event.add("description", f"{ctx['arrive'][:1].upper()}{ctx['arrive'][1:]}. Details: {ctx['link']}")
    event.add("sequence", invitation_sequence(appointment))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event["organizer"] = _organizer()
    if appointment.patient.email:
        event.add("attendee", _attendee(appointment))
    cal.add_component(event)
    return cal.to_ical()
