"""The patient's page after a move (issue 18): "Your appointment has moved from ... to ..." near the top until the
patient has seen it ("Got it", or confirming the new time); the stop pages say what will still come.

"Now" is Wednesday 5 June 2030, 12:00 in London: booked for Thursday 27 June 11:30, moved to Monday 1 July 14:45."""

import re
from datetime import date, timedelta

import pytest

from procedures.links import patient_token, unsubscribe_url
from procedures.models import Appointment
from procedures.patient_page.services import acknowledge_move
from procedures.services import reschedule_appointment
from tests.clinic import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

THURSDAY_1130 = at(date(2030, 6, 27), "11:30")
MONDAY_1445 = at(date(2030, 7, 1), "14:45")
MOVED = "Your appointment has moved from Thursday 27 June at 11:30 to Monday 1 July at 14:45."


def page_of(appointment) -> str:
    return f"/p/{patient_token(appointment)}/"


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" .", ".")


@pytest.fixture
def moved(book, frozen_now):
    appointment = book(THURSDAY_1130)
    frozen_now.shift(timedelta(minutes=5))
    return reschedule_appointment(appointment, new_start=MONDAY_1445)


def test_the_page_says_the_appointment_moved_near_the_top_until_the_patient_taps_got_it(client, moved):
    html = client.get(page_of(moved)).content.decode()

    assert MOVED in plain(html)
    assert html.index('id="moved-notice"') < html.index('id="coming"')  # before anything else to do
    assert f'action="{page_of(moved)}moved/"' in html

    response = client.post(f"{page_of(moved)}moved/")

    assert response.status_code == 302 and response["Location"] == page_of(moved)
    assert Appointment.objects.get(pk=moved.pk).moved_from is None
    after = client.get(page_of(moved)).content.decode()
    assert "has moved from" not in after and 'id="moved-notice"' not in after
    assert client.post(f"{page_of(moved)}moved/").status_code == 302  # a second tap is harmless


def test_confirming_the_new_time_is_seeing_it(client, moved):
    client.post(f"{page_of(moved)}confirm/")

    appointment = Appointment.objects.get(pk=moved.pk)
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.moved_from is None
    assert "has moved from" not in client.get(page_of(moved)).content.decode()


def test_two_moves_unseen_say_from_the_time_the_patient_last_knew(client, moved, frozen_now):
    frozen_now.shift(timedelta(minutes=5))
    reschedule_appointment(moved, new_start=MONDAY_1445 + timedelta(days=1))

    said = plain(client.get(page_of(moved)).content.decode())

    assert "Your appointment has moved from Thursday 27 June at 11:30 to Tuesday 2 July at 14:45." in said


def test_a_page_that_was_never_moved_says_nothing_of_a_move(client, book):
    appointment = book(THURSDAY_1130)

    assert 'id="moved-notice"' not in client.get(page_of(appointment)).content.decode()
    assert acknowledge_move(appointment) is False


def test_the_stop_pages_say_moves_and_cancellations_still_come(client, book):
    appointment = book(THURSDAY_1130)
    still = "We will still tell you if your appointment is moved or cancelled."

    assert still in client.get(f"{page_of(appointment)}stop/").content.decode()
    assert still in client.post(f"{page_of(appointment)}stop/").content.decode()


def test_the_email_unsubscribe_pages_say_moves_and_cancellations_still_come(client, book):
    appointment = book(THURSDAY_1130)
    still = "We will still tell you if your appointment is moved or cancelled."
    link = unsubscribe_url(appointment.patient)

    assert still in client.get(link).content.decode()
    assert still in client.post(link).content.decode()
