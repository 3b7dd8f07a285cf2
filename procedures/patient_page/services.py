"""What a patient can do from their private page, and what staff do about it.

Like `procedures.services`, these are the only code that writes these rows; each runs in one transaction, under
the appointment's row lock, so a patient's tap and a member of staff cancelling at the same moment cannot cross.
The appointment's status still moves only through `procedures.services` (confirm, cancel).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import update_change_reason

from reminders import services as reminders

from .. import clinic_time, languages
from ..languages import ENGLISH
from ..models import Appointment, FaqEntry, Patient, PatientCall, PatientRequest, PreparationRead, SafetyAnswers
from ..services import BookingError, cancel_appointment, confirm_attendance, reschedule_appointment
from ..services.patients import update_patient
from ..translations import faq_in, preparation_in, stored_code, with_translations
from .free_times import is_offered

# The same answers sent again this soon (a double tap, a reloaded form) are the same submission, not a new one.
SAME_ANSWERS_WINDOW = timedelta(minutes=10)


class PatientActionError(Exception):
    """The patient cannot do this any more (the appointment has begun, or is over); the message says so plainly."""


# --- What the page shows, as a record --------------------------------------------------------------------------------


def preparation_lines(procedure_type) -> list[str]:
    """The procedure type's preparation text as a list, one item per line ("- " bullets or not)."""
    text = preparation_in(translation.get_language(), procedure_type)  # in the page's language (or English)
    lines = (line.strip().lstrip("-•*").strip() for line in text.splitlines())
    return [line for line in lines if line]


def faq_entries(procedure_type) -> list[FaqEntry]:
    """The FAQ on the patient's page: the one the reminders carry from (FaqEntry.objects.for_patients), in the page's
    language (procedures.translations)."""
    entries = with_translations(FaqEntry.objects.for_patients().filter(procedure_type=procedure_type))
    return faq_in(translation.get_language(), entries)


def preparation_content(procedure_type, entries: list[FaqEntry] | None = None) -> dict:
    """Exactly what the page shows under "Getting ready" and "Your questions answered": kept with a read."""
    entries = faq_entries(procedure_type) if entries is None else entries
    content = {
        "preparation": preparation_lines(procedure_type),
        "faq": [{"id": e.pk, "topic": e.topic, "question": e.question, "answer": e.answer} for e in entries],
    }
    language = stored_code(translation.get_language())
    if language != ENGLISH:  # which words were read (an English read's record, and hash, are as before)
        content["language"] = language
    return content


