"""The patient's answers to an offer of an earlier time (the waiting list, procedures.services.waitlist), and going
on the list or off it."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Appointment, FreedSlot, SlotOffer
from .booking import BookingError, reschedule_appointment
from .waitlist import BOOKED_MEANWHILE, Offer, Slot, answer, close, offer_round, withdraw_offers

# Kept as the reason of the appointment's history row when a patient takes an earlier time.
TOOK_AN_EARLIER_TIME = "Took an earlier time offered from the waiting list"


def accept_offer(offer: SlotOffer, *, now: datetime | None = None) -> SlotOffer:
    """The patient takes the offered time. Returns the offer as it now stands: accepted (her appointment has moved
    there), or taken, expired, declined or withdrawn (she keeps her time). Asking twice answers the same."""
    now = now or timezone.now()
    with transaction.atomic():
        slot = FreedSlot.objects.select_for_update().get(pk=offer.freed_slot_id)
        current = SlotOffer.objects.select_related("appointment").get(pk=offer.pk)
        if current.status != Offer.OFFERED:
            return current
        if current.expires_at <= now:
            return answer(current, Offer.EXPIRED, now)
        if slot.status != Slot.OPEN:
            return answer(current, Offer.TAKEN, now)
        try:
            with transaction.atomic():
                answer(current, Offer.ACCEPTED, now)
                slot.status, slot.filled_by, slot.closed_at = Slot.FILLED, current.appointment, now
                slot.save(update_fields=["status", "filled_by", "closed_at"])
                # The others' offers close before the move offers her old time on: they may want it too.
                slot.offers.filter(status=Offer.OFFERED).update(status=Offer.TAKEN)
                # She has her earlier time: off the list, so one cancellation moves her once, not along a chain of
                # ever slightly earlier times (her page lets her join again).
                Appointment.objects.filter(pk=current.appointment_id).update(short_notice_ok=False)
                reschedule_appointment(
                    current.appointment,
                    new_start=slot.start,
                    room=slot.room,
                    radiologist=slot.radiologist,
                    unassign_radiologist=slot.radiologist_id is None,
                    reason=TOOK_AN_EARLIER_TIME,
                    to_a_freed_time=True,  # a time someone held, perhaps booked before the slot step was set
                )
        except (BookingError, IntegrityError):
            # Booked another way a moment ago (staff, or a time the database refuses): she keeps her time.
            current.refresh_from_db()
            close(slot, Slot.BOOKED, BOOKED_MEANWHILE, now)
            return answer(current, Offer.TAKEN, now)
        return current


def decline_offer(offer: SlotOffer, *, now: datetime | None = None) -> SlotOffer:
    """She would rather keep her time: the offer closes and, if it was the last one out, the next round goes now."""
    now = now or timezone.now()
    with transaction.atomic():
        current = SlotOffer.objects.select_for_update().get(pk=offer.pk)
        if current.status != Offer.OFFERED:
            return current
        # Past its time it has expired, as an acceptance would be told; the sweep passes it on.
        answer(current, Offer.EXPIRED if current.expires_at <= now else Offer.DECLINED, now)
    offer_round(current.freed_slot_id, now=now)
    return current


@transaction.atomic
def set_short_notice(
    appointment: Appointment, *, ok: bool, hours: int | None = None, by: AbstractBaseUser | None = None
) -> Appointment:
    """Put an upcoming appointment on the waiting list (or take it off), with the notice the patient needs. Staff
    tick it on the appointment's page; the patient says so on hers."""
    current = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if ok and not current.has_upcoming_status:
        raise BookingError("Only an upcoming appointment can go on the waiting list.")
    hours = current.short_notice_hours if hours is None else hours
    if hours not in Appointment.ShortNotice.values:
        raise BookingError("Choose how much notice the patient needs.")
    if (current.short_notice_ok, current.short_notice_hours) == (ok, hours):
        return current
    current.short_notice_ok, current.short_notice_hours = ok, hours
    if by is not None:
        current._history_user = by
    current._change_reason = "On the waiting list" if ok else "Off the waiting list"
    current.save(update_fields=["short_notice_ok", "short_notice_hours"])
    if not ok:
        withdraw_offers(current)
    return current
