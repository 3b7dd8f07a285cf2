"""The words every channel shares: the FAQ entries that fit a stage, the appointment's details and how its times
are said, and the arrive-by rule. Each channel (reminders.channels) assembles its own message from these; what only
one channel needs (a text's limits, an email's subject and invitation) lives with that channel.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, pgettext

from procedures import clinic_time
from procedures.languages import ENGLISH, interpreter_sentence, is_rtl
from procedures.links import offer_url, patient_url
from procedures.models import Appointment, FaqEntry, SlotOffer
from procedures.preparation import preparation_opens_on
from procedures.translations import content_loaded, directions_in, faq_in, with_translations

from .errors import ContentError
from .stages import CONTENT_STAGES, Stage

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
    return with_translations(FaqEntry.objects.for_patients().filter(procedure_type_id=procedure_type_id))


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
    every = faq_in(translation.get_language(), _active_faq(procedure_type_id))  # the patient's language's words
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
    """Within the block, faq_for answers for these procedure types from one query made here (with the entries'
    translations in every offered language), and rooms' directions in other languages are read once."""
    loaded: dict[int, list[FaqEntry]] = {pk: [] for pk in procedure_type_ids}
    if procedure_type_ids:
        entries = FaqEntry.objects.for_patients().filter(procedure_type_id__in=procedure_type_ids)
        for entry in with_translations(entries):
            loaded[entry.procedure_type_id].append(entry)
    reset = _LOADED_FAQ.set(loaded)
    try:
        with content_loaded():
            yield
    finally:
        _LOADED_FAQ.reset(reset)


# Cancellations after which there is nothing to rebook: the notice asks for questions, not for a new booking.
NOTHING_TO_REBOOK = (Appointment.CancelReason.NOT_NEEDED, Appointment.CancelReason.NO_DISCHARGE)

# Said instead of "arrive by HH:MM" when that time has gone by the time the patient hears of the booking (lazy: it
# is said in the language active where it is used).
ARRIVE_AS_SOON_AS_YOU_CAN = gettext_lazy("please arrive as soon as you can")


def arrive_by(arrival_time: str) -> str:
    """The words asking the patient to arrive by `arrival_time` ("please arrive by 14:10"), in the active language."""
    return gettext("please arrive by %(time)s") % {"time": arrival_time}


def too_late_to_arrive_early(start: datetime, arrival_lead: int, *, now: datetime | None = None) -> bool:
    """Whether the time to arrive by (`arrival_lead` minutes before `start`) has already passed: a booking or move
    made that close to its start asks the patient to arrive as soon as they can. Messages, the patient page and the
    scheduler's sentence all ask here."""
    return (now or timezone.now()) + timedelta(minutes=arrival_lead) > start


# Each count of days has its own words rather than "in %(n)s days": number words inflect with what they count (Polish
# "za dwa dni" but "za pięć dni", Welsh "ymhen deuddydd" but "ymhen tri diwrnod"), so each language says each count
# its own way. Lazy, so each message says them in the language it is made in.
IN_DAYS = {
    2: gettext_lazy("in two days"),
    3: gettext_lazy("in three days"),
    4: gettext_lazy("in four days"),
    5: gettext_lazy("in five days"),
    6: gettext_lazy("in six days"),
    7: gettext_lazy("in a week"),
}


def days_until(day: date, *, now: datetime | None = None) -> int:
    """Clinic days from the day of `now` to `day` (0 today, 1 tomorrow, negative for a day gone)."""
    return (day - clinic_time.today(now)).days


def on_day(day: date | datetime) -> str:
    """A day as a message names one further than a week away ("on Thu 4 Jul"), and every day in a letter (read days
    after it is printed), in the active language."""
    return pgettext("a day further than a week away", "on %(date)s") % {"date": clinic_time.short_date(day)}


def from_day(day: date | datetime, days: int) -> str:
    """The words after "From" (as in "From tomorrow until your appointment, ..."), `days` clinic days away: "now"
    for a day already come, "tomorrow", else the date. A context of their own, since some languages inflect them
    there (Polish "od jutra")."""
    if days <= 0:
        return pgettext("preparation starts: from ...", "now")
    if days == 1:
        return pgettext("preparation starts: from ...", "tomorrow")
    return clinic_time.short_date(day)


def relative_day(day: date, *, now: datetime | None = None, starting: bool = False) -> str:
    """`day` in the words of a message composed at `now`, in the active language, counted in clinic days (never from
    the stage's name, so a day-before reminder sent twelve days ahead by "Send now" says no "tomorrow"): "today",
    "tomorrow", "in two days" to "in six days", "in a week", else "on Thu 4 Jul". With `starting`, the words after
    "from": "now" for a day already come, "tomorrow", else "Thu 4 Jul". Rules that depend on how near the day is
    compare `days_until`, never these words."""
    days = days_until(day, now=now)
    if starting:
        return from_day(day, days)
    if days == 0:
        return pgettext("the appointment is ...", "today")
    if days == 1:
        return pgettext("the appointment is ...", "tomorrow")
    if days in IN_DAYS:
        return str(IN_DAYS[days])
    return on_day(day)


