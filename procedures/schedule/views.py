"""The schedules staff see: one clinic day (rooms by time), a week, and the day's printed list.

Views read requests and render pages; what they show is read by the rest of this package (`day_schedule`,
`week_schedule`, `appointments_between`), in a fixed number of queries however busy the day.
"""

from datetime import date, timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import clinic_time, params, schedule
from ..access import can_book, staff_required
from .day_list import day_list


def _nav(url_name: str, previous: date, following: date) -> dict[str, str]:
    url = reverse(url_name)
    return {
        # Schedules link to hundreds of appointments: one reverse(), not one per booking.
        "appointment_url_prefix": reverse("procedures:appointment", args=[0]).removesuffix("0/"),
        "form_action": url,
        "today_url": url,
        "previous_url": f"{url}?date={clinic_time.iso_day(previous)}",
        "next_url": f"{url}?date={clinic_time.iso_day(following)}",
    }


def _day_from_query(request: HttpRequest) -> date:
    day, problem = params.day_or_today(request.GET.get("date"))
    if problem:
        messages.warning(request, problem)
    return day


@require_GET
@staff_required()
def day_view(request: HttpRequest) -> HttpResponse:
    """One clinic day, rooms by time, in a fixed number of queries however busy the day."""
    day = _day_from_query(request)
    today = timezone.localdate()
    return render(
        request,
        "procedures/day.html",
        {
            "schedule": schedule.day_schedule(day),
            "day": day,
            "today": today,
            "can_book": can_book(request.user),
            **_nav("procedures:day", schedule.step_clinic_day(day, -1), schedule.step_clinic_day(day, 1)),
        },
    )


@require_GET
@staff_required()
def week_view(request: HttpRequest) -> HttpResponse:
    day = _day_from_query(request)
    monday = schedule.week_start(day)
    return render(
        request,
        "procedures/week.html",
        {
            "days": schedule.week_schedule(day),
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "today": timezone.localdate(),
            "day": day,
            **_nav("procedures:week", monday - timedelta(days=7), monday + timedelta(days=7)),
        },
    )


@require_GET
@staff_required()
def day_print(request: HttpRequest) -> HttpResponse:
    """The list the nurses print each morning: every live booking of the day, by room, then time, with whether the
    patient confirmed and read the preparation, her safety answers' flags and her phone numbers."""
    day, problem = params.day_or_today(request.GET.get("date"))  # said on the page, which shows no messages
    return render(request, "procedures/day_print.html", {"day": day, "lines": day_list(day), "date_problem": problem})
