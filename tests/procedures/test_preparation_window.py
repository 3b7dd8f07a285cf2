"""A booking made inside the preparation window (issue 18): the patient may already have squeezed or checked for
discharge, so staff see a flag on the schedules, the worklist and the appointment page, and the confirmation says what
to do instead. "Now" is Wednesday 5 June 2030, 12:00 in London; a ductogram's preparation starts 3 days before."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from procedures.models import Appointment
from procedures.patient_page import selectors
from procedures.preparation import booked_inside_preparation, preparation_opens_on
from procedures.services import cancel_appointment
from tests.clinic import FAR, FRIDAY, MONDAY, NOW, TODAY, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

FLAG = "Booked inside the preparation window"


def test_the_window_opens_the_preparation_days_before_the_appointments_day():
    assert preparation_opens_on(at(MONDAY, "10:00"), 3) == date(2030, 6, 7)
    assert preparation_opens_on(at(MONDAY, "00:30"), 3) == date(2030, 6, 7)  # clinic days, not 72 hours


@pytest.mark.parametrize(
    "start, inside",
    [
        (at(FRIDAY, "10:00"), True),  # two days ahead: the window opened on Tuesday
        (at(date(2030, 6, 8), "10:00"), True),  # Saturday: it opens today
        (at(date(2030, 6, 9), "10:00"), False),  # Sunday: it opens tomorrow
        (at(MONDAY, "10:00"), False),
    ],
)
def test_booked_inside_the_window_counts_clinic_days(start, inside):
    assert booked_inside_preparation(NOW, start, 3) is inside


def test_a_booking_two_days_ahead_is_flagged_on_the_day_and_appointment_pages(book, as_scheduler):
    late = book(at(FRIDAY, "10:00"))
    early = book(at(MONDAY, "10:00"))

    assert {f.code for f in selectors.flags_for(late)} >= {"prep_late"}
    day = as_scheduler.get(reverse("procedures:day"), {"date": FRIDAY.isoformat()}).content.decode()
    week = as_scheduler.get(reverse("procedures:week"), {"date": FRIDAY.isoformat()}).content.decode()
    printed = as_scheduler.get(reverse("procedures:day-print"), {"date": FRIDAY.isoformat()}).content.decode()
    for html in (day, week, printed):
        assert html.count(FLAG) == 1, html
    detail = as_scheduler.get(reverse("procedures:appointment", args=[late.pk])).content.decode()
    assert FLAG in detail and "ask whether she has squeezed or checked for discharge" in detail
    monday = as_scheduler.get(reverse("procedures:day"), {"date": MONDAY.isoformat()}).content.decode()
    assert FLAG not in monday
    assert FLAG not in as_scheduler.get(reverse("procedures:appointment", args=[early.pk])).content.decode()


def test_the_radiologist_sees_the_flag_on_the_worklist(book, client, radiologist, frozen_now):
    frozen_now.move_to(at(TODAY, "08:00"))
    book(at(TODAY, "14:00"), radiologist=radiologist)
    frozen_now.move_to(at(TODAY, "09:00"))
    client.force_login(radiologist)

    assert FLAG in client.get(reverse("procedures:worklist")).content.decode()


def test_a_booking_made_in_good_time_is_not_flagged(book):
    appointment = book(FAR)
    flags = {f.code for f in selectors.flags_for(appointment)}
    assert "prep_late" not in flags


def test_a_cancelled_late_booking_is_not_flagged(book, frozen_now):
    late = book(at(FRIDAY, "10:00"))
    frozen_now.shift(timedelta(minutes=1))
    cancel_appointment(late, reason_code="other", reason="Because")

    assert "prep_late" not in {f.code for f in selectors.flags_for(Appointment.objects.get(pk=late.pk))}