def _preparation(appointment: Appointment, for_start: datetime, now: datetime) -> dict:
    """When the preparation starts, in a message's words: "from tomorrow", or "from now" once it has started (a
    booking or a send inside the window, which also asks the patient to call if they already have)."""
    opens = preparation_opens_on(for_start, appointment.procedure_type.preparation_lead_days)
    return {
        "preparation_from": relative_day(opens, now=now, starting=True),
        "preparation_started": opens <= clinic_time.today(now),
        "preparation_days": appointment.procedure_type.preparation_lead_days,
    }


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


def draft_context(draft, *, with_faq: bool) -> dict:
    """The templates' context for a channel's Draft (reminders.channels.Draft): every channel starts here."""
    offer = offer_context(draft) if draft.stage == Stage.SLOT_OFFER else {}
    return offer | context(
        draft.appointment,
        draft.stage,
        draft.for_start,
        list(draft.content_stages),
        with_faq=with_faq,
        previous_start=draft.previous_start,
    )


def offer_context(draft) -> dict:
    """What an offer of an earlier time says: the time, until when it is open, the link to take it, and whether
    taking it would start the preparation at once (the message then says what to do from now). A draft naming no
    offer (the admin's preview of the stage) shows an example: the day after tomorrow at the appointment's time."""
    appointment = draft.appointment
    if not draft.occasion:
        now, day = timezone.now(), clinic_time.today() + timedelta(days=2)
        start = timezone.make_aware(datetime.combine(day, timezone.localtime(draft.for_start).time()))
        until, link = now + timedelta(minutes=settings.OFFER_MINUTES), f"{patient_url(appointment)}offer/0/"
    else:
        prefix, _, pk = draft.occasion.partition(":")
        offers = SlotOffer.objects.select_related("freed_slot")
        offer = offers.filter(pk=int(pk)).first() if prefix == "offer" and pk.isdecimal() else None
        if offer is None:
            raise ContentError("The offer this message was about no longer exists.")
        start, until, link = offer.freed_slot.start, offer.expires_at, offer_url(offer)
    lead_days = appointment.procedure_type.preparation_lead_days
    return {
        "offer_short_date": clinic_time.short_date(start),
        "offer_long_date": clinic_time.long_date(start),
        "offer_time": clinic_time.time_of_day(start),
        "offer_until": clinic_time.time_of_day(until),
        "offer_link": link,
        "offer_starts_preparation": preparation_opens_on(start, lead_days) <= clinic_time.today(),
    }


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
    now = timezone.now()
    appointment_day = relative_day(clinic_time.day_of(for_start), now=now)
    appointment_in = days_until(clinic_time.day_of(for_start), now=now)
    arrival_time = _when(arrival)["time"]
    patient = appointment.patient
    code = translation.get_language() or ENGLISH
    return {
        # The language the message is in (the active one: ReminderChannel.render made it the patient's), and for a
        # patient whose own language is not offered, one sentence in theirs about an interpreter ("" otherwise).
        "language_code": code,
        "language_dir": "rtl" if is_rtl(code) else "ltr",
        "language_start": "right" if is_rtl(code) else "left",
        "patient_language": patient.language,
        "patient_language_dir": "rtl" if is_rtl(patient.language) else "ltr",
        "interpreter_sentence": interpreter_sentence(patient.language),
        "stage": reminder_stage,
        "Stage": Stage,
        "patient": appointment.patient,
        "given_name": appointment.patient.given_name,
        "procedure_name": procedure.name.lower(),
        "expected_duration": appointment.expected_duration,
        "place": directions_in(translation.get_language(), appointment.room) or appointment.room.name,
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
        "arrive": str(ARRIVE_AS_SOON_AS_YOU_CAN) if asap else arrive_by(arrival_time),
        # Relative words, from the moment the message is composed.
        "appointment_day": appointment_day,
        "appointment_is_near": appointment_in in (0, 1),
        # The preparation rule goes in its own stage's message and leads any message that carries that stage.
        "with_preparation": Stage.PREPARATION_STARTS in (reminder_stage, *content_stages),
        **_preparation(appointment, for_start, now),
        # Nothing to rebook after some cancellations (not needed any more): the message says so.
        "rebook": appointment.cancel_reason_code not in NOTHING_TO_REBOOK,
        **when,
    }
