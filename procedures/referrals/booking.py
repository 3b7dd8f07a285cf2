"""The glue between a referral and the booking form (/appointments/new/?referral=<id>): the waiting referral a
booking is for, the form's values filled from it, and the link made once the appointment is booked, in the
booking's own transaction (a referral booked or rejected meanwhile refuses the booking, so nothing half happens)."""

from __future__ import annotations

from django.http import HttpRequest

from .. import services
from ..models import Appointment, Referral
from ..params import parse_id

NOTES_MAX_LENGTH = 2000


def chosen(request: HttpRequest) -> Referral | None:
    """The referral named by the link (`?referral=<id>`) or by the form sent back (a hidden field), or None."""
    source = request.POST if request.method == "POST" else request.GET
    pk = parse_id(source.get("referral"))
    if pk is None:
        return None
    return Referral.objects.select_related("patient", "client").filter(pk=pk).first()


def initial(referral: Referral | None) -> dict:
    """The booking form's values from a waiting referral: the patient (found by MRN, and chosen), side, discharge,
    referrer, and notes with the referral's identifier, priority and reason."""
    if referral is None or referral.status != Referral.Status.WAITING:
        return {}
    notes = f"Referral {referral.identifier_value} ({referral.get_priority_display().lower()})"
    if referral.reason:
        notes += f": {referral.reason}"
    found = {
        "patient_source": "existing",
        "patient": referral.patient_id,
        "patient_query": referral.patient.mrn,
        "laterality": referral.laterality,
        "referrer": referral.referrer,
        "notes": notes[:NOTES_MAX_LENGTH],
    }
    if referral.discharge:
        found["discharge"] = referral.discharge
    return found


def link(referral: Referral | None, appointment: Appointment, *, by) -> None:
    """The referral booked with this appointment (BookingError, rolling the booking back, if it no longer waits)."""
    if referral is not None:
        services.referral_booked(referral, appointment=appointment, by=by)
