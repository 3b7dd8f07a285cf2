"""Bookable starts fall every SLOT_STEP_MINUTES from the clinic's opening, as the free times offered do: a booking or
a move to 10:07 is refused with the two times either side, whoever makes it (the service, the booking form, the
admin), while a move that keeps an older off-step time still goes through (issue 22, cause 8)."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from procedures.admin.appointments import AppointmentAdminForm
from procedures.models import Appointment
from procedures.services import BookingError, reschedule_appointment
from tests.clinic import THURSDAY, at
from tests.factories import AppointmentFactory, PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def test_a_booking_at_seven_past_is_refused_naming_the_times_either_side(book):
    with pytest.raises(BookingError) as refused:
        book(at(THURSDAY, "10:07"))
    assert str(refused.value) == (
        "Bookings start every 15 minutes from the clinic's opening at 08:00; 10:07 is not one of those times: "
        "choose 10:00 or 10:15."
    )
    assert not Appointment.objects.exists()


def test_a_start_with_seconds_is_off_the_step_too(book):
    with pytest.raises(BookingError, match="choose 10:15 or 10:30"):
        book(at(THURSDAY, "10:15").replace(second=30))


def test_a_booking_on_the_step_is_accepted(book):
    assert book(at(THURSDAY, "10:15")).scheduled_start == at(THURSDAY, "10:15")


def test_the_step_counts_from_the_clinics_opening_not_the_hour(book, settings):
    settings.CLINIC_OPENING_HOURS = "Mon-Fri 08:10-18:00"
    settings.SLOT_STEP_MINUTES = 20
    assert book(at(THURSDAY, "08:50")).scheduled_start == at(THURSDAY, "08:50")
    with pytest.raises(BookingError, match="opening at 08:10; 09:00 is not one of those times: choose 08:50 or 09:10"):
        book(at(THURSDAY, "09:00"))


def test_moving_to_seven_past_is_refused_and_the_appointment_stays(book):
    appointment = book(at(THURSDAY, "10:00"))
    with pytest.raises(BookingError, match="10:37 is not one of those times: choose 10:30 or 10:45"):
        reschedule_appointment(appointment, new_start=at(THURSDAY, "10:37"))
    appointment.refresh_from_db()
    assert appointment.scheduled_start == at(THURSDAY, "10:00")


def test_an_older_booking_off_the_step_can_change_room_keeping_its_time(ductogram, room1, room2):
    # Booked before the step was enforced (or before the clinic changed its step).
    appointment = AppointmentFactory(procedure_type=ductogram, room=room1, scheduled_start=at(THURSDAY, "10:07"))
    reschedule_appointment(appointment, new_start=at(THURSDAY, "10:07"), room=room2)
    appointment.refresh_from_db()
    assert (appointment.room, appointment.scheduled_start) == (room2, at(THURSDAY, "10:07"))


def test_the_booking_form_shows_the_sentence_and_books_nothing(as_scheduler, room1, ductogram):
    patient = PatientFactory()
    page = as_scheduler.post(
        reverse("procedures:book"),
        {
            "patient_source": "existing",
            "patient": str(patient.pk),
            "room": str(room1.pk),
            "start_date": THURSDAY.isoformat(),
            "start_time": "10:07",
            "expected_duration": "45",
            "laterality": "left",
            "discharge": "bloody",
            "referrer": "Mr Hale, Breast Clinic",
        },
    )
    assert page.status_code == 200
    assert "10:07 is not one of those times: choose 10:00 or 10:15." in page.content.decode()
    assert not Appointment.objects.exists()


def test_the_admin_add_form_refuses_an_off_step_start(ductogram, room1, admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    form_class = site._registry[Appointment].get_form(request)
    assert issubclass(form_class, AppointmentAdminForm)
    form = form_class(
        data={
            "patient": PatientFactory().pk,
            "procedure_type": ductogram.pk,
            "room": room1.pk,
            "scheduled_start_0": THURSDAY.isoformat(),
            "scheduled_start_1": "10:07",
            "expected_duration": 45,
            "laterality": "left",
            "discharge": "bloody",
        }
    )
    assert not form.is_valid()
    assert "10:07 is not one of those times: choose 10:00 or 10:15." in str(form.errors)
