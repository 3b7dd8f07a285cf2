"""Booking at the scheduling desk: find or register the patient, pick a time, and meet a conflict gracefully."""

import re
from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from procedures.models import Appointment, Patient
from tests.clinic import FRIDAY, MONDAY, THURSDAY, at
from tests.factories import AppointmentFactory, PatientFactory, RadiologistFactory, RoomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "ductogram")]

BOOK_URL = reverse("procedures:book")


def booking(patient=None, **overrides) -> dict:
    """The form as a scheduler fills it in: Thursday 10:00, the usual 45 minutes."""
    data = {
        "action": "book",
        "patient_source": "existing",
        "patient": str(patient.pk) if patient else "",
        "start_date": THURSDAY.isoformat(),
        "start_time": "10:00",
        "expected_duration": "45",
        "laterality": "left",
        "discharge": "bloody",
        "referrer": "Mr Hale, Breast Clinic",
        "notes": "",
        "radiologist": "",
        "duration_reason": "",
    }
    data.update({k: str(v) for k, v in overrides.items()})
    return data


def new_patient(**overrides) -> dict:
    data = {
        "patient_source": "new",
        "new-mrn": "RX300001",
        "new-given_name": "Ngozi",
        "new-family_name": "Eze",
        "new-date_of_birth": "1977-05-23",
        "new-email": "ngozi@example.com",
        "new-mobile": "+447911123456",
        "new-channels": ["email", "sms"],
    }
    data.update(overrides)
    return data


def test_the_booking_form_starts_with_the_usual_45_minutes(as_scheduler, room1):
    page = as_scheduler.get(BOOK_URL)
    assert page.status_code == 200
    assert page.context["form"]["expected_duration"].value() == 45
    html = page.content.decode()
    assert "Usually 45; 30-60 minutes without a reason." in html
    assert 'name="patient_query"' in html and 'name="new-mrn"' in html


def test_a_click_on_a_free_time_in_the_schedule_fills_in_room_date_and_time(as_scheduler, room1, room2):
    page = as_scheduler.get(BOOK_URL, {"room": room2.pk, "start": "2030-06-06T14:15"})
    form = page.context["form"]
    assert str(form["room"].value()) == str(room2.pk)
    assert form["start_date"].value() == "2030-06-06" and form["start_time"].value() == "14:15"


def test_a_patient_is_found_by_mrn_or_by_name_without_losing_what_was_typed(as_scheduler, room1, room2):
    wanted = PatientFactory(mrn="RX123456", given_name="Amelia", family_name="Hughes")
    PatientFactory(mrn="RX999999", given_name="Amelia", family_name="Smith")
    for query, expected in (("RX123456", [wanted]), ("hughes amelia", [wanted]), ("amelia", None)):
        page = as_scheduler.post(
            BOOK_URL, booking(action="search", patient_query=query, room=room2.pk, notes="Prefers mornings")
        )
        assert page.status_code == 200
        form = page.context["form"]
        found = list(form.fields["patient"].queryset)
        assert found == expected if expected else len(found) == 2
        assert form["notes"].value() == "Prefers mornings" and str(form["room"].value()) == str(room2.pk)
        assert not form.errors  # a search is not a submission
    assert Appointment.objects.count() == 0


def test_enter_in_the_search_box_finds_rather_than_books(as_scheduler, room1):
    wanted = PatientFactory(given_name="Priya", family_name="Shah")
    page = as_scheduler.post(BOOK_URL, booking(action="book", patient_query="Shah", room=room1.pk))
    assert page.status_code == 200
    assert list(page.context["form"].fields["patient"].queryset) == [wanted]
    assert not page.context["form"].errors
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize("typed", ["zoe oneill", "ZOË O'NEILL", "H-77881"])
def test_the_booking_search_finds_a_patient_as_the_patients_page_does(as_scheduler, room1, typed):
    wanted = PatientFactory(given_name="Zoë", family_name="O'Neill", mrn="H-77881")
    PatientFactory(given_name="Zoe", family_name="Adams")
    page = as_scheduler.post(BOOK_URL, booking(action="search", patient_query=typed, room=room1.pk))
    assert list(page.context["form"].fields["patient"].queryset) == [wanted]


