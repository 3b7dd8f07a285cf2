"""Two-way texts: what a patient's reply means, once STOP and START are dealt with (replies). The reply is matched to
the patient by number and to the appointment the last text we sent that number was about; "YES" confirms it as the
page's button does, "MOVE" asks staff to move it as the page's request does, and anything else reaches staff on
/requests/ in the patient's own words. Each reply gets one short acknowledgement in the patient's language (no
clinical words in any language, one segment), answered in the webhook's own response; a reply the provider posts
again (the same MessageSid) neither acts nor answers twice."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from datetime import datetime

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from phonenumber_field.phonenumber import PhoneNumber

from procedures import clinic_time
from procedures.clinic_contact import callback_promise
from procedures.languages import speaking_to
from procedures.models import Appointment, Patient

from ..channels.sms import SmsChannel, forbidden_words_in, measure
from ..models import InboundText, Reminder

log = logging.getLogger(__name__)

# A reply is read whatever the language the patient was texted in: English, Welsh, Polish and Urdu words alike
# (each language's text asks for its own CONFIRM_WORD, which must be one of these).
CONFIRM_WORDS = {
    "yes", "y", "c", "confirm",
    "ie", "iawn", "cadarnhau",  # Welsh
    "tak", "potwierdzam",  # Polish
    "ہاں", "جی", "جی ہاں", "haan", "han", "ji",  # Urdu
}  # fmt: skip
MOVE_WORDS = {"move", "change", "symud", "newid", "zmień", "zmien", "przełóż", "przeloz", "تبدیل"}
# The word a text asks the patient to reply with to confirm, in the text's language (templates/reminders/sms.txt).
CONFIRM_WORD = pgettext_lazy("the word a patient texts back to confirm their appointment", "YES")
Outcome = InboundText.Outcome


def plain_words(body: str) -> str:
    """The reply as lower-case words without punctuation: "Yes!" and " y. " both read "yes"/"y"."""
    return " ".join(re.sub(r"[^\w ]+", " ", body).lower().split())


# What the clinic does about a reply: (appointment, intent, body) -> what was done ("confirmed", "move" or
# "message"). The webhook hands in procedures.patient_page.services.answer_text: the patient's actions are
# procedures', and procedures' services import these (bookings schedule reminders), so not the other way round.
Act = Callable[..., str]


def intent_of(body: str) -> str:
    """What a reply asks: "confirm" (YES, Y, C, CONFIRM), "move" (MOVE, CHANGE), or "" (words for staff). Only the
    whole reply counts: "yes but I may be late" is words for staff."""
    words = plain_words(body)
    if words in CONFIRM_WORDS:
        return "confirm"
    if words in MOVE_WORDS:
        return "move"
    return ""


def handle_reply(*, provider_message_id: str, sender: str, body: str, act: Act, now: datetime | None = None) -> str:
    """Act on a patient's reply (not STOP or START) through `act` and return the acknowledgement to text back; ""
    for a reply already handled (the provider posts again when our answer is slow). The reply is kept
    (InboundText) with what it did, in the same transaction as the action."""
    now = now or timezone.now()
    number = _e164(sender)
    with transaction.atomic():
        inbound, created = InboundText.objects.get_or_create(
            provider_message_id=(provider_message_id or f"no-id-{uuid.uuid4().hex}")[:64],
            defaults={"sender": (number or sender)[:32], "body": body[:1600]},
        )
        if not created:
            log.info("Reply %s handled already: not acted on again.", inbound.provider_message_id)
            return ""
        appointment = _appointment_about(number, now) if number else None
        outcome = Outcome.UNMATCHED
        if appointment is not None:
            outcome = act(appointment, intent=intent_of(body), body=body)
        reply = acknowledgement(outcome, appointment)
        InboundText.objects.filter(pk=inbound.pk).update(appointment=appointment, outcome=outcome, reply=reply)
    return reply


def _e164(sender: str) -> str:
    try:
        number = PhoneNumber.from_string(sender)
    except Exception:  # noqa: BLE001 - an unreadable number matches nobody
        return ""
    # Possible, not valid, as for STOP (replies): a number we text must be able to answer us.
    return number.as_e164 if phonenumbers.is_possible_number(number) else ""


def _appointment_about(number: str, now: datetime) -> Appointment | None:
    """The appointment the conversation is about: the one the latest text we sent to `number` was about, if it is
    still ahead; else the next appointment of a patient with that mobile, else their latest one."""
    last_text = (
        Reminder.objects.filter(
            channel=SmsChannel.slug,
            status=Reminder.Status.SENT,
            recipient=number,
            appointment__in=Appointment.objects.upcoming(now),
        )
        .select_related("appointment")
        .order_by("-sent_at", "-pk")
        .first()
    )
    if last_text is not None:
        return last_text.appointment
    patients = Patient.objects.filter(mobile=number)
    mine = Appointment.objects.filter(patient__in=patients)
    return mine.upcoming(now).order_by("scheduled_start").first() or mine.order_by("-scheduled_start").first()


def acknowledgement(outcome: str, appointment: Appointment | None) -> str:
    """One short text back, in the patient's language: the longest wording that fits one segment and names nothing
    clinical in any language. A number matching nobody is answered in English."""
    if appointment is None:
        return _acknowledgement(outcome, None)
    with speaking_to(appointment.patient):
        return _acknowledgement(outcome, appointment)


def _acknowledgement(outcome: str, appointment: Appointment | None) -> str:
    name, phone = settings.CLINIC_SMS_NAME, settings.CLINIC_PHONE
    if outcome == Outcome.CONFIRMED:
        start = appointment.scheduled_start
        date, time = clinic_time.short_date(start), clinic_time.time_of_day(start)
        options = [
            gettext("%(name)s: thank you, your appointment on %(date)s at %(time)s is confirmed.")
            % {"name": name, "date": date, "time": time},
            gettext("%(name)s: thank you, your appointment is confirmed.") % {"name": name},
            gettext("Thank you, your appointment is confirmed."),
        ]
    elif outcome == Outcome.MOVE:  # how soon we call (CALLBACK_WORKING_DAYS) while it fits; else at least that we do
        promise = callback_promise()
        options = [
            gettext("%(name)s: thank you, we will be in touch %(promise)s to find you a new time. Or call %(phone)s.")
            % {"name": name, "promise": promise, "phone": phone},
            gettext("%(name)s: thank you, we will be in touch %(promise)s to find you a new time.")
            % {"name": name, "promise": promise},
            gettext("Thank you, we will be in touch %(promise)s to find you a new time.") % {"promise": promise},
            gettext("%(name)s: thank you, we will be in touch to find you a new time.") % {"name": name},
            gettext("Thank you, we will be in touch to find you a new time."),
        ]
    elif outcome == Outcome.MESSAGE:
        options = [
            gettext("%(name)s: thank you, your message has been passed to our team. If it is urgent, call %(phone)s.")
            % {"name": name, "phone": phone},
            gettext("%(name)s: thank you, your message has been passed to our team.") % {"name": name},
            gettext("Thank you, your message has been passed to our team."),
        ]
    else:
        options = [
            gettext("%(name)s: sorry, we could not match this number to an appointment. Please call %(phone)s.")
            % {"name": name, "phone": phone},
            gettext("Sorry, we could not match this number to an appointment. Please call %(phone)s.")
            % {"phone": phone},
            gettext("Sorry, we could not match this number to an appointment. Please call us."),
        ]
    return next((text for text in options if _fits(text)), options[-1])


def _fits(text: str) -> bool:
    return measure(text).segments == 1 and not forbidden_words_in(text)
