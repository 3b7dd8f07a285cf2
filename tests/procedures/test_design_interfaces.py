"""The calls DESIGN.md names (its Services section), made exactly as it writes them: an interface changes only with
a compatible default, so these keep working. "Now" is Wednesday 5 June 2030, 12:00 in London."""

from datetime import datetime, timedelta

import pytest

from procedures.booking.durations import suggest_duration
from procedures.models import Appointment, Patient, ProcedureResult
from procedures.services import (
    BookingError,
    book_appointment,
    cancel_appointment,
    check_in,
    complete_appointment,
    confirm_attendance,
    free_slots,
    mark_no_show,
    record_result,
    register_patient,
    reschedule_appointment,
    undo_check_in,
    undo_no_show,
    update_patient,
)
from reminders import services as reminder_services
from reminders.models import Reminder
from tests.clinic import FAR, MONDAY, TODAY, at
from tests.factories import AppointmentFactory, PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def booked(ductogram, room, hhmm: str = "10:00") -> Appointment:
    """book_appointment(*, patient, procedure_type, room, scheduled_start, ...): the details as a booking has them."""
    return book_appointment(
        patient=PatientFactory(),
        procedure_type=ductogram,
        room=room,
        scheduled_start=at(MONDAY, hhmm),
        laterality="left",
        discharge="bloody",
    )


def test_cancel_appointment_with_words_and_no_code_records_other(ductogram, room1):
    """cancel_appointment(appointment, reason="...")"""
    appointment = booked(ductogram, room1)
    cancel_appointment(appointment, reason="Moved away")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert (appointment.cancel_reason_code, appointment.cancellation_reason) == ("other", "Moved away")


def test_cancel_appointment_with_neither_code_nor_words_asks_why_and_changes_nothing(ductogram, room1):
    appointment = booked(ductogram, room1)
    with pytest.raises(BookingError, match='Say why the appointment is cancelled: the reason is "Other".'):
        cancel_appointment(appointment)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_cancel_appointment_takes_every_keyword_design_names(ductogram, room1, scheduler):
    """cancel_appointment(appointment, *, reason="", reason_code="other", by=None)"""
    appointment = cancel_appointment(booked(ductogram, room1), reason="", reason_code="unwell", by=scheduler)
    assert (appointment.cancel_reason_code, appointment.cancellation_reason) == ("unwell", "Unwell or infection")
    assert appointment.history.first().history_user == scheduler


def test_booking_and_moving_as_design_writes_them(ductogram, room1, room2, scheduler):
    appointment = book_appointment(
        patient=PatientFactory(),
        procedure_type=ductogram,
        room=room1,
        scheduled_start=at(MONDAY, "10:00"),
        expected_duration=None,
        radiologist=None,
        booked_by=scheduler,
        laterality="left",
        discharge="bloody",
    )
    assert appointment.expected_duration == ductogram.default_duration
    moved = reschedule_appointment(appointment, new_start=at(MONDAY, "11:00"))
    assert moved.scheduled_start == at(MONDAY, "11:00")
    moved = reschedule_appointment(
        moved,
        new_start=at(MONDAY, "12:00"),
        room=room2,
        expected_duration=50,
        radiologist=None,
        reason="Room 1 is being serviced",
        by=scheduler,
    )
    assert (moved.room, moved.expected_duration) == (room2, 50)


def test_the_days_own_changes_take_the_appointment_alone(room1):
    """check_in / mark_no_show / undo_check_in / undo_no_show / confirm_attendance / complete_appointment"""
    here = AppointmentFactory(room=room1, scheduled_start=at(TODAY, "11:30"))
    assert check_in(here).status == Appointment.Status.CHECKED_IN
    assert undo_check_in(here).status == Appointment.Status.BOOKED
    assert mark_no_show(here).status == Appointment.Status.NO_SHOW
    assert undo_no_show(here).status == Appointment.Status.BOOKED
    coming = AppointmentFactory(room=room1, scheduled_start=at(MONDAY, "10:00"))
    assert confirm_attendance(coming).status == Appointment.Status.CONFIRMED
    assert complete_appointment(check_in(here)).status == Appointment.Status.COMPLETED


def test_patients_and_results_as_design_writes_them(room1):
    """register_patient / update_patient / record_result"""
    patient = register_patient(
        mrn="RX900001", given_name="Ada", family_name="Lovelace", date_of_birth=TODAY.replace(year=1970)
    )
    assert Patient.objects.get(mrn="RX900001") == patient
    assert update_patient(patient, email="ada@example.com").email == "ada@example.com"
    appointment = AppointmentFactory(room=room1, scheduled_start=at(TODAY, "10:00"))
    result = ProcedureResult(
        appointment=appointment, started_at=at(TODAY, "10:05"), ended_at=at(TODAY, "10:45"), findings=["normal"]
    )
    assert record_result(result).actual_duration == 40  # who logged it is optional, as for every other service
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED


def test_free_slots_and_suggest_duration_as_design_writes_them(ductogram, room1):
    """free_slots(*, room, day, duration) -> list[datetime]; suggest_duration(*, procedure_type, radiologist=None,
    now=None) with minutes, sample_size, basis"""
    starts = free_slots(room=room1, day=MONDAY, duration=45)
    assert starts and all(isinstance(start, datetime) for start in starts)
    suggestion = suggest_duration(procedure_type=ductogram, radiologist=None, now=None)
    assert (suggestion.minutes, suggestion.sample_size, suggestion.basis) == (45, 0, "default")


def test_the_reminder_services_design_names_are_there(ductogram, room1, queued):
    """reminders.services: dispatch_due(*, now=None, limit=500) -> int and send_reminder(reminder_id) as written;
    the others by name."""
    for name in (
        "schedule_reminders",
        "reschedule_reminders",
        "cancel_reminders",
        "close_for_appointment",
        "dispatch_due",
        "send_reminder",
        "send_batch",
        "opt_out",
        "resume",
        "send_now",
        "retry_failed",
        "preview",
        "record_delivery_report",
    ):
        assert callable(getattr(reminder_services, name)), name
    booked(ductogram, room1)
    assert isinstance(reminder_services.dispatch_due(), int)
    assert isinstance(reminder_services.dispatch_due(now=None, limit=500), int)
    pending = Reminder.objects.filter(status=Reminder.Status.PENDING).first()
    assert reminder_services.send_reminder(pending.pk).status == Reminder.Status.PENDING  # not due yet: kept


def test_close_for_appointment_takes_a_code_or_the_second_rounds_words(book):
    """close_for_appointment(appointment, code) with a Reminder.CloseReason; called with a sentence as before, the
    code comes from the appointment's status and the sentence is kept for staff."""
    by_code = book(FAR)
    assert reminder_services.close_for_appointment(by_code, Reminder.CloseReason.COMPLETED) > 0
    assert set(by_code.reminders.values_list("close_reason", flat=True)) == {"completed"}

    by_words = book(FAR + timedelta(hours=1))
    Appointment.objects.filter(pk=by_words.pk).update(status=Appointment.Status.CHECKED_IN)
    by_words.refresh_from_db()
    assert reminder_services.close_for_appointment(by_words, "The patient has checked in.") > 0
    closed = set(by_words.reminders.values_list("status", "close_reason", "last_error"))
    assert closed == {("cancelled", "checked_in", "The patient has checked in.")}
