"""Moving an appointment to another time, room or radiologist, with the reason kept in its history; cancelling with
a reason from the clinic's list (and words of one's own, needed for "Other"), counted and shown on the page.

"Now" is frozen at Wednesday 5 June 2030, 12:00 in London; bookings are for Monday 10 June."""

import pytest
from django.urls import reverse

from procedures.models import Appointment
from procedures.services import BookingError, cancel_appointment, reschedule_appointment
from reminders.models import Reminder
from tests.clinic import MONDAY, at
from tests.factories import AppointmentFactory, PatientFactory, RadiologistFactory, SchedulerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def okafor(radiologist):
    return radiologist


@pytest.fixture
def lindqvist():
    return RadiologistFactory(first_name="Maria", last_name="Lindqvist")


@pytest.fixture
def booked(book, okafor, scheduler):
    return book(
        at(MONDAY, "10:00"),
        patient=PatientFactory(given_name="Amelia", family_name="Hughes"),
        radiologist=okafor,
        booked_by=scheduler,
    )


def _state():
    return list(Appointment.objects.order_by("pk").values()), list(Reminder.objects.order_by("pk").values())


def url(name: str, appointment: Appointment) -> str:
    return reverse(f"procedures:{name}", args=[appointment.pk])


# Rescheduling: the service


def test_a_reschedule_can_change_the_radiologist_and_keeps_the_reason(booked, lindqvist, scheduler):
    moved = reschedule_appointment(
        booked, new_start=at(MONDAY, "14:00"), radiologist=lindqvist, reason="Dr Okafor is on leave", by=scheduler
    )
    moved.refresh_from_db()
    assert (moved.radiologist, moved.scheduled_start) == (lindqvist, at(MONDAY, "14:00"))
    latest = moved.history.first()
    assert (latest.history_change_reason, latest.history_user, latest.radiologist_id) == (
        "Dr Okafor is on leave",
        scheduler,
        lindqvist.pk,
    )


def test_a_reschedule_without_a_radiologist_keeps_the_one_booked_and_can_unassign(booked, okafor):
    kept = reschedule_appointment(booked, new_start=at(MONDAY, "11:00"), reason="Later")
    assert kept.radiologist == okafor
    unassigned = reschedule_appointment(booked, new_start=at(MONDAY, "11:00"), unassign_radiologist=True, reason="x")
    unassigned.refresh_from_db()
    assert unassigned.radiologist is None
    with pytest.raises(TypeError):
        reschedule_appointment(booked, new_start=at(MONDAY, "11:00"), radiologist=okafor, unassign_radiologist=True)


def test_a_reschedule_to_a_busy_radiologist_is_refused(book, booked, lindqvist, room2):
    book(at(MONDAY, "14:00"), radiologist=lindqvist, room=room2)
    before = _state()
    with pytest.raises(BookingError) as exc:
        reschedule_appointment(booked, new_start=at(MONDAY, "14:15"), radiologist=lindqvist, reason="Leave")
    assert str(exc.value) == "Maria Lindqvist is already booked 14:00-14:45 in Mammo Room 2."
    assert _state() == before


def test_a_radiologist_kept_through_a_move_is_checked_at_the_new_time(booked, okafor, room2):
    AppointmentFactory(room=room2, radiologist=okafor, scheduled_start=at(MONDAY, "15:00"))
    with pytest.raises(BookingError, match="Adaeze Okafor is already booked 15:00-15:45 in Mammo Room 2."):
        reschedule_appointment(booked, new_start=at(MONDAY, "15:00"), reason="Afternoon")


def test_only_a_radiologist_can_be_given_the_appointment(booked):
    with pytest.raises(BookingError, match="is not a radiologist"):
        reschedule_appointment(booked, new_start=at(MONDAY, "11:00"), radiologist=SchedulerFactory(), reason="x")


def test_a_reason_for_moving_longer_than_the_history_keeps_is_refused(booked):
    before = _state()
    with pytest.raises(BookingError, match="Keep the reason for moving to 100 characters"):
        reschedule_appointment(booked, new_start=at(MONDAY, "11:00"), reason="x" * 101)
    assert _state() == before


# Rescheduling: the page


def test_the_reschedule_form_offers_radiologists_only_and_asks_why(as_scheduler, booked, okafor, lindqvist, scheduler):
    form = as_scheduler.get(url("reschedule", booked)).context["form"]
    assert set(form.fields["radiologist"].queryset) == {okafor, lindqvist}
    assert form["radiologist"].value() == okafor.pk
    assert form.fields["reason"].required
    page = as_scheduler.post(
        url("reschedule", booked),
        {"room": booked.room_id, "radiologist": okafor.pk, "start_date": "2030-06-10", "start_time": "14:00"}
        | {"expected_duration": "45", "reason": "  "},
    )
    assert page.context["form"].errors["reason"] == ["Say why the appointment is moving."]