def content_hash(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- The patient's actions ------------------------------------------------------------------------------------------


def _open_for_patient(appointment: Appointment) -> Appointment:
    """The appointment, locked, if the patient may still act on it (it is upcoming); otherwise PatientActionError."""
    current = (
        Appointment.objects.select_for_update(of=("self",)).select_related("procedure_type").get(pk=appointment.pk)
    )
    if not current.has_upcoming_status:
        raise PatientActionError(_("Your appointment is already under way or over, so this can no longer be changed."))
    if not current.is_upcoming():
        raise PatientActionError(_("The time of your appointment has come, so this can no longer be changed here."))
    return current


class StaleContent(PatientActionError):
    """The preparation or FAQ changed after the patient's page was drawn: they should read the new version."""


@transaction.atomic
def record_preparation_read(appointment: Appointment, *, seen_hash: str) -> tuple[PreparationRead, bool]:
    """The patient read the preparation: record when and what they saw. Tapping twice records it once.

    `seen_hash` is the hash of the content their page showed; if staff changed it since, nothing is recorded and
    StaleContent asks them to read the new version. Returns (the read, whether it is new)."""
    current = _open_for_patient(appointment)
    content = preparation_content(current.procedure_type)
    digest = content_hash(content)
    if seen_hash != digest:
        raise StaleContent(_("The preparation has just been updated. Please read it again below, then tap the button."))
    existing = PreparationRead.objects.filter(appointment=current, content_hash=digest).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            read = PreparationRead.objects.create(appointment=current, content=content, content_hash=digest)
    except IntegrityError:  # the same tap arrived twice at once; the row lock makes this unlikely, not impossible
        return PreparationRead.objects.get(appointment=current, content_hash=digest), False
    return read, True


@transaction.atomic
def answer_safety_questions(appointment: Appointment, *, note: str = "", **answers: str) -> tuple[SafetyAnswers, bool]:
    """Keep the patient's answers (one keyword per question in `SafetyAnswers.QUESTIONS`, each "yes", "no" or
    "unsure") with the time; earlier answers stay on record. Returns (answers, whether new)."""
    if set(answers) != set(SafetyAnswers.QUESTION_FIELDS):
        raise TypeError(f"Answer exactly the questions {', '.join(SafetyAnswers.QUESTION_FIELDS)}")
    current = _open_for_patient(appointment)
    given = SafetyAnswers(appointment=current, note=(note or "").strip(), **answers)
    given.full_clean(exclude=["appointment"])
    latest = SafetyAnswers.objects.filter(appointment=current).first()
    if latest and latest.same_answers_as(given) and timezone.now() - latest.answered_at < SAME_ANSWERS_WINDOW:
        return latest, False
    given.save()
    return given, True


@transaction.atomic
def request_change(appointment: Appointment, *, kind: str, message: str = "") -> tuple[PatientRequest, bool]:
    """The patient asks to move or cancel; staff see it on /requests/ and on the appointment. One open request per
    appointment: asking again while one waits returns it unchanged. Returns (request, whether new)."""
    if kind not in PatientRequest.Kind.values:
        raise ValueError(f"Unknown request kind {kind!r}")
    current = _open_for_patient(appointment)
    waiting = PatientRequest.objects.awaiting_staff().changes().filter(appointment=current).first()
    if waiting:
        return waiting, False
    request = PatientRequest(appointment=current, kind=kind, message=(message or "").strip())
    request.full_clean(exclude=["appointment"])
    request.save()
    return request, True


def record_message(appointment: Appointment, *, message: str) -> PatientRequest:
    """The patient's own words by text, for staff on /requests/, linked to the appointment the conversation is
    about: every message is kept, beside any request to move or cancel."""
    return PatientRequest.objects.create(
        appointment=appointment, kind=PatientRequest.Kind.MESSAGE, message=(message or "").strip()[:1000]
    )


@transaction.atomic
def answer_text(appointment: Appointment, *, intent: str, body: str) -> str:
    """A patient's reply by text, as reminders.services.conversations read it: "confirm" confirms the appointment as
    the page's button does, "move" asks staff to move it as the page's request does; anything else, or what can no
    longer be done (the appointment has begun, or is cancelled), reaches staff in their words. Returns what was
    done: "confirmed", "move" or "message"."""
    if intent == "confirm" and appointment.is_upcoming():
        try:
            with transaction.atomic():
                confirm_attendance(appointment)
                acknowledge_move(appointment)  # confirming the new time is seeing it
            return "confirmed"
        except BookingError:
            pass
    if intent == "move":
        try:
            with transaction.atomic():
                request_change(appointment, kind=PatientRequest.Kind.RESCHEDULE, message=f"By text: {body.strip()}")
            return "move"
        except PatientActionError:
            pass
    record_message(appointment, message=body)
    return "message"


def acknowledge_move(appointment: Appointment) -> bool:
    """The patient has seen that their appointment moved ("Got it", or confirming the new time): their page stops
    saying "moved from". Returns whether it was saying so; a second tap is harmless."""
    return bool(Appointment.objects.filter(pk=appointment.pk, moved_from__isnull=False).update(moved_from=None))


CHOSEN_ON_THE_PAGE = "The patient chose this language on their page."


@transaction.atomic
def choose_language(appointment: Appointment, *, language: str) -> str:
    """The patient chose, on their page, the language they read: it is kept on the patient (their history says they
    chose it), so their page and every message from now on are in it. Choosing the language they are already spoken
    in changes nothing (a patient whose own language is not offered keeps it on record, with the interpreter
    sentence). Returns the language they are now spoken in."""
    if language not in languages.offered():
        raise ValueError(f"{language!r} is not offered to patients (PATIENT_LANGUAGES)")
    patient = appointment.patient
    if languages.spoken_in(patient.language) == language:
        return language
    current = update_patient(patient, language=language)
    update_change_reason(current, CHOSEN_ON_THE_PAGE)
    return languages.spoken_in(current.language)


@transaction.atomic
def restart_reminders(appointment: Appointment) -> frozenset[str]:
    """The patient who stopped reminders wants them again: the opt-out is lifted, and every coming appointment's
    reminders still ahead come back through the same re-sync as any other change (those the stop cancelled reopen,
    missing ones are made, stages already past stay closed). Texts stay off after a STOP reply until the patient
    replies START (`Patient.reminder_channels`). Returns the channels reminders now go by; restarting twice is
    harmless."""
    patient = Patient.objects.select_for_update().get(pk=appointment.patient_id)
    if patient.reminders_opt_out_at is not None:
        patient.reminders_opt_out_at = None
        patient.save(update_fields=["reminders_opt_out_at"])
        reminders.resume(patient)
    return patient.reminder_channels()


class TimeTaken(PatientActionError):
    """The chosen time is not free any more (or was never offered): the page shows fresh times."""


# Kept as the history row's change reason, and as the note on the request staff see done.
MOVED_BY_PATIENT = "Moved by the patient on their page"


@transaction.atomic
def choose_new_time(appointment: Appointment, *, start: datetime) -> tuple[Appointment, PatientRequest]:
    """The patient picks one of the times their page offers. With PATIENT_SELF_RESCHEDULE "direct" the appointment
    moves (reschedule_appointment: the move notice, reminders re-planned, the reason in its history) and staff see a
    request already done on /requests/; with "request" it waits there for staff to approve with one click.

    `start` is checked against freshly computed offers, and a time someone took a moment earlier is refused by the
    booking's own checks (the exclusion constraint in a race): TimeTaken either way, nothing booked twice."""
    mode = settings.PATIENT_SELF_RESCHEDULE
    if mode not in ("direct", "request"):
        raise PatientActionError(_("Please ask us to change your appointment below."))
    current = _open_for_patient(appointment)
    if not is_offered(current, start):
        raise TimeTaken(_("Sorry, that time is no longer free. Please choose another time below."))
    waiting = PatientRequest.objects.awaiting_staff().changes().select_for_update().filter(appointment=current).first()
    if mode == "request":
        if waiting:
            return current, waiting
        request = PatientRequest.objects.create(
            appointment=current, kind=PatientRequest.Kind.RESCHEDULE, chosen_start=start
        )
        return current, request
    old_start = current.scheduled_start
    try:
        with transaction.atomic():
            moved = reschedule_appointment(current, new_start=start, reason=MOVED_BY_PATIENT)
    except BookingError as exc:
        raise TimeTaken(_("Sorry, that time is no longer free. Please choose another time below.")) from exc
    note = f"{MOVED_BY_PATIENT}, from {clinic_time.short_date_time(old_start)} to {clinic_time.short_date_time(start)}."
    # Her own move answers a request to move that was waiting; a request to cancel stays for staff.
    answered = waiting if waiting and waiting.kind == PatientRequest.Kind.RESCHEDULE else None
    request = answered or PatientRequest(appointment=moved, kind=PatientRequest.Kind.RESCHEDULE)
    request.chosen_start = start
    return moved, _done_by_her(request, note=note)


def _done_by_her(request: PatientRequest, *, note: str) -> PatientRequest:
    """What the patient did herself on her page (a move, a cancellation), kept as a request staff see already dealt
    with on /requests/, with `note` saying what happened."""
    request.status = PatientRequest.Status.DONE
    request.handled_at = timezone.now()
    request.handled_note = note[:200]
    request.save()
    return request


# The words kept with the cancellation (its reason on file and its history), and the note staff see done.
CANCELLED_BY_PATIENT = "Cancelled by the patient on their page"


@transaction.atomic
def cancel_herself(appointment: Appointment, *, reason_code: str, message: str = "") -> PatientRequest:
    """With PATIENT_SELF_RESCHEDULE "direct", the patient cancels at once, for one of the reasons her page offers:
    through cancel_appointment (the cancellation notice goes, reminders close, the reason is kept), and staff see a
    request to cancel already done on /requests/, with her words. A request of hers still waiting is answered by it.
    Cancelling twice, or once the appointment has begun, raises PatientActionError and changes nothing."""
    if settings.PATIENT_SELF_RESCHEDULE != "direct":
        raise PatientActionError(_("Please ask us to cancel your appointment below."))
    current = _open_for_patient(appointment)
    message = (message or "").strip()
    label = Appointment.CancelReason(reason_code).label
    words = f"{CANCELLED_BY_PATIENT} ({label})" + (f": {message}" if message else "")
    limit = Appointment._meta.get_field("cancellation_reason").max_length
    cancel_appointment(current, reason_code=reason_code, reason=words[:limit])
    note = f"{CANCELLED_BY_PATIENT}: {label}."
    waiting = list(PatientRequest.objects.awaiting_staff().changes().select_for_update().filter(appointment=current))
    told = next((r for r in waiting if r.kind == PatientRequest.Kind.CANCEL), None)
    for request in waiting:
        if request is not told:
            close_request(request, by=None, note=note)
    told = told or PatientRequest(appointment=current, kind=PatientRequest.Kind.CANCEL)
    told.message = "\n\n".join(part for part in (told.message, message) if part)[:1000]
    return _done_by_her(told, note=note)


# --- What staff do about it ------------------------------------------------------------------------------------------


@transaction.atomic
def close_request(request: PatientRequest, *, by: AbstractBaseUser | None, note: str = "") -> PatientRequest:
    """Staff have dealt with a request (moved the appointment, called the patient, ...). Closing twice is harmless."""
    current = PatientRequest.objects.select_for_update().get(pk=request.pk)
    if not current.is_awaiting_staff:
        return current
    current.status = PatientRequest.Status.DONE
    current.handled_by = by
    current.handled_at = timezone.now()
    current.handled_note = (note or "").strip()
    current.save(update_fields=["status", "handled_by", "handled_at", "handled_note"])
    return current


@transaction.atomic
def cancel_as_requested(request: PatientRequest, *, by: AbstractBaseUser | None, reason: str = "") -> PatientRequest:
    """Cancel the appointment the patient asked to cancel (through the booking service) and close the request,
    together or not at all. BookingError, as from cancel_appointment, if it cannot be cancelled."""
    current = PatientRequest.objects.select_for_update().select_related("appointment").get(pk=request.pk)
    reason = (reason or "").strip() or "The patient asked to cancel from their page."
    cancel_appointment(current.appointment, reason_code="patient_request", reason=reason, by=by)
    return close_request(current, by=by, note="Cancelled the appointment.")


def log_call(appointment: Appointment, *, by: AbstractBaseUser | None, note: str = "") -> PatientCall:
    """Staff called the patient: this takes the appointment off the call list until the patient answers again."""
    return PatientCall.objects.create(appointment=appointment, called_by=by, note=(note or "").strip())


@transaction.atomic
def move_as_requested(request: PatientRequest, *, by: AbstractBaseUser | None) -> PatientRequest:
    """Staff approve the time the patient chose (PATIENT_SELF_RESCHEDULE "request"): the appointment moves through
    the booking service and the request closes, together or not at all. BookingError if the time is gone."""
    current = PatientRequest.objects.select_for_update().select_related("appointment").get(pk=request.pk)
    if current.chosen_start is None or not current.is_awaiting_staff:
        raise BookingError("This request has no time to approve.")
    reschedule_appointment(
        current.appointment, new_start=current.chosen_start, reason="Moved to the time the patient chose", by=by
    )
    return close_request(
        current, by=by, note=f"Moved to {clinic_time.short_date_time(current.chosen_start)}, as chosen."
    )
