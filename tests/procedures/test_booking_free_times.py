"""Free times before the first try: the booking form lists the next free times as soon as the scheduler has a date
and a duration, a time picked from the list books, and one "Book" says everything that stands in the way (a clash
and a second booking together); a second visit on the same day is asked about."""

import pytest
from django.urls import reverse
from django.utils import timezone

from procedures.models import Appointment
from tests.clinic import MONDAY, SATURDAY, THURSDAY, TODAY, at
from tests.factories import AppointmentFactory, PatientFactory, ProcedureTypeFactory, RadiologistFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "ductogram")]

BOOK_URL = reverse("procedures:book")


def form(patient=None, **overrides) -> dict:
    """The booking form as a scheduler fills it in, Thursday, the usual 45 minutes; no start time chosen yet."""
    data = {
        "patient_source": "existing",
        "patient": str(patient.pk) if patient else "",
        "start_date": THURSDAY.isoformat(),
        "start_time": "",
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


def show_free_times(client, patient=None, **overrides):
    page = client.post(BOOK_URL, form(patient, action="times", **overrides))
    assert page.status_code == 200
    return page


def listed(page) -> list[str]:
    return [timezone.localtime(s).strftime("%a %H:%M") for s in page.context["free_times"].here]


def test_the_form_without_a_date_lists_no_times_yet_and_says_how_to_see_them(as_scheduler, room1):
    page = as_scheduler.get(BOOK_URL)
    html = page.content.decode()
    assert page.context["free_times"] is None
    assert 'id="show-free-times"' in html and 'name="take_slot"' not in html
    assert "Choose a date and a duration, then show the free times" in html


def test_free_times_show_once_the_date_and_duration_are_known_without_a_refused_booking(as_scheduler, room1):
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "08:00"), expected_duration=120, duration_reason="x")
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "10:30"), expected_duration=30)
    page = show_free_times(as_scheduler, room=room1.pk)
    # 45 minutes fit neither before 10:30 nor across the 10:30 booking: from 11:00, every 15 minutes.
    assert listed(page) == ["Thu 11:00", "Thu 11:15", "Thu 11:30", "Thu 11:45", "Thu 12:00", "Thu 12:15"]
    html = page.content.decode()
    assert html.count('class="btn btn-sm btn-light border free-time"') == 6
    assert "From Thu 6 Jun, 45 minutes, in Mammo Room 1:" in html
    # Nothing was tried: no refusal, no field asking for what is not filled in yet, nothing booked.
    assert page.context["conflict"] is None and not page.context["form"].errors
    assert "Not booked" not in html
    assert Appointment.objects.count() == 2


def test_a_link_from_the_schedule_with_a_date_lists_the_free_times_at_once(as_scheduler, room1):
    page = as_scheduler.get(BOOK_URL, {"room": room1.pk, "start": at(THURSDAY, "09:00").isoformat()})
    assert listed(page)[0] == "Thu 08:00"  # the whole day, not only from the time clicked


def test_free_times_stop_at_closing_and_go_on_from_the_next_clinic_days_opening(as_scheduler, room1):
    for start, minutes in (("08:00", 240), ("12:00", 240), ("16:00", 90)):
        AppointmentFactory(
            room=room1, scheduled_start=at(THURSDAY, start), expected_duration=minutes, duration_reason="x"
        )
    page = show_free_times(as_scheduler, room=room1.pk)
    # 17:30-18:00 is free but too short for 45 minutes before the clinic closes at 18:00.
    assert listed(page)[:2] == ["Fri 08:00", "Fri 08:15"]
    closed = show_free_times(as_scheduler, room=room1.pk, start_date=SATURDAY.isoformat())
    assert listed(closed)[0] == "Mon 08:00"


def test_free_times_step_by_the_clinics_slot_step(as_scheduler, room1, settings):
    settings.SLOT_STEP_MINUTES = 20
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "08:00"), expected_duration=45)
    page = show_free_times(as_scheduler, room=room1.pk, expected_duration=30)
    assert listed(page)[:3] == ["Thu 09:00", "Thu 09:20", "Thu 09:40"]  # 08:45 is free, but not on a step