def test_a_scheduler_moves_it_to_another_radiologist_and_the_history_says_why(as_scheduler, booked, lindqvist):
    data = {"room": booked.room_id, "radiologist": lindqvist.pk, "start_date": "2030-06-10", "start_time": "14:00"}
    response = as_scheduler.post(
        url("reschedule", booked), {**data, "expected_duration": "45", "reason": "Patient asked for later"}, follow=True
    )
    booked.refresh_from_db()
    assert booked.radiologist == lindqvist
    html = response.content.decode()
    assert "Patient asked for later" in html.split('id="history"')[1]


def test_an_empty_radiologist_choice_unassigns(as_scheduler, booked):
    data = {"room": booked.room_id, "radiologist": "", "start_date": "2030-06-10", "start_time": "10:00"}
    as_scheduler.post(url("reschedule", booked), {**data, "expected_duration": "45", "reason": "Rota not out"})
    booked.refresh_from_db()
    assert booked.radiologist is None


# Cancelling


def test_cancelling_records_the_reason_code_and_optional_text(book, scheduler):
    with_words = cancel_appointment(
        book(at(MONDAY, "10:00")), reason_code="no_discharge", reason=" Stopped on Friday ", by=scheduler
    )
    without = cancel_appointment(book(at(MONDAY, "11:00")), reason_code="pregnancy")
    with_words.refresh_from_db()
    without.refresh_from_db()
    assert (with_words.cancel_reason_code, with_words.cancellation_reason) == ("no_discharge", "Stopped on Friday")
    assert (without.cancel_reason_code, without.cancellation_reason) == ("pregnancy", "Possible pregnancy")
    assert with_words.status == without.status == Appointment.Status.CANCELLED
    assert with_words.history.first().cancel_reason_code == "no_discharge"


def test_other_needs_words(book):
    appointment = book(at(MONDAY, "10:00"))
    before = _state()
    with pytest.raises(BookingError, match='Say why the appointment is cancelled: the reason is "Other".'):
        cancel_appointment(appointment, reason_code="other", reason="   ")
    assert _state() == before
    done = cancel_appointment(appointment, reason_code="other", reason="Moved abroad")
    assert (done.cancel_reason_code, done.cancellation_reason) == ("other", "Moved abroad")


def test_a_reason_not_on_the_list_is_refused(book):
    appointment = book(at(MONDAY, "10:00"))
    with pytest.raises(BookingError, match="Choose why the appointment is cancelled."):
        cancel_appointment(appointment, reason_code="bored", reason="Words")


def test_the_cancel_form_lists_the_reasons_and_the_page_shows_the_label(as_scheduler, booked):
    page = as_scheduler.get(url("cancel", booked))
    html = page.content.decode()
    for label in Appointment.CancelReason.labels:
        assert label in html
    assert html.count('name="reason_code"') == len(Appointment.CancelReason.values)
    response = as_scheduler.post(url("cancel", booked), {"reason_code": "clinic", "reason": ""}, follow=True)
    booked.refresh_from_db()
    assert (booked.cancel_reason_code, booked.cancellation_reason) == ("clinic", "Equipment or staff")
    html = response.content.decode()
    status = html.split('id="appointment-status"')[1].split("</p>")[0]
    assert "Equipment or staff" in status
    assert "Equipment or staff" in html.split('id="history"')[1]


def test_the_page_shows_the_label_and_the_words(as_scheduler, booked):
    cancel_appointment(booked, reason_code="unwell", reason="Chest infection, will phone")
    html = as_scheduler.get(url("appointment", booked)).content.decode()
    assert "Unwell or infection: Chest infection, will phone" in html.split('id="appointment-status"')[1]


@pytest.mark.parametrize(
    ("code", "words", "shown"),
    [
        ("patient_request", "", "The patient asked"),
        ("patient_request", "The patient asked", "The patient asked"),
        ("patient_request", "The patient asked to cancel online", "The patient asked to cancel online"),
        ("unwell", "Chest infection", "Unwell or infection: Chest infection"),
        ("", "Booked in error", "Booked in error"),
    ],
)
def test_a_reason_that_repeats_its_label_is_shown_once(code, words, shown):
    assert Appointment(cancel_reason_code=code, cancellation_reason=words).cancellation_shown == shown


def test_the_patients_history_says_the_patient_asked_once(as_scheduler, booked):
    cancel_appointment(booked, reason_code="patient_request", reason="")
    for page in (url("appointment", booked), reverse("procedures:patient", args=[booked.patient_id])):
        html = as_scheduler.get(page).content.decode()
        assert "The patient asked" in html
        assert "The patient asked: The patient asked" not in html
