"""The glue between a follow-up and the booking form (/appointments/new/?rebook=<id>): "Rebook" in one click opens
the form filled for the same patient, side, discharge, referrer and radiologist, on the first day the interval
suggests, with that day's free times listed; booking one closes the follow-up as rebooked in the booking's own
transaction (procedures.services.follow_up_rebooked)."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from .. import clinic_time, services
from ..access import can_act_on_followup
from ..models import Appointment, FollowUp
from ..params import parse_id


def chosen(request: HttpRequest) -> FollowUp | None:
    """The open follow-up named by the link (`?rebook=<id>`) or the form sent back (a hidden field), when this
    account may act on it; else None."""
    source = request.POST if request.method == "POST" else request.GET
    pk = parse_id(source.get("rebook"))
    if pk is None:
        return None
    related = ("appointment__patient", "appointment__radiologist")
    found = FollowUp.objects.select_related(*related).filter(pk=pk, closed_at__isnull=True).first()
    if found is None or not can_act_on_followup(request.user, found.must_act):
        return None
    return found


def first_day(follow_up: FollowUp) -> str:
    """The day the form opens on: the interval's first day, and never before tomorrow."""
    tomorrow = clinic_time.today(timezone.now()) + timedelta(days=1)
    return clinic_time.iso_day(max(follow_up.rebook_from or tomorrow, tomorrow))


def initial(follow_up: FollowUp | None) -> dict:
    """The booking form's values for the rebook."""
    if follow_up is None:
        return {}
    before: Appointment = follow_up.appointment
    return {
        "patient_source": "existing",
        "patient": before.patient_id,
        "patient_query": before.patient.mrn,
        "laterality": before.laterality,
        "discharge": before.discharge,
        "referrer": before.referrer,
        "radiologist": before.radiologist_id,
        "room": before.room_id,
        "start_date": first_day(follow_up),
        "notes": f"Rebooked after the appointment of {clinic_time.short_date(before.scheduled_start)}.",
    }


def link(follow_up: FollowUp | None, appointment: Appointment, *, by) -> None:
    """The follow-up closed as rebooked with this appointment (BookingError, rolling the booking back, when the
    patient differs)."""
    if follow_up is not None:
        services.follow_up_rebooked(follow_up, appointment, by=by)