def test_today_lists_only_times_still_to_come(as_scheduler, room1):
    page = show_free_times(as_scheduler, room=room1.pk, start_date=TODAY.isoformat())
    assert listed(page)[0] == "Wed 12:15"  # it is 12:00


def test_the_free_times_are_free_for_the_radiologist_chosen_and_in_the_other_rooms(as_scheduler, room1, room2):
    okafor = RadiologistFactory(first_name="Adaeze", last_name="Okafor")
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "08:00"), expected_duration=120, duration_reason="x")
    AppointmentFactory(room=room2, radiologist=okafor, scheduled_start=at(THURSDAY, "10:00"), expected_duration=120)
    alone = show_free_times(as_scheduler, room=room1.pk)
    assert listed(alone)[0] == "Thu 10:00"
    page = show_free_times(as_scheduler, room=room1.pk, radiologist=okafor.pk)
    assert listed(page)[0] == "Thu 12:00"  # room 1 is free at 10:00, Dr Okafor is not
    assert "in Mammo Room 1 with Adaeze Okafor:" in page.content.decode()
    elsewhere = page.context["free_times"].elsewhere
    assert elsewhere and all(offer.room == room2 for offer in elsewhere)
    # Room 2 is Dr Okafor's until 12:00 too: nothing there overlaps it.
    assert all(not at(THURSDAY, "09:15") < offer.start < at(THURSDAY, "12:00") for offer in elsewhere)


def test_picking_a_listed_time_books_it_with_everything_else_as_typed(as_scheduler, room1):
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "08:00"), expected_duration=120, duration_reason="x")
    patient = PatientFactory(given_name="Amelia", family_name="Hughes")
    page = show_free_times(as_scheduler, patient=patient, room=room1.pk, notes="Anxious")
    first = page.context["free_times"].here[0]
    response = as_scheduler.post(BOOK_URL, form(patient, room=room1.pk, notes="Anxious", take_slot=first.isoformat()))
    assert response.status_code == 302
    booked = Appointment.objects.get(patient=patient)
    assert booked.scheduled_start == at(THURSDAY, "10:00") and booked.room == room1 and booked.notes == "Anxious"


def test_picking_a_time_before_the_patient_is_chosen_keeps_the_time_and_asks_for_the_patient(as_scheduler, room1):
    page = as_scheduler.post(BOOK_URL, form(room=room1.pk, take_slot=at(THURSDAY, "08:30").isoformat()))
    assert page.status_code == 200
    assert page.context["form"]["start_time"].value() == "08:30"
    assert "Find the patient by MRN or name" in page.content.decode()
    assert Appointment.objects.count() == 0


def test_a_second_booking_on_the_same_day_as_a_visit_already_under_way_is_asked_about(as_scheduler, room1, room2):
    # Seen at 09:00 today and checked in: no longer "upcoming", so only the same-day question catches it.
    ama = PatientFactory(given_name="Ama", family_name="Mensah")
    AppointmentFactory(
        patient=ama, room=room2, scheduled_start=at(TODAY, "09:00"), status=Appointment.Status.CHECKED_IN
    )
    data = form(ama, action="book", room=room1.pk, start_date=TODAY.isoformat(), start_time="15:00")
    page = as_scheduler.post(BOOK_URL, data)
    assert page.status_code == 200 and Appointment.objects.filter(patient=ama).count() == 1
    html = page.content.decode()
    assert "Ama Mensah already has a ductogram on the same day:" in html
    assert page.context["form"].errors["book_another"] == [
        "This patient already has an appointment that day: tick to book another anyway."
    ]
    confirmed = {**data, "book_another": "on", "second_booking_reason": "Other side, seen this morning"}
    assert as_scheduler.post(BOOK_URL, confirmed).status_code == 302
    assert Appointment.objects.filter(patient=ama).count() == 2