@pytest.mark.postgres
def test_a_name_only_spelled_alike_comes_after_those_as_typed_and_says_so(as_scheduler, room1):
    """Choosing the wrong patient is the danger: "hughs" finds Ann Hughs first, then Amelia Hughes, marked."""
    alike = PatientFactory(given_name="Amelia", family_name="Hughes")
    typed = PatientFactory(given_name="Zara", family_name="Hughs")
    page = as_scheduler.post(BOOK_URL, booking(action="search", patient_query="hughs", room=room1.pk))
    field = page.context["form"].fields["patient"]
    assert list(field.queryset) == [typed, alike]  # not by name: Hughes would sort first
    assert "similar spelling" in field.label_from_instance(alike)
    assert "similar spelling" not in field.label_from_instance(typed)
    assert "HUGHES, Amelia" in page.content.decode().split("HUGHS, Zara")[1]


def test_the_start_time_box_steps_as_bookable_starts_do(as_scheduler, settings):
    settings.SLOT_STEP_MINUTES = 20
    html = as_scheduler.get(BOOK_URL).content.decode()
    [box] = re.findall(r'<input [^>]*name="start_time"[^>]*>', html)
    assert 'step="1200"' in box


def test_a_search_that_finds_nobody_says_so(as_scheduler, room1):
    page = as_scheduler.post(BOOK_URL, booking(action="search", patient_query="Nobody"))
    assert "No patient has that MRN or name." in page.content.decode()


def test_a_scheduler_books_an_existing_patient_and_lands_on_the_appointment(as_scheduler, scheduler, room1):
    patient = PatientFactory(given_name="Amelia", family_name="Hughes", mrn="RX123456")
    radiologist = RadiologistFactory(first_name="Adaeze", last_name="Okafor")
    response = as_scheduler.post(BOOK_URL, booking(patient, room=room1.pk, radiologist=radiologist.pk), follow=True)
    appointment = Appointment.objects.get()
    assert response.redirect_chain == [(reverse("procedures:appointment", args=[appointment.pk]), 302)]
    assert appointment.patient == patient and appointment.radiologist == radiologist
    assert appointment.scheduled_start == at(THURSDAY, "10:00")
    assert appointment.created_by == scheduler and appointment.referrer == "Mr Hale, Breast Clinic"
    assert "Booked Amelia Hughes (RX123456) in Mammo Room 1, Thu 6 Jun 2030 10:00-10:45." in response.content.decode()


def test_a_new_patient_is_registered_and_booked_in_one_go(as_scheduler, room1):
    response = as_scheduler.post(BOOK_URL, {**booking(room=room1.pk), **new_patient()}, follow=True)
    assert response.status_code == 200
    patient = Patient.objects.get(mrn="RX300001")
    assert Appointment.objects.get().patient == patient
    assert str(patient.mobile) == "+447911123456"
    assert "no reminders will go" not in response.content.decode()


def test_a_new_patient_with_an_mrn_already_registered_is_refused_at_the_field(as_scheduler, room1):
    PatientFactory(mrn="RX300001")
    page = as_scheduler.post(BOOK_URL, {**booking(room=room1.pk), **new_patient()})
    assert page.status_code == 200
    assert "Patient with this MRN already exists." in page.content.decode()
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize(
    "details, why",
    [
        ({"email": "", "mobile": ""}, "has no email address or mobile number for the reminders they chose"),
        ({"channels": []}, "has asked for no reminders"),
        ({"reminders_opt_out_at": timezone.now}, "has asked for no reminders"),
    ],
    ids=["no-contact", "chose-none", "opted-out"],
)
def test_a_patient_no_reminder_can_reach_is_booked_with_a_warning(as_scheduler, room1, details, why):
    details = {k: v() if callable(v) else v for k, v in details.items()}
    patient = PatientFactory(given_name="Helen", family_name="Baker", **details)
    response = as_scheduler.post(BOOK_URL, booking(patient, room=room1.pk), follow=True)
    html = response.content.decode()
    assert Appointment.objects.filter(patient=patient).exists()
    assert f"Helen Baker {why}: no reminders will go." in html
    assert "alert-warning" in html


