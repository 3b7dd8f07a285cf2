"""The waiting list for staff: /waitlist/ shows who is waiting and what became of each freed time; an appointment's
page ticks a patient onto the list (POST /waitlist/<id>/), with the notice she needs."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .. import services
from ..access import MOVE, VIEW, staff_required
from ..models import Appointment
from .selectors import SHOWN_DAYS, freed_times, tally, waiting


@require_GET
@staff_required(VIEW)
def waitlist(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "procedures/waitlist/waitlist.html",
        {
            "waiting": waiting(),
            "freed": freed_times(),
            "tally": tally(),
            "shown_days": SHOWN_DAYS,
            "offer_minutes": settings.OFFER_MINUTES,
        },
    )


@require_POST
@staff_required(*MOVE)
def short_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The tick on the appointment's page: on the list with the notice needed, or off it."""
    appointment = get_object_or_404(Appointment, pk=pk)
    ok = request.POST.get("short_notice_ok") == "on"
    try:
        hours = int(request.POST.get("short_notice_hours", appointment.short_notice_hours))
        services.set_short_notice(appointment, ok=ok, hours=hours, by=request.user)
    except (ValueError, services.BookingError) as exc:
        messages.error(request, str(exc) if isinstance(exc, services.BookingError) else "Choose the notice needed.")
    else:
        said = "On the waiting list: earlier times will be offered." if ok else "Off the waiting list."
        messages.success(request, said)
    return redirect(f"{reverse('procedures:appointment', args=[pk])}#waiting-list")