def test_an_appointment_of_another_type_on_the_same_day_is_asked_about_too(as_scheduler, room1):
    ama = PatientFactory(given_name="Ama", family_name="Mensah")
    biopsy = ProcedureTypeFactory(code="BIOPSY", name="Biopsy")
    AppointmentFactory(patient=ama, procedure_type=biopsy, room=room1, scheduled_start=at(THURSDAY, "09:00"))
    page = as_scheduler.post(BOOK_URL, form(ama, action="book", room=room1.pk, start_time="14:00"))
    assert "Ama Mensah already has a biopsy on the same day:" in page.content.decode()
    assert Appointment.objects.filter(patient=ama).count() == 1
    other_day = as_scheduler.post(
        BOOK_URL, form(ama, action="book", room=room1.pk, start_date=MONDAY.isoformat(), start_time="14:00")
    )
    assert other_day.status_code == 302  # a biopsy on another day is not a second ductogram


def test_a_clash_and_a_second_booking_are_both_reported_by_one_submission(as_scheduler, room1):
    ama = PatientFactory(given_name="Ama", family_name="Mensah")
    AppointmentFactory(patient=ama, room=room1, scheduled_start=at(MONDAY, "10:00"))
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "10:00"))
    page = as_scheduler.post(BOOK_URL, form(ama, action="book", room=room1.pk, start_time="10:15"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Mammo Room 1 is booked 10:00-10:45 for another patient." in html
    assert 'id="second-booking"' in html and "Ama Mensah already has a ductogram booked:" in html
    assert page.context["offered"][0] == at(THURSDAY, "10:45")
    # Confirming the second booking at an offered time books it at once: nothing else was left to say.
    again = form(
        ama,
        room=room1.pk,
        start_time="10:15",
        book_another="on",
        second_booking_reason="Referral for the right side",
        take_slot=page.context["offered"][0].isoformat(),
    )
    assert as_scheduler.post(BOOK_URL, again).status_code == 302
    assert Appointment.objects.filter(patient=ama, scheduled_start=at(THURSDAY, "10:45")).exists()


def test_a_clash_is_reported_with_a_missing_patient_in_one_submission(as_scheduler, room1):
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "10:00"))
    page = as_scheduler.post(BOOK_URL, form(action="book", room=room1.pk, start_time="10:00"))
    html = page.content.decode()
    assert "Find the patient by MRN or name" in html
    assert "Mammo Room 1 is booked 10:00-10:45 for another patient." in html


def test_a_time_with_its_own_field_error_is_not_also_checked_for_a_clash(as_scheduler, room1):
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "10:00"))
    page = as_scheduler.post(
        BOOK_URL, form(PatientFactory(), action="book", room=room1.pk, start_time="10:00", expected_duration=90)
    )
    assert "duration_reason" in page.context["form"].errors
    assert page.context["conflict"] is None  # one thing at a time, where the scheduler is looking
    assert page.context["form"]["expected_duration"].value() == "90"


def test_the_free_times_alone_follow_the_fields_for_the_forms_script(as_scheduler, room1):
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "08:00"), expected_duration=120, duration_reason="x")
    url = reverse("procedures:book-free-times")
    html = as_scheduler.get(url, {"room": room1.pk, "start_date": THURSDAY.isoformat(), "expected_duration": "60"})
    html = html.content.decode()
    assert "From Thu 6 Jun, 60 minutes, in Mammo Room 1:" in html
    assert 'value="2030-06-06T10:00:00+01:00"' in html and "<form" not in html
    empty = as_scheduler.get(url, {"room": room1.pk, "start_date": "not a date"}).content.decode()
    assert "Choose a date and a duration" in empty and "take_slot" not in empty


def test_a_radiologist_cannot_ask_for_the_booking_forms_free_times(as_radiologist, room1):
    response = as_radiologist.get(reverse("procedures:book-free-times"), {"start_date": THURSDAY.isoformat()})
    assert response.status_code == 403
