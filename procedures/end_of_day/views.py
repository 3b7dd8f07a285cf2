"""The end of the day's list, and its two one-click actions (also posted from the appointment page): attended, the
result now pending; did not attend, with why and the next step. Each action goes back to `next` (a path on this
site), else to the appointment's page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .. import clinic_time, params, services
from ..access import ATTEND, can_log_results, staff_required
from ..models import Appointment
from ..worklist.selectors import safe_next
from .forms import DidNotAttendForm
from .selectors import awaiting_result, closes_at, earlier_days, still_open


@require_GET
@staff_required(*ATTEND)
def end_of_day(request: HttpRequest) -> HttpResponse:
    """A day's appointments still open once their start has passed (today unless `?date=`), then those checked in
    still waiting for a result, then the earlier days left open."""
    day, problem = params.day_or_today(request.GET.get("date"))
    if problem:
        messages.warning(request, problem)
    now = timezone.now()
    today = clinic_time.today(now)
    closing = closes_at(day)
    return render(
        request,
        "procedures/end_of_day/list.html",
        {
            "day": day,
            "is_today": day == today,
            "closes_at": closing,
            "still_trading": day == today and closing is not None and now < closing,
            "open_rows": still_open(day, now),
            "awaiting_rows": awaiting_result(day, now),
            "earlier": [row for row in earlier_days(today, now) if row["day"] != day],
            "form": DidNotAttendForm(),
            "here": request.get_full_path(),
            "can_log": can_log_results(request.user),
        },
    )


def _back(request: HttpRequest, appointment: Appointment) -> str:
    return safe_next(
        request.POST.get("next"),
        host=request.get_host(),
        secure=request.is_secure(),
        default=reverse("procedures:appointment", args=[appointment.pk]),
    )


def _appointment(pk: int) -> Appointment:
    return get_object_or_404(Appointment.objects.select_related("patient"), pk=pk)


@require_POST
@staff_required(*ATTEND)
def attended(request: HttpRequest, pk: int) -> HttpResponse:
    """POST only: the patient came (recorded afterwards); the result is now pending."""
    appointment = _appointment(pk)
    name = appointment.patient.full_name
    try:
        services.record_attended(appointment, by=request.user)
    except services.BookingError as exc:
        messages.error(request, str(exc))
    else:
        when = clinic_time.date_time(appointment.scheduled_start)
        messages.success(request, f"Recorded {name} as attended ({when}); the result is now pending on the worklist.")
    return redirect(_back(request, appointment))


def _next_step_words(appointment: Appointment, follow_up) -> str:
    step = appointment.no_show_next_step
    if step == Appointment.NextStep.REBOOK and follow_up is not None:
        day = clinic_time.short_date(follow_up.rebook_from)
        return f" Rebook offered: on the follow-up list for the schedulers, from {day}."
    if step:
        return f" Next step recorded: {appointment.get_no_show_next_step_display().lower()}."
    return " The next step (rebook, tell the referrer or discharge) waits on the follow-up list."


@require_POST
@staff_required(*ATTEND)
def did_not_attend(request: HttpRequest, pk: int) -> HttpResponse:
    """POST only: the patient did not come, with why and the next step (both optional for an older form: the
    follow-up list then asks for the next step)."""
    appointment = _appointment(pk)
    name = appointment.patient.full_name
    reason = next_step = ""
    if any(field in request.POST for field in DidNotAttendForm.base_fields):
        form = DidNotAttendForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"Nothing recorded for {name}: choose why, and the next step, from the lists.")
            return redirect(_back(request, appointment))
        reason, next_step = form.cleaned_data["reason"], form.cleaned_data["next_step"]
    try:
        missed = services.mark_no_show(appointment, reason=reason, next_step=next_step, by=request.user)
    except services.BookingError as exc:
        messages.error(request, str(exc))
    else:
        why = f" ({missed.get_no_show_reason_display().lower()})" if missed.no_show_reason else ""
        follow_up = getattr(missed, "follow_up", None) if next_step in ("", Appointment.NextStep.REBOOK) else None
        messages.success(request, f"Marked {name} as did not attend{why}.{_next_step_words(missed, follow_up)}")
    return redirect(_back(request, appointment))
