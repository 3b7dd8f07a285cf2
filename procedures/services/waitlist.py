"""The waiting list: a time a cancellation or a move leaves empty is offered, in rounds, to patients who said they
could come earlier at short notice (`Appointment.short_notice_ok`); the first to accept gets it.

- A freed time is recorded in the booking change's own transaction (`slot_freed`), and its first round goes at once.
- A round offers it to the next OFFER_ROUND_SIZE patients who fit (same procedure type, a booking no longer than the
  time, at least OFFER_MIN_GAIN_HOURS later than it, enough notice for them, no offer already out, reachable by text
  or email), those who booked earliest first. Each offer stays open OFFER_MINUTES; when every offer of a round has
  expired or been declined, the periodic sweep (`run_rounds`) makes the next. No round starts in the quiet hours
  (SMS_QUIET_HOURS): it waits for their end, so nobody is woken by an offer or finds it gone by morning.
- Acceptance locks the freed time, so two acceptances queue: the first moves its appointment there through
  `reschedule_appointment` (whose own rules and the database's exclusion constraints still hold) and the unique
  index on accepted offers holds if anything slipped past; the second finds it taken and keeps its time. The
  accepting patient's old time is freed in turn by the move, and offered on.
- A time staff booked meanwhile, or too close to offer, closes without an offer; a patient whose appointment is moved
  or cancelled has her offers withdrawn.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from reminders import services as reminders
from reminders.timing import quiet_until

from ..models import Appointment, FreedSlot, SlotOffer

Offer = SlotOffer.Status
Slot = FreedSlot.Status

# Why a freed time closed without being filled, in staff's words.
TOO_CLOSE = "Too close to its start to offer."
NOBODY_FITS = "Nobody on the waiting list could take it."
BOOKED_MEANWHILE = "Booked another way before anyone accepted."
OFFERS_OFF = "Offers of earlier times are switched off for this procedure (its reminder rule in the admin)."


def soonest_offered(now: datetime) -> datetime:
    """A time starting before this is not offered: the patient would have no time to answer and come."""
    return now + timedelta(minutes=settings.OFFER_MINUTES + 30)


def slot_freed(
    appointment: Appointment,
    *,
    start: datetime,
    duration: int,
    room,
    radiologist,
    cause: str,
    now: datetime | None = None,
) -> FreedSlot | None:
    """Record the time `appointment` left (a cancellation or a move, inside its transaction), withdraw the offers it
    had out for other times, and make the first round of offers. A time already past, too close, or of a procedure
    type whose offers are switched off is not recorded."""
    now = now or timezone.now()
    withdraw_offers(appointment, now=now)
    if start <= soonest_offered(now) or reminders.offer_rule(appointment.procedure_type_id) is None:
        return None
    slot = FreedSlot.objects.create(
        procedure_type_id=appointment.procedure_type_id,
        room=room,
        radiologist=radiologist,
        start=start,
        duration=duration,
        freed_by=appointment,
        cause=cause,
    )
    offer_round(slot.pk, now=now)
    return slot


def withdraw_offers(appointment: Appointment, *, now: datetime | None = None) -> int:
    """Her appointment was moved or cancelled another way: the offers she still had out no longer apply."""
    return SlotOffer.objects.filter(appointment=appointment, status=Offer.OFFERED).update(
        status=Offer.WITHDRAWN, answered_at=now or timezone.now()
    )


def close(slot: FreedSlot, status: str, note: str, now: datetime) -> None:
    slot.status, slot.note, slot.closed_at, slot.next_round_at = status, note, now, None
    slot.save(update_fields=["status", "note", "closed_at", "next_round_at"])
    slot.offers.filter(status=Offer.OFFERED).update(status=Offer.TAKEN if status != Slot.UNFILLED else Offer.EXPIRED)


def _still_free(slot: FreedSlot) -> bool:
    end = slot.start + timedelta(minutes=slot.duration)
    clash = Q(room_id=slot.room_id)
    if slot.radiologist_id:
        clash |= Q(radiologist_id=slot.radiologist_id)
    return not Appointment.objects.overlapping(slot.start, end).filter(clash).exists()


def waiting_for(slot: FreedSlot, now: datetime):
    """Appointments that could take `slot`, best first: on the waiting list, upcoming, the same procedure type, no
    longer than the time, at least OFFER_MIN_GAIN_HOURS later than it, needing no more notice than it gives, with no
    offer out already and no other appointment then, not the patient who left it; those booked earliest first."""
    end = slot.start + timedelta(minutes=slot.duration)
    worth_it = max(end, slot.start + timedelta(hours=settings.OFFER_MIN_GAIN_HOURS))
    hours_ahead = (slot.start - now).total_seconds() / 3600
    offer_out = SlotOffer.objects.filter(appointment=OuterRef("pk"), status=Offer.OFFERED, expires_at__gt=now)
    offered_this = SlotOffer.objects.filter(appointment=OuterRef("pk"), freed_slot=slot)
    busy_then = Appointment.objects.overlapping(slot.start, end).filter(patient_id=OuterRef("patient_id"))
    return (
        Appointment.objects.upcoming(now)
        .filter(
            short_notice_ok=True,
            procedure_type_id=slot.procedure_type_id,
            expected_duration__lte=slot.duration,
            scheduled_start__gte=worth_it,
            short_notice_hours__lte=hours_ahead,
        )
        .exclude(patient_id=slot.freed_by.patient_id)
        .exclude(Exists(offer_out) | Exists(offered_this) | Exists(busy_then))
        .select_related("patient", "procedure_type")
        .order_by("created_at", "pk")
    )


def offer_round(slot_id: int, *, now: datetime | None = None) -> int:
    """Expire the slot's offers whose time is up and, when none is left out, offer it to the next patients who fit;
    returns how many offers it made. Safe to run twice or at once: the slot's row lock lets one round in at a time."""
    now = now or timezone.now()
    with transaction.atomic():
        slot = FreedSlot.objects.select_for_update(of=("self",)).select_related("freed_by").get(pk=slot_id)
        if slot.status != Slot.OPEN:
            return 0
        slot.offers.filter(status=Offer.OFFERED, expires_at__lte=now).update(status=Offer.EXPIRED)
        if not _still_free(slot):
            close(slot, Slot.BOOKED, BOOKED_MEANWHILE, now)
            return 0
        if slot.offers.filter(status=Offer.OFFERED).exists() or (slot.next_round_at and slot.next_round_at > now):
            return 0
        if slot.start <= soonest_offered(now):
            close(slot, Slot.UNFILLED, TOO_CLOSE, now)
            return 0
        if (quiet_end := quiet_until(now)) is not None:
            slot.next_round_at = quiet_end
            slot.save(update_fields=["next_round_at"])
            return 0
        rule = reminders.offer_rule(slot.procedure_type_id)
        if rule is None:
            close(slot, Slot.UNFILLED, OFFERS_OFF, now)
            return 0
        made = 0
        for appointment in waiting_for(slot, now).iterator(chunk_size=50):
            if made >= settings.OFFER_ROUND_SIZE:
                break
            if not reminders.offer_reaches(appointment, rule, now=now):
                continue
            offer = SlotOffer.objects.create(
                freed_slot=slot,
                appointment=appointment,
                old_start=appointment.scheduled_start,
                offered_at=now,
                expires_at=now + timedelta(minutes=settings.OFFER_MINUTES),
            )
            reminders.offer_messages(offer, rule, now=now)
            made += 1
        if not made and not slot.offers.filter(status=Offer.OFFERED).exists():
            close(slot, Slot.UNFILLED, NOBODY_FITS, now)
        return made


def run_rounds(*, now: datetime | None = None) -> int:
    """The periodic sweep: every freed time still being offered gets its round (most do nothing: offers are out).
    Returns how many offers went."""
    now = now or timezone.now()
    # The same order on every database (times starting together in several rooms, the first freed first).
    ids = list(FreedSlot.objects.filter(status=Slot.OPEN).order_by("start", "pk").values_list("pk", flat=True)[:500])
    return sum(offer_round(pk, now=now) for pk in ids)


def answer(offer: SlotOffer, status: str, now: datetime) -> SlotOffer:
    offer.status, offer.answered_at = status, now
    offer.save(update_fields=["status", "answered_at"])
    return offer
