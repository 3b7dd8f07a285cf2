"""The staff pages' reads of what patients sent from their page, each in a fixed number of queries.

The schedules draw hundreds of bookings, so what the badges need is annotated onto the appointments' own query
(`with_patient_flags`), and `with_flags` works out each booking's flags (as data: the templates draw them with
`{% flag_badges %}`). Pages get their data from these functions; templates only draw it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import DateTimeField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation

from reminders.models import Reminder, ReminderRule
from reminders.stages import Stage

from .. import clinic_time
from ..access import can_attend, can_move
from ..languages import ENGLISH
from ..models import Appointment, PatientCall, PatientRequest, PreparationRead, SafetyAnswers, SlotOffer
from ..noshow import risk_facts
from .flags import (
    FACTS,
    Flag,
    call_reasons,
    flags_of,
    preparation_lead_words,
    preparation_overdue,
    preparation_overdue_filter,
)
from .free_times import is_offered as is_offered  # the patient's times to choose from, read here
from .free_times import times_to_choose as times_to_choose
from .services import content_hash, preparation_content

# How far ahead the call list looks.
CALL_LIST_DAYS = 14
# How many requests dealt with the requests page lists under those waiting.
RECENTLY_DONE = 20


# The reminder whose going makes an unread preparation overdue: "staff see who has not read the preparation two
# days before".
PREPARATION_DUE_STAGE = Stage.TWO_DAYS_BEFORE


def preparation_due_at() -> ExpressionWrapper:
    """When an appointment's unread preparation becomes overdue: its start less the offset of its procedure type's
    two-days-before reminder rule, the one the admin edits (active or not: switching the reminder off does not
    move the moment staff chase). No such rule, no due time, and nothing is ever overdue. The offset counts elapsed
    time, so across a clock change the flag may come an hour before or after the reminder's wall-clock time."""
    offset = ReminderRule.objects.filter(procedure_type=OuterRef("procedure_type"), stage=PREPARATION_DUE_STAGE)
    return ExpressionWrapper(F("scheduled_start") - Subquery(offset.values("offset")[:1]), output_field=DateTimeField())