def test_a_conflict_keeps_the_form_says_what_is_in_the_way_and_offers_the_next_free_times(as_scheduler, room1):
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "10:00"), expected_duration=45)
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "11:00"), expected_duration=60)
    patient = PatientFactory(given_name="Amelia", family_name="Hughes")
    page = as_scheduler.post(BOOK_URL, booking(patient, room=room1.pk, start_time="10:15", notes="Anxious"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Mammo Room 1 is booked 10:00-10:45 for another patient." in html
    offered = [timezone.localtime(s).strftime("%a %H:%M") for s in page.context["offered"]]
    # Next starts after 10:15 where 45 minutes fit: not 10:45 (runs into 11:00), then from 12:00 on.
    assert offered == ["Thu 12:00", "Thu 12:15", "Thu 12:30", "Thu 12:45", "Thu 13:00", "Thu 13:15"]
    assert html.count('name="take_slot"') == 6
    form = page.context["form"]
    assert form["notes"].value() == "Anxious" and form["start_time"].value() == "10:15"
    assert Appointment.objects.count() == 2


def test_an_offered_time_books_with_everything_else_as_typed(as_scheduler, room1):
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "10:00"))
    patient = PatientFactory()
    data = booking(patient, room=room1.pk, notes="Anxious", take_slot=at(THURSDAY, "12:00").isoformat())
    response = as_scheduler.post(BOOK_URL, data)
    assert response.status_code == 302
    booked = Appointment.objects.get(patient=patient)
    assert booked.scheduled_start == at(THURSDAY, "12:00") and booked.notes == "Anxious"


def test_a_refused_new_patient_booking_registers_nobody_so_it_can_be_sent_again(as_scheduler, room1):
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "10:00"))
    page = as_scheduler.post(BOOK_URL, {**booking(room=room1.pk), **new_patient()})
    assert "is booked 10:00-10:45" in page.content.decode()
    assert not Patient.objects.filter(mrn="RX300001").exists()
    assert page.context["patient_form"]["mrn"].value() == "RX300001"  # still filled in
    slot = page.context["offered"][0]
    response = as_scheduler.post(BOOK_URL, {**booking(room=room1.pk), **new_patient(), "take_slot": slot.isoformat()})
    assert response.status_code == 302
    assert Appointment.objects.get(patient__mrn="RX300001").scheduled_start == slot


def test_when_the_day_is_full_the_next_clinic_days_times_are_offered(as_scheduler, room1):
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "08:00"), expected_duration=240, duration_reason="x")
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "12:00"), expected_duration=240, duration_reason="x")
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "16:00"), expected_duration=120, duration_reason="x")
    page = as_scheduler.post(BOOK_URL, booking(PatientFactory(), room=room1.pk, start_time="09:00"))
    offered = [timezone.localtime(s).strftime("%a %H:%M") for s in page.context["offered"]]
    assert offered[0] == "Fri 08:00" and len(offered) == 6


def test_times_offered_after_a_radiologist_clash_are_free_for_the_radiologist_too(as_scheduler, room1, room2):
    okafor = RadiologistFactory(first_name="Adaeze", last_name="Okafor")
    AppointmentFactory(room=room2, radiologist=okafor, scheduled_start=at(THURSDAY, "10:00"), expected_duration=60)
    AppointmentFactory(room=room2, radiologist=okafor, scheduled_start=at(THURSDAY, "11:00"), expected_duration=60)
    page = as_scheduler.post(BOOK_URL, booking(PatientFactory(), room=room1.pk, radiologist=okafor.pk))
    assert "Adaeze Okafor is already booked 10:00-11:00 in Mammo Room 2." in page.content.decode()
    offered = [timezone.localtime(s).strftime("%H:%M") for s in page.context["offered"]]
    assert offered[0] == "12:00"  # room 1 is free at 10:15, but Dr Okafor is not


