"""What the SMS provider tells us back: delivery reports for texts we sent, and replies, where STOP opts out (and
START lets texts go to that number again)."""

from __future__ import annotations

import logging
import re

import phonenumbers
from django.db import transaction
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from procedures.models import Patient

from ..models import InboundText, Reminder
from .consent import opt_out, resume, send_missed_notices
from .fallbacks import delivery_failed

log = logging.getLogger(__name__)

# A reply that is only a carrier opt-out keyword ("STOP", "Stop."), or that asks in words for no more messages
# ("stop texting me", "please unsubscribe me"). "I can't stop worrying" is not an opt-out.
STOP_KEYWORDS = {"stop", "stopall", "unsubscribe", "end", "quit", "optout", "opt out"}
STOP_PHRASE = re.compile(
    r"\bunsubscribe\b|\b(stop|no more)\W+(?:\w+\W+)?(text|texts|texting|messages?|messaging|reminders?|sms|"
    r"contacting|sending)\b",
    re.IGNORECASE,
)
START_KEYWORDS = {"start", "unstop"}
UNDELIVERED = ("failed", "undelivered")
# The provider's last word on a text: a late or repeated report of an earlier step ("sent" after "delivered": the
# provider retries, and reports can cross) never replaces it.
FINAL = ("delivered", "undelivered", "failed", "read")


def asks_to_stop(body: str) -> bool:
    words = re.sub(r"[^\w ]+", " ", body).strip().lower()
    return " ".join(words.split()) in STOP_KEYWORDS or bool(STOP_PHRASE.search(body))


def record_delivery_report(*, provider_message_id: str, status: str, error_code: str = "") -> int:
    """The provider's word on a text it accepted: kept on the reminder, with why when it did not arrive (and then the
    text falls back: fallbacks.delivery_failed). Returns how many reminders it changed: none for a message we do not
    know, for a report already recorded (the provider posts again when our answer is slow), or for an earlier step
    reported after the final one."""
    status = status[:32]
    if not (provider_message_id and status):
        return 0
    reason = f"The provider reports the text {status} (code {error_code or '?'})."
    texts = Reminder.objects.filter(provider_message_id=provider_message_id).exclude(delivery_status=status)
    if status not in FINAL:
        texts = texts.exclude(delivery_status__in=FINAL)
    changed = 0
    for text in texts:
        # One conditional UPDATE a row: of two deliveries of the same report, only one changes it and acts.
        row = Reminder.objects.filter(pk=text.pk).exclude(delivery_status=status)
        if status not in FINAL:
            row = row.exclude(delivery_status__in=FINAL)
        if not row.update(delivery_status=status):
            continue
        changed += 1
        if status in UNDELIVERED:
            delivery_failed(text, reason=reason)
    return changed


def asks_to_start(body: str) -> bool:
    """A carrier opt-in keyword ("START", "Unstop"): texts may go to that number again."""
    return " ".join(re.sub(r"[^\w ]+", " ", body).lower().split()) in START_KEYWORDS


def first_time(provider_message_id: str, sender: str, outcome: str) -> bool:
    """Keep a STOP or START by the provider's message id; False when that message was kept already (the provider
    posts again, or someone replays a signed request), so it acts once. A message without an id acts each time."""
    if not provider_message_id:
        return True
    _, created = InboundText.objects.get_or_create(
        provider_message_id=provider_message_id[:64], defaults={"sender": sender[:32], "outcome": outcome}
    )
    if not created:
        log.info("STOP/START %s handled already: not acted on again.", provider_message_id[:64])
    return created


def opt_out_by_number(number_text: str, *, provider_message_id: str = "") -> int:
    """A STOP from `number_text` opts out every patient with that mobile who has not opted out already; returns
    how many. The same reply posted again (the provider retries) opts nobody out twice and keeps the first time.
    The STOP itself is kept too (`sms_stopped_at`): restarting reminders from the patient's page never brings the
    texts back; only a START reply does. A message id seen before (kept in InboundText) does nothing."""
    with transaction.atomic():
        if not first_time(provider_message_id, number_text, InboundText.Outcome.STOPPED):
            return 0
        return _opt_out(number_text)


def _opt_out(number_text: str) -> int:
    matching = _patients_with_mobile(number_text)
    now = timezone.now()
    Patient.objects.filter(pk__in=[p.pk for p in matching], sms_stopped_at__isnull=True).update(sms_stopped_at=now)
    patients = [p for p in matching if p.reminders_opt_out_at is None]
    for patient in patients:
        opt_out(patient)
    log.info("STOP reply from a number matching %d patient(s) not yet opted out.", len(patients))
    return len(patients)


def opt_in_by_number(number_text: str, *, provider_message_id: str = "") -> int:
    """A START from `number_text` lifts that number's STOP; returns for how many patients. A patient whose
    reminders are running (restarted by email from their page since) gets the texts still ahead back at once; one
    who also stopped reminders on the page restarts them there, now texts included. A message id seen before does
    nothing."""
    with transaction.atomic():
        if not first_time(provider_message_id, number_text, InboundText.Outcome.STARTED):
            return 0
        stopped = [p for p in _patients_with_mobile(number_text) if p.sms_stopped_at is not None]
        Patient.objects.filter(pk__in=[p.pk for p in stopped]).update(sms_stopped_at=None)
        for patient in stopped:
            patient.sms_stopped_at = None
            if patient.reminders_opt_out_at is None:
                resume(patient)
            else:
                send_missed_notices(patient)  # service notices go whether or not reminders are stopped
    return len(stopped)


def _patients_with_mobile(number_text: str) -> list[Patient]:
    try:
        number = PhoneNumber.from_string(number_text)
    except Exception:  # noqa: BLE001 - an unreadable number matches nobody
        return []
    # Possible, not valid: a number we text (a range the metadata lags behind) must be able to stop us.
    if not phonenumbers.is_possible_number(number):
        return []
    return list(Patient.objects.filter(mobile=number))
