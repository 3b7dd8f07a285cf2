"""The schedules memoise each booking's markup in the process (procedures/schedule/markup.py), keyed by everything
the block is made of. These are the desk's stories of a day already on screen: whatever changes, the next look shows
it at once, and nothing is ever drawn from before the change."""

from datetime import timedelta

import pytest
from django.urls import reverse

from procedures.patient_page import services as patient_services
from procedures.schedule import markup
from procedures.services import (
    cancel_appointment,
    check_in,
    reschedule_appointment,
    update_patient,
)
from tests.clinic import FRIDAY, MONDAY, THURSDAY, TODAY, at
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

ALL_CLEAR = {
    "discharge_present": "yes",
    "pregnant": "no",
    "contrast_allergy": "no",
    "infection": "no",
    "blood_thinners": "no",
}


@pytest.fixture(autouse=True)
def empty_memo():
    markup.forget()
    yield
    markup.forget()


def day_html(client, day) -> str:
    response = client.get(reverse("procedures:day"), {"date": day.isoformat()})
    assert response.status_code == 200
    return response.content.decode()


def grid_part(html: str) -> str:
    """The grid only (not the list of cancelled appointments under it)."""
    return html.split('<div class="schedule-grid"', 1)[1].split("Cancelled or did not attend", 1)[0]


def week_days(client, day) -> dict:
    response = client.get(reverse("procedures:week"), {"date": day.isoformat()})
    assert response.status_code == 200
    return {d.day: d.bookings_html for d in response.context["days"]}


def amelia():
    return PatientFactory(given_name="Amelia", family_name="Hughes")


def test_a_second_look_at_a_day_reuses_each_bookings_markup(as_scheduler, book):
    book(at(THURSDAY, "09:00"), patient=amelia())
    book(at(THURSDAY, "10:00"))
    first = grid_part(day_html(as_scheduler, THURSDAY))
    hits, misses = markup.memo_counts()
    assert grid_part(day_html(as_scheduler, THURSDAY)) == first
    assert markup.memo_counts() == (hits + 2, misses)


def test_a_new_booking_shows_at_once_on_a_day_already_on_screen(as_scheduler, book):
    book(at(THURSDAY, "09:00"))
    assert "Amelia Hughes" not in day_html(as_scheduler, THURSDAY)
    book(at(THURSDAY, "11:00"), patient=amelia())
    html = day_html(as_scheduler, THURSDAY)
    assert "Amelia Hughes" in grid_part(html) and "11:00–11:45" in html


def test_moving_a_booking_to_another_day_takes_it_off_the_first_and_onto_the_second(as_scheduler, book):
    appointment = book(at(THURSDAY, "09:00"), patient=amelia())
    assert "Amelia Hughes" in day_html(as_scheduler, THURSDAY)
    assert "Amelia Hughes" not in day_html(as_scheduler, FRIDAY)
    assert "Amelia Hughes" in week_days(as_scheduler, THURSDAY)[THURSDAY]

    reschedule_appointment(appointment, new_start=at(FRIDAY, "14:00"))

    assert "Amelia Hughes" not in day_html(as_scheduler, THURSDAY)
    friday = day_html(as_scheduler, FRIDAY)
    assert "Amelia Hughes" in grid_part(friday) and "14:00–14:45" in friday
    week = week_days(as_scheduler, THURSDAY)
    assert "Amelia Hughes" not in week[THURSDAY] and "Amelia Hughes" in week[FRIDAY]


def test_moving_a_booking_within_the_day_redraws_it_at_the_new_time(as_scheduler, book, room2):
    appointment = book(at(THURSDAY, "09:00"), patient=amelia())
    assert "09:00–09:45" in day_html(as_scheduler, THURSDAY)
    reschedule_appointment(appointment, new_start=at(THURSDAY, "11:00"), room=room2)
    html = day_html(as_scheduler, THURSDAY)
    assert "09:00–09:45" not in html and "11:00–11:45" in html
    assert 'data-grid-col="3" data-grid-row="38"' in html  # room 2's column; header row + 36 five-minute rows


def test_cancelling_takes_the_block_off_the_grid_and_lists_it_below(as_scheduler, book):
    appointment = book(at(THURSDAY, "09:00"), patient=amelia())
    assert "Amelia Hughes" in grid_part(day_html(as_scheduler, THURSDAY))
    cancel_appointment(appointment, reason_code="patient_request")
    html = day_html(as_scheduler, THURSDAY)
    assert '<div class="booking status-' not in html
    assert "Cancelled or did not attend" in html and "Amelia Hughes" in html.split("Cancelled or did not attend")[1]


def test_checking_in_shows_at_once(as_scheduler, book):
    appointment = book(at(TODAY, "13:00"), patient=amelia())
    assert "status-booked" in grid_part(day_html(as_scheduler, TODAY))
    check_in(appointment)
    html = grid_part(day_html(as_scheduler, TODAY))
    assert '<div class="booking status-checked_in"' in html and "Checked in" in html
    assert "status-booked" not in html


def test_what_the_patient_or_staff_change_shows_at_once(as_scheduler, book):
    appointment = book(at(THURSDAY, "09:00"), patient=amelia())
    assert "Safety answers" not in day_html(as_scheduler, THURSDAY)
    update_patient(appointment.patient, family_name="Hughes-Ward")
    assert "Amelia Hughes-Ward" in day_html(as_scheduler, THURSDAY)
    patient_services.answer_safety_questions(appointment, **{**ALL_CLEAR, "pregnant": "unsure"})
    assert "flag-pregnancy_unsure" in day_html(as_scheduler, THURSDAY)
    patient_services.request_change(appointment, kind="cancel", message="I am away")
    assert "Asks to cancel" in day_html(as_scheduler, THURSDAY)
    assert "Asks to cancel" in week_days(as_scheduler, THURSDAY)[THURSDAY]


def test_the_unread_preparation_flag_appears_when_two_days_are_left_with_nothing_else_changed(
    as_scheduler, scheduler, book, frozen_now
):
    book(at(MONDAY, "10:00"), patient=amelia())
    assert "Preparation not read" not in day_html(as_scheduler, MONDAY)
    assert "Preparation not read" not in week_days(as_scheduler, MONDAY)[MONDAY]
    frozen_now.move_to(at(MONDAY, "10:00") - timedelta(hours=47))
    as_scheduler.force_login(scheduler)  # a sign-in lasts a working day
    assert "Preparation not read" in day_html(as_scheduler, MONDAY)
    assert "Preparation not read" in week_days(as_scheduler, MONDAY)[MONDAY]
