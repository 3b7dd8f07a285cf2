"""The patient's page behind the private link: what it shows, what it refuses, and what a tap records."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from procedures import services as booking
from procedures.links import patient_token, patient_url
from procedures.models import Appointment
from reminders.models import Reminder
from reminders.stages import Stage
from tests.factories import PatientFactory, ProcedureTypeFactory, RoomFactory, next_clinic_day
from tests.messages import render_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache")]


@pytest.fixture
def appointment():
    return booking.book_appointment(
        patient=PatientFactory(given_name="Amelia", family_name="Hughes", mrn="RX424242"),
        procedure_type=ProcedureTypeFactory(),
        room=RoomFactory(name="Mammo Room 1", location="Level 2, Rose Wing, first door on the left"),
        scheduled_start=next_clinic_day(days_ahead=9),
        laterality="left",
        discharge="bloody",
    )


def page_of(appointment) -> str:
    return f"/p/{patient_token(appointment)}/"


def test_the_link_in_a_reminder_opens_the_patients_page_with_time_place_and_preparation(client, appointment):
    assert patient_url(appointment).endswith(page_of(appointment))
    response = client.get(page_of(appointment))
    assert response.status_code == 200
    text = response.content.decode()
    local = timezone.localtime(appointment.scheduled_start)
    assert "Hello Amelia" in text
    assert local.strftime("%H:%M") in text
    assert (local - timedelta(minutes=15)).strftime("%H:%M") in text  # arrive by
    assert "About 45 minutes" in text
    assert "first door on the left" in text
    assert "two-piece outfit" in text
    assert "<details>" in text and "Does it hurt?" in text


def test_the_page_never_shows_the_mrn_date_of_birth_or_family_name(client, appointment):
    text = client.get(page_of(appointment)).content.decode()
    born = appointment.patient.date_of_birth
    for secret in ("RX424242", "Hughes", born.isoformat(), born.strftime("%d/%m/%Y"), f"{born:%-d %B %Y}"):
        assert secret not in text


@pytest.mark.parametrize("tamper", ["change_a_character", "drop_the_signature", "nonsense"])
def test_a_tampered_link_is_a_plain_404(client, appointment, tamper):
    token = patient_token(appointment)
    bad = {
        "change_a_character": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "drop_the_signature": token.split(".")[0],
        "nonsense": "12345.abcdef",
    }[tamper]
    response = client.get(f"/p/{bad}/")
    assert response.status_code == 404
    assert "Amelia" not in response.content.decode()


def test_a_token_names_only_its_own_appointment(client, appointment):
    other = booking.book_appointment(
        patient=PatientFactory(given_name="Priya"),
        procedure_type=ProcedureTypeFactory(),
        room=RoomFactory(name="Mammo Room 2"),
        scheduled_start=next_clinic_day(days_ahead=9),
        laterality="right",
        discharge="clear",
    )
    assert "Hello Priya" in client.get(page_of(other)).content.decode()
    assert "Hello Priya" not in client.get(page_of(appointment)).content.decode()
    forged = f"{other.pk}.{patient_token(appointment).split('.')[1]}"
    assert client.get(f"/p/{forged}/").status_code == 404


def test_the_link_expires_at_the_end_of_the_appointments_day_and_says_nothing(client, appointment):
    end_of_day = timezone.localtime(appointment.scheduled_start).replace(hour=23, minute=59)
    with time_machine.travel(end_of_day, tick=False):
        assert client.get(page_of(appointment)).status_code == 200
    with time_machine.travel(end_of_day + timedelta(minutes=2), tick=False):
        expired = client.get(page_of(appointment))
    assert expired.status_code == 404
    assert expired.content == client.get("/p/12345.abcdef/").content


def test_a_cancelled_appointments_link_gives_404_and_a_moved_ones_still_works(client, appointment):
    moved = booking.reschedule_appointment(appointment, new_start=appointment.scheduled_start + timedelta(hours=2))
    assert client.get(page_of(moved)).status_code == 200
    booking.cancel_appointment(moved, reason_code="unwell", reason="Patient unwell")
    assert client.get(page_of(moved)).status_code == 404


def test_confirming_in_one_tap_makes_the_appointment_confirmed_and_the_48_hour_text_stops_asking(client, appointment):
    before = render_for(appointment, Stage.TWO_DAYS_BEFORE, "sms", appointment.scheduled_start, []).text
    assert "Please confirm" in before

    response = client.post(f"{page_of(appointment)}confirm/", follow=True)

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert "we have recorded that you are coming" in response.content.decode()
    assert "You have told us you are coming" in response.content.decode()
    after = render_for(appointment, Stage.TWO_DAYS_BEFORE, "sms", appointment.scheduled_start, []).text
    assert "Please confirm" not in after
    assert client.get(f"{page_of(appointment)}confirm/").status_code == 405


def test_stopping_reminders_asks_first_then_cancels_what_is_pending_and_records_when(client, appointment):
    confirm_page = client.get(f"{page_of(appointment)}stop/")
    assert confirm_page.status_code == 200
    assert appointment.reminders.filter(status=Reminder.Status.PENDING).exists()
    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at is None  # looking is not stopping

    done = client.post(f"{page_of(appointment)}stop/")

    assert done.status_code == 200
    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at is not None
    assert not appointment.reminders.filter(status=Reminder.Status.PENDING).exists()
    assert "Reminders stopped" in done.content.decode()


def test_requests_from_one_address_are_rate_limited(client, appointment, settings):
    settings.PATIENT_PAGE_RATE_LIMIT = 5
    codes = [client.get(page_of(appointment)).status_code for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2
    assert client.get(page_of(appointment), REMOTE_ADDR="10.9.8.7").status_code == 200
