"""What a booking says besides the time: a discharge type chosen, never assumed; and a booking made too close to its
start for the arrival time (the procedure type's `arrival_lead`) asks the patient to arrive as soon as they can, in
every message, on their page, and in the scheduler's sentence. "Now" is Wednesday 5 June 2030, 12:00 in London."""

import pytest
from django.urls import reverse

from procedures.links import patient_token
from procedures.models import Appointment, Room
from reminders.channels.sms import all_forbidden_words, forbidden_words_in, gsm7_length
from reminders.stages import Stage
from reminders.wording import too_late_to_arrive_early
from tests.clinic import MONDAY, THURSDAY, TODAY, at
from tests.factories import PatientFactory
from tests.messages import render, render_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "ductogram", "own_cache")]

BOOK_URL = reverse("procedures:book")
ASAP = "please arrive as soon as you can"


def booking(patient, day, hhmm: str, **overrides) -> dict:
    data = {
        "action": "book",
        "room": str(Room.objects.get(name="Mammo Room 1").pk),
        "patient_source": "existing",
        "patient": str(patient.pk),
        "start_date": day.isoformat(),
        "start_time": hhmm,
        "expected_duration": "45",
        "laterality": "left",
        "discharge": "clear",
        "referrer": "",
        "notes": "",
        "radiologist": "",
        "duration_reason": "",
    }
    return data | overrides


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def confirmation(appointment: Appointment, channel: str):
    return render(appointment.reminders.get(stage=Stage.BOOKING_CONFIRMATION, channel=channel))


def test_the_discharge_type_must_be_chosen(as_scheduler, room1):
    page = as_scheduler.get(BOOK_URL)
    field = page.context["form"]["discharge"]
    assert field.value() in (None, "")
    html = page.content.decode()
    assert '<option value="" selected>Choose…</option>' in html
    assert 'value="bloody" selected' not in html
    page = as_scheduler.post(BOOK_URL, booking(PatientFactory(), THURSDAY, "10:00", discharge=""))
    assert page.status_code == 200
    assert page.context["form"].errors["discharge"] == ["Choose the discharge type."]
    assert not Appointment.objects.exists()


def test_a_booking_too_close_to_its_start_asks_the_patient_to_arrive_as_soon_as_they_can(
    as_scheduler, client, room1, frozen_now
):
    frozen_now.move_to(at(TODAY, "14:19"))
    patient = PatientFactory(given_name="Grace", family_name="Lee", mrn="RX777001")
    response = as_scheduler.post(BOOK_URL, booking(patient, TODAY, "14:30"), follow=True)
    appointment = Appointment.objects.get(patient=patient)
    assert messages_of(response)[0] == (
        "Booked Grace Lee (RX777001) in Mammo Room 1, Wed 5 Jun 2030 14:30-15:15; "
        "the patient is told to arrive as soon as they can."
    )

    email = confirmation(appointment, "email")
    assert ASAP in email.text and ASAP.capitalize() in email.html
    assert "arrive by" not in email.text.lower() and "arrive by" not in email.html.lower()
    assert "14:15" not in email.text
    assert f"{ASAP.capitalize()}." in email.ics.decode().replace("\r\n ", "")

    text = confirmation(appointment, "sms").text
    assert ASAP in text and "14:15" not in text
    assert gsm7_length(text) <= 160 and not forbidden_words_in(text)

    page = client.get(f"/p/{patient_token(appointment)}/").content.decode()
    assert "Please arrive as soon as you can" in page and "Arrive by" not in page


def test_a_booking_made_in_good_time_says_when_to_arrive(as_scheduler, client, room1):
    patient = PatientFactory(given_name="Grace", family_name="Lee", mrn="RX777002")
    response = as_scheduler.post(BOOK_URL, booking(patient, TODAY, "14:30"), follow=True)  # at noon
    appointment = Appointment.objects.get(patient=patient)
    assert messages_of(response)[0] == "Booked Grace Lee (RX777002) in Mammo Room 1, Wed 5 Jun 2030 14:30-15:15."
    assert "please arrive by 14:15" in confirmation(appointment, "email").text
    assert "(arrive 14:15)" in confirmation(appointment, "sms").text
    assert "Please arrive by 14:15." in confirmation(appointment, "email").ics.decode()
    assert "14:15, 15 minutes before" in client.get(f"/p/{patient_token(appointment)}/").content.decode()


def test_a_move_too_close_to_its_start_says_so_to_the_scheduler_and_in_the_moved_notice(as_scheduler, book, frozen_now):
    appointment = book(at(MONDAY, "10:00"), patient=PatientFactory(given_name="Ada", family_name="Ng"))
    frozen_now.move_to(at(TODAY, "16:05"))
    data = {"room": appointment.room_id, "start_date": TODAY.isoformat(), "start_time": "16:15"}
    response = as_scheduler.post(
        reverse("procedures:reschedule", args=[appointment.pk]),
        {**data, "expected_duration": "45", "reason": "Came in early"},
        follow=True,
    )
    assert messages_of(response)[0].endswith("; the patient is told to arrive as soon as they can.")
    # The confirmation had not gone yet, so it carries the new time (a sent one would be followed by a moved notice).
    told = appointment.reminders.get(
        stage__in=[Stage.BOOKING_CONFIRMATION, Stage.RESCHEDULED], channel="sms", for_start=at(TODAY, "16:15")
    )
    assert ASAP in render(told).text


def test_a_patient_no_message_reaches_is_told_by_the_scheduler(as_scheduler, room1, frozen_now):
    frozen_now.move_to(at(TODAY, "14:19"))
    patient = PatientFactory(email="", mobile="", channels=[], mrn="RX777003")
    response = as_scheduler.post(BOOK_URL, booking(patient, TODAY, "14:30"), follow=True)
    assert messages_of(response)[0].endswith("; tell the patient to arrive as soon as they can.")


def test_the_rule_is_the_arrival_lead_before_the_start(ductogram):
    start = at(THURSDAY, "10:00")
    assert not too_late_to_arrive_early(start, 15, now=at(THURSDAY, "09:45"))
    assert too_late_to_arrive_early(start, 15, now=at(THURSDAY, "09:46"))


def test_the_late_arrival_text_fits_one_segment_with_a_production_address(book, settings, frozen_now):
    settings.SITE_URL = "https://prep.riverside.nhs.uk"
    appointment = book(at(TODAY, "14:30"))
    frozen_now.move_to(at(TODAY, "14:25"))
    for stage in (Stage.BOOKING_CONFIRMATION, Stage.RESCHEDULED, Stage.DAY_BEFORE):
        text = render_for(appointment, stage, "sms", appointment.scheduled_start, [stage]).text
        assert gsm7_length(text) <= 160, text
        assert "as soon as you can" in text or "arrive asap" in text, text  # shortened for a long address
        assert not set(forbidden_words_in(text)) & set(all_forbidden_words())