@pytest.mark.parametrize(
    "overrides, sentence",
    [
        ({"start_date": "2030-06-04"}, "Tue 4 Jun 10:00 has already passed; choose a time in the future."),
        ({"start_time": "17:30"}, "Thu 6 Jun 17:30-18:15 is outside clinic hours (Mon-Fri 08:00-18:00)."),
        ({"start_date": "2030-06-08"}, "Sat 8 Jun 10:00-10:45 is outside clinic hours"),
    ],
    ids=["past", "after-closing", "saturday"],
)
def test_a_time_the_clinic_cannot_take_is_refused_in_one_sentence(as_scheduler, room1, overrides, sentence):
    page = as_scheduler.post(BOOK_URL, booking(PatientFactory(), room=room1.pk, **overrides))
    assert page.status_code == 200
    assert page.context["conflict"].startswith(sentence)
    assert sentence in page.content.decode()
    assert Appointment.objects.count() == 0


def test_a_booking_longer_than_an_hour_needs_a_reason_at_the_reason_field(as_scheduler, room1):
    page = as_scheduler.post(BOOK_URL, booking(PatientFactory(), room=room1.pk, expected_duration=90))
    assert page.context["form"].errors["duration_reason"] == [
        "A ductogram is booked for 30-60 minutes; give a reason to book 90."
    ]
    assert Appointment.objects.count() == 0
    response = as_scheduler.post(
        BOOK_URL, booking(PatientFactory(), room=room1.pk, expected_duration=90, duration_reason="Bilateral")
    )
    assert response.status_code == 302
    assert Appointment.objects.get().expected_duration == 90


def test_a_booking_without_a_patient_asks_for_one(as_scheduler, room1):
    page = as_scheduler.post(BOOK_URL, booking(room=room1.pk))
    assert "Find the patient by MRN or name" in page.content.decode()


def test_a_time_the_clocks_skip_is_refused_at_the_time_field(as_scheduler, room1, settings):
    settings.CLINIC_OPENING_HOURS = "Mon-Fri 08:00-18:00; Sun 00:00-04:00"
    page = as_scheduler.post(
        BOOK_URL, booking(PatientFactory(), room=room1.pk, start_date="2031-03-30", start_time="01:30")
    )
    assert page.context["form"].errors["start_time"] == [
        "01:30 does not exist on Sun 30 Mar (the clocks go forward); choose another time."
    ]


def test_a_booking_on_the_monday_after_the_clocks_change_is_stored_in_utc_and_shown_in_clinic_time(as_scheduler, room1):
    monday = MONDAY + timedelta(weeks=20)  # 28 October 2030, the day after the clocks go back
    response = as_scheduler.post(
        BOOK_URL, booking(PatientFactory(), room=room1.pk, start_date=monday.isoformat()), follow=True
    )
    appointment = Appointment.objects.get()
    assert appointment.scheduled_start.astimezone(UTC).hour == 10  # GMT again: 10:00 is 10:00 UTC
    assert "Mon 28 Oct 2030 10:00-10:45" in response.content.decode()


def test_a_radiologist_cannot_book(as_radiologist, room1):
    assert as_radiologist.get(BOOK_URL).status_code == 403
    assert as_radiologist.post(BOOK_URL, booking(PatientFactory(), room=room1.pk)).status_code == 403
    assert Appointment.objects.count() == 0


def test_the_booking_form_runs_the_same_queries_for_few_or_many_patients_and_bookings(
    as_scheduler, django_assert_max_num_queries
):
    rooms = [RoomFactory(name=f"Room {n}") for n in range(1, 4)]
    RadiologistFactory()
    patient = PatientFactory(family_name="Hughes")

    def visit():
        assert as_scheduler.get(BOOK_URL).status_code == 200
        page = as_scheduler.post(BOOK_URL, booking(action="search", patient_query="Hughes"))
        assert page.status_code == 200
        page = as_scheduler.post(BOOK_URL, booking(patient, room=rooms[0].pk))  # a conflict, with free times
        assert page.context["conflict"]

    AppointmentFactory(room=rooms[0], scheduled_start=at(THURSDAY, "10:00"))
    with django_assert_max_num_queries(60) as few:
        visit()
    for i in range(60):
        PatientFactory(family_name="Hughes" if i % 2 else "Other")
        RadiologistFactory()
        day, j = (THURSDAY, i) if i < 26 else (FRIDAY, i - 26)
        AppointmentFactory(room=rooms[1 + j % 2], scheduled_start=at(day, "08:00") + timedelta(minutes=45 * (j // 2)))
    with django_assert_max_num_queries(len(few.captured_queries)):
        visit()