def with_patient_flags(queryset: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Annotate the facts the flags need (`flags.FACTS`) onto the appointments' query: no extra query, however many
    appointments."""
    latest = SafetyAnswers.objects.filter(appointment=OuterRef("pk")).order_by("-answered_at", "-id")
    first_read = PreparationRead.objects.filter(appointment=OuterRef("pk")).order_by("read_at")
    waiting = PatientRequest.objects.awaiting_staff().filter(appointment=OuterRef("pk"))
    texted = waiting.filter(kind=PatientRequest.Kind.MESSAGE).order_by("-created_at")
    # The latest message that did not arrive and that nothing else could carry (reminders.services.fallbacks).
    unreached = Reminder.objects.filter(appointment=OuterRef("pk"), fallback=Reminder.Fallback.CALL)
    unreached = unreached.order_by("-undelivered_at")
    last_call = PatientCall.objects.filter(appointment=OuterRef("pk")).order_by("-called_at")
    return queryset.annotate(
        pf_safety_flags=Subquery(latest.values("flags")[:1]),
        pf_safety_needs_call=Subquery(latest.values("needs_call")[:1]),
        pf_safety_at=Subquery(latest.values("answered_at")[:1]),
        pf_prep_read_at=Subquery(first_read.values("read_at")[:1]),
        pf_prep_due_at=preparation_due_at(),
        pf_request_kind=Subquery(waiting.changes().values("kind")[:1]),
        pf_message_at=Subquery(texted.values("created_at")[:1]),
        pf_unreached_at=Subquery(unreached.values("undelivered_at")[:1]),
        pf_unreached_reason=Subquery(unreached.values("last_error")[:1]),
        pf_last_call_at=Subquery(last_call.values("called_at")[:1]),
        pf_created_at=F("created_at"),
        pf_prep_lead_days=F("procedure_type__preparation_lead_days"),
        pf_language=F("patient__language"),
        pf_needs_interpreter=F("patient__needs_interpreter"),
        **risk_facts(),
    )


def with_flags(appointments: Iterable[Appointment]) -> list[Appointment]:
    """Give each appointment (annotated by `with_patient_flags`) its `flags` as of now, for the call list and the
    printed list to draw (`{% flag_badges a.flags compact=True %}`): no query per appointment."""
    now = timezone.now()
    out = []
    for appointment in appointments:
        appointment.flags = flags_of(appointment, now)
        out.append(appointment)
    return out


def with_facts(appointment: Appointment) -> Appointment:
    """The appointment with the flags' facts, fetched in one query if it came without them."""
    if not hasattr(appointment, FACTS[0]):
        facts = with_patient_flags(Appointment.objects.filter(pk=appointment.pk)).values(*FACTS).first() or {}
        for name in FACTS:
            setattr(appointment, name, facts.get(name))
    return appointment


def flags_for(appointment: Appointment, now: datetime | None = None) -> list[Flag]:
    """The badges staff see for one appointment, most urgent first (one query if it is not annotated)."""
    return flags_of(with_facts(appointment), now or timezone.now())


def call_list(now: datetime | None = None, days: int = CALL_LIST_DAYS) -> list[tuple[Appointment, list[str]]]:
    """Appointments whose patient staff should call, with why, and with their badges: in the next `days` days,
    upcoming ones whose answers or unread preparation need a call; from the day before, those likely not to attend;
    and at any distance, any appointment still ahead (a cancelled one too) whose message did not arrive and nothing
    else could carry (reminders' fallbacks). Those with a red flag (a badge of level "call") first, then the rest,
    each soonest first. Each says `is_urgent`. One query."""
    now = now or timezone.now()
    coming = with_patient_flags(
        Appointment.objects.filter(scheduled_start__gt=now).select_related("patient", "room", "procedure_type")
    )
    soon = Q(status__in=Appointment.UPCOMING, scheduled_start__lt=now + timedelta(days=days)) & (
        Q(pf_safety_needs_call=True) | preparation_overdue_filter(now)
    )
    # Tomorrow's and today's: those likely not to attend are called the day before (`noshow.call_the_day_before`).
    day_after_tomorrow = clinic_time.day_start(clinic_time.today(now) + timedelta(days=2))
    soon |= Q(status__in=Appointment.UPCOMING, scheduled_start__lt=day_after_tomorrow)
    coming = coming.filter(soon | Q(pf_unreached_at__isnull=False)).order_by("scheduled_start")
    rows = [(appointment, call_reasons(appointment, now)) for appointment in coming]
    rows = [(appointment, reasons) for appointment, reasons in rows if reasons]
    for appointment, _ in rows:
        appointment.is_urgent = any(flag.level == "call" for flag in flags_of(appointment, now))
    rows.sort(key=lambda row: not row[0].is_urgent)  # stable: each group stays soonest first
    with_flags(appointment for appointment, _ in rows)
    return rows


def waiting_requests() -> list[PatientRequest]:
    """Requests waiting for staff, oldest first (they have waited longest). Each says `changed_since` when staff
    have moved or cancelled the appointment since it was made, so they close it. One query."""
    waiting = list(
        PatientRequest.objects.awaiting_staff()
        .select_related("appointment__patient", "appointment__room")
        .order_by("created_at")
    )
    for r in waiting:
        r.changed_since = r.appointment.status_changed_at > r.created_at
    return waiting


def recently_done(limit: int = RECENTLY_DONE) -> list[PatientRequest]:
    """The last requests staff dealt with, newest first. One query."""
    done = PatientRequest.objects.filter(status=PatientRequest.Status.DONE)
    return list(done.select_related("appointment__patient", "handled_by").order_by("-handled_at")[:limit])


def _answer_rows(answers: SafetyAnswers) -> list[dict]:
    return [
        {
            "question": shown.question.question,
            "answer": shown.answer,
            "flagged": shown.flag is not None,
            "needs_call": shown.flag is not None and SafetyAnswers.FLAGS[shown.flag][1],
        }
        for shown in answers.shown()
    ]


def appointment_panel(appointment: Appointment, user) -> dict:
    """Everything the patient said from their page, for the appointment page's panel (and the badges by its
    status). Six queries, however much they said: the flags' facts, answers, reads, the FAQ (is the read current?),
    requests and calls."""
    now = timezone.now()
    with_facts(appointment)
    answers = list(SafetyAnswers.objects.filter(appointment=appointment))
    reads = list(PreparationRead.objects.filter(appointment=appointment))
    with translation.override(reads[0].content.get("language", ENGLISH) if reads else ENGLISH):  # as it was read
        current_hash = content_hash(preparation_content(appointment.procedure_type))
    requests = list(PatientRequest.objects.filter(appointment=appointment).select_related("handled_by"))
    for r in requests:
        r.appointment = appointment  # the request's actions read its status: no query for each
    latest = answers[0] if answers else None
    return {
        "appointment": appointment,
        "flags": flags_for(appointment, now),
        "call_reasons": call_reasons(appointment, now),
        "latest_answers": latest,
        "answer_rows": _answer_rows(latest) if latest else [],
        "earlier_answers": [(a, [SafetyAnswers.FLAGS[c][0] for c in a.flags.split()]) for a in answers[1:]],
        "reads": reads,
        "read_is_current": bool(reads) and reads[0].content_hash == current_hash,
        "preparation_overdue": preparation_overdue(appointment, now),
        "preparation_lead": preparation_lead_words(appointment),
        "requests": requests,
        "calls": list(PatientCall.objects.filter(appointment=appointment).select_related("called_by")),
        "can_handle": can_attend(user),
        "can_cancel": can_move(user),
        "is_upcoming": appointment.is_upcoming(now),
    }


def open_offer_for(appointment: Appointment) -> SlotOffer | None:
    """An offer of an earlier time she can still take (the waiting list), for the notice at the top of her page."""
    offers = SlotOffer.objects.still_open(timezone.now()).filter(appointment=appointment)
    return offers.select_related("freed_slot").first()
