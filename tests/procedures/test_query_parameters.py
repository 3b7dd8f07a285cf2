"""What a link carries (a day, a start, an id, search words) is read strictly, once, in `procedures.params`: a
value typed or pasted into the address bar gets the page, with a word about what could not be read, never a server
error. "Now" is Wed 5 June 2030, 12:00 London."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from procedures import params
from procedures.models import Appointment
from tests.clinic import THURSDAY, TODAY, at
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "ductogram")]

BOOK_URL = reverse("procedures:book")
ODD_DAYS = [
    "0001-01-01",
    "9999-12-31",
    "1899-12-31",
    "2200-01-01",
    "2030-02-30",
    "yesterday",
    "99999999999999999999999",
    "-1",
    "２０３０-０６-０６",  # full-width digits
    "2030-0٦-06",  # an Arabic-Indic six
    "2030-06-06\x00",
    "20300606",
    "2030-W23-4",
    "x" * 5000,
]


@pytest.fixture
def staff(scheduler):
    """A signed-in scheduler whose client answers a server error with a 500 page instead of raising it."""
    client = Client(raise_request_exception=False)
    client.force_login(scheduler)
    return client


@pytest.mark.parametrize("page", ["procedures:day", "procedures:week", "procedures:day-print"])
@pytest.mark.parametrize("value", ODD_DAYS)
def test_the_schedule_pages_answer_any_date_parameter_without_a_server_error(staff, room1, page, value):
    response = staff.get(reverse(page), {"date": value})
    assert response.status_code == 200
    assert response.context["day"] == TODAY
    assert "is not a date (use YYYY-MM-DD, from 1900 to 2199); showing today." in response.content.decode()


@pytest.mark.parametrize("page", ["procedures:day", "procedures:week", "procedures:day-print"])
@pytest.mark.parametrize("value", ["1900-01-01", "2199-12-31"])
def test_the_first_and_last_days_of_the_calendar_show_with_their_neighbours(staff, room1, page, value):
    response = staff.get(reverse(page), {"date": value})
    assert response.status_code == 200
    assert response.context["day"] == date.fromisoformat(value)
    assert "is not a date" not in response.content.decode()


def test_a_date_too_long_to_quote_is_quoted_short_and_without_its_control_characters(staff, room1):
    html = staff.get(reverse("procedures:day"), {"date": "\x1b[31m" + "9" * 200}).content.decode()
    assert "&#x27;?[31m99999" in html and "…&#x27; is not a date" in html
    assert "9" * 60 not in html and "\x1b" not in html


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999999", "9223372036854775808", "-1", "0", "1e3", " 7"])
def test_the_booking_page_reads_query_ids_strictly(staff, room1, value):
    patient = PatientFactory(family_name="Hughes")
    response = staff.get(BOOK_URL, {"patient": value, "room": value})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial.get("room") is None
    assert patient.pk not in form.patient_choice_ids
    assert "That patient was not found; search again." in response.content.decode()


def test_a_link_to_a_known_patient_and_room_fills_them_in(staff, room1, room2):
    patient = PatientFactory(family_name="Hughes")
    form = staff.get(BOOK_URL, {"patient": patient.pk, "room": room2.pk}).context["form"]
    assert str(form["patient"].value()) == str(patient.pk) and str(form["room"].value()) == str(room2.pk)
    assert not form.link_patient_error


def test_a_link_to_a_patient_who_does_not_exist_says_so_on_the_patient_field(staff, room1):
    page = staff.get(BOOK_URL, {"patient": "424242"})
    assert page.status_code == 200
    assert "That patient was not found; search again." in page.content.decode()


@pytest.mark.parametrize(
    "start",
    [
        "9999-12-31T23:59-12:00",
        "0001-01-01T00:00+14:00",
        "9999-12-31T23:59",
        "0001-01-01T00:00",
        "1900-01-01T00:30+14:00",  # 1899 in London
        "2199-12-31T23:30-12:00",  # 2200 in London
        "２０３０-06-06T10:00",
        "2030-06-06T10:00\x00",
        "2030-06-06T25:00",
        "2030-06-06T10:00" + "0" * 500,
    ],
)
def test_a_start_in_a_link_at_the_ends_of_the_calendar_gets_the_form_without_it(staff, room1, start):
    response = staff.get(BOOK_URL, {"start": start})
    assert response.status_code == 200
    assert "start_date" not in response.context["form"].initial


def test_a_start_in_another_zone_is_shown_in_clinic_time(staff, room1):
    form = staff.get(BOOK_URL, {"start": "2030-06-06T09:15 00:00"}).context["form"]  # the "+" arrived as a space
    assert form.initial["start_date"] == "2030-06-06" and form.initial["start_time"] == "10:15"


@pytest.mark.parametrize(
    "take_slot",
    [
        "9999-12-31T23:59-12:00",
        "0001-01-01T00:00+14:00",
        "9999-12-31T23:59-12:00@1",
        "2030-06-06T10:00@²",
        "2030-06-06T10:00@٣",
        "2030-06-06T10:00@99999999999999999999999",
        "2030-06-06T10:00@-1",
        "\x00@\x00",
    ],
)
def test_take_slot_at_the_ends_of_the_calendar_gets_a_page(staff, room1, take_slot):
    patient = PatientFactory()
    data = {
        "action": "book",
        "patient_source": "existing",
        "patient": str(patient.pk),
        "room": str(room1.pk),
        "start_date": THURSDAY.isoformat(),
        "start_time": "10:00",
        "expected_duration": "45",
        "laterality": "left",
        "discharge": "bloody",
        "take_slot": take_slot,
    }
    response = staff.post(BOOK_URL, data)
    assert response.status_code < 500
    if "@" in take_slot and take_slot.startswith("2030"):  # a good time with a room that means nothing: that time,
        appointment = Appointment.objects.get()  # in the room typed
        assert appointment.room == room1 and appointment.scheduled_start == at(THURSDAY, "10:00")


@pytest.mark.parametrize("query", ["Hughes\x00", "\x00", "Hug\x1bhes", "Hughes " * 200])
def test_a_search_no_patient_could_match_finds_nobody_and_says_so(staff, room1, query):
    PatientFactory(family_name="Hughes")
    for response in (
        staff.get(BOOK_URL, {"q": query}),
        staff.post(BOOK_URL, {"action": "search", "patient_source": "existing", "patient_query": query}),
    ):
        assert response.status_code == 200
        assert response.context["form"].found_ids == []
        assert "No patient has that MRN or name." in response.content.decode()


def test_the_search_box_refuses_control_characters_on_its_field_when_booking(staff, room1):
    patient = PatientFactory(family_name="Hughes")
    data = {
        "action": "book",
        "patient_source": "existing",
        "patient": str(patient.pk),
        "patient_query": "Hughes\x00",
        "room": str(room1.pk),
        "start_date": THURSDAY.isoformat(),
        "start_time": "10:00",
        "expected_duration": "45",
        "laterality": "left",
        "discharge": "bloody",
    }
    response = staff.post(BOOK_URL, data)
    assert response.status_code == 200
    assert response.context["form"].errors["patient_query"] == [
        "Remove the invisible control characters from this text."
    ]
    assert Appointment.objects.count() == 0


def test_the_parsers_return_none_for_anything_they_cannot_read():
    assert params.parse_day("2030-06-05") == date(2030, 6, 5)
    assert params.parse_day(None) is None and params.parse_day("") is None
    assert params.parse_id("42") == 42 and params.parse_id(42) == 42
    for value in (None, "", "0", "-1", "²", "٣", "1e3", " 7", "7 ", "9223372036854775808", True, 0, 2**63):
        assert params.parse_id(value) is None, value
    assert params.parse_start("2030-06-06T10:00") == at(THURSDAY, "10:00")
    assert params.parse_start("2030-06-06T09:00+00:00") == at(THURSDAY, "10:00")
    assert params.parse_start("2030-03-31T01:30") is None  # the clocks skip it


@pytest.mark.parametrize(
    "zone, day, at_time",
    [
        ("Asia/Tokyo", "0001-01-01", "00:00"),  # east of Greenwich, this has no UTC instant: it would be year 0
        ("America/New_York", "9999-12-31", "23:45"),  # west of it, year 10000
        ("Europe/London", "1899-12-31", "10:00"),
    ],
)
def test_a_booked_date_at_the_ends_of_the_calendar_is_refused_on_the_date_field(
    staff, room1, settings, zone, day, at_time
):
    settings.TIME_ZONE = zone
    data = {
        "action": "book",
        "patient_source": "existing",
        "patient": str(PatientFactory().pk),
        "room": str(room1.pk),
        "start_date": day,
        "start_time": at_time,
        "expected_duration": "45",
        "laterality": "left",
        "discharge": "bloody",
    }
    response = staff.post(BOOK_URL, data)
    assert response.status_code == 200
    assert response.context["form"].errors["start_date"] == ["Choose a date from 1900 to 2199."]
    assert not Appointment.objects.exists()
