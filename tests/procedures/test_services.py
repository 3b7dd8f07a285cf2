"""Booking services as schedulers meet them: what is booked, what is refused and in which words, and that a refusal
changes nothing; then the services that register patients, change their details and record results. "Now" is
frozen at Wednesday 5 June 2030, 12:00 in London (BST, UTC+1)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from procedures.models import Appointment, Patient, ProcedureResult
from procedures.services import (
    BookingError,
    booking,
    cancel_appointment,
    change_booking_details,
    check_booking,
    check_in,
    complete_appointment,
    confirm_attendance,
    free_slots,
    mark_no_show,
    record_result,
    register_patient,
    reschedule_appointment,
    results,
    update_patient,
)
from reminders.models import Reminder
from tests.clinic import LONDON, MONDAY, NOW, TODAY, at
from tests.factories import PatientFactory, ProcedureTypeFactory, RadiologistFactory, RoomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

SATURDAY = date(2030, 6, 15)  # the weekend after MONDAY
SUNDAY = date(2030, 6, 16)


@pytest.fixture
def book(book, scheduler):
    """book(start, **overrides): tests/conftest.py's ductogram for a new patient in Mammo Room 1, booked by the
    scheduler."""

    def _book(scheduled_start, **overrides):
        return book(scheduled_start, **({"booked_by": scheduler} | overrides))

    return _book


def _state_of_the_clinic() -> tuple[list, list]:
    return list(Appointment.objects.order_by("pk").values()), list(Reminder.objects.order_by("pk").values())


def refused(call, *args, message: str, **kwargs):
    """The call raises BookingError with exactly `message`, and no appointment or reminder was added or changed."""
    before = _state_of_the_clinic()
    with pytest.raises(BookingError) as exc:
        call(*args, **kwargs)
    assert str(exc.value) == message
    assert _state_of_the_clinic() == before


# Booking


def test_a_scheduler_books_a_ductogram_for_the_usual_45_minutes(book, scheduler, room):
    appointment = book(at(MONDAY, "10:00"), referrer="Dr Jones", notes="Left bloody discharge, 3 weeks")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.expected_duration == 45
    assert appointment.scheduled_start == at(MONDAY, "10:00")
    assert appointment.expected_end == at(MONDAY, "10:45")
    assert appointment.room == room
    assert appointment.created_by == scheduler
    assert appointment.referrer == "Dr Jones"
    assert Appointment.objects.count() == 1


def test_the_booking_is_recorded_in_the_history_as_made_by_the_scheduler(book, scheduler):
    appointment = book(at(MONDAY, "10:00"))
    record = appointment.history.first()
    assert record.history_type == "+"
    assert record.history_user == scheduler


def test_a_booking_with_an_unknown_detail_is_a_programming_error_not_a_booking(book):
    with pytest.raises(TypeError, match="unexpected details: colour"):
        book(at(MONDAY, "10:00"), colour="blue")
    assert not Appointment.objects.exists()


def test_a_start_in_the_past_is_refused(book):
    refused(book, at(TODAY, "11:00"), message="Wed 5 Jun 11:00 has already passed; choose a time in the future.")


def test_a_start_at_this_very_minute_is_refused(book):
    refused(book, NOW, message="Wed 5 Jun 12:00 has already passed; choose a time in the future.")


def test_a_start_before_the_clinic_opens_is_refused(book):
    refused(
        book,
        at(MONDAY, "07:45"),
        message="Mon 10 Jun 07:45-08:30 is outside clinic hours (Mon-Fri 08:00-18:00).",
    )


def test_a_booking_running_past_closing_time_is_refused(book):
    refused(
        book,
        at(MONDAY, "17:30"),
        message="Mon 10 Jun 17:30-18:15 is outside clinic hours (Mon-Fri 08:00-18:00).",
    )


def test_the_first_and_last_bookings_of_the_day_fit_the_opening_hours_exactly(book):
    first = book(at(MONDAY, "08:00"))
    last = book(at(MONDAY, "17:15"))
    assert first.scheduled_start == at(MONDAY, "08:00")
    assert last.expected_end == at(MONDAY, "18:00")


def test_a_saturday_booking_is_refused_when_the_clinic_is_closed_on_saturdays(book):
    refused(
        book,
        at(SATURDAY, "10:00"),
        message="Sat 15 Jun 10:00-10:45 is outside clinic hours (Mon-Fri 08:00-18:00).",
    )


def test_a_clinic_open_on_saturday_mornings_books_them(book, settings):
    settings.CLINIC_OPENING_HOURS = "Mon-Fri 08:00-18:00; Sat 09:00-12:00"
    assert book(at(SATURDAY, "11:15")).expected_end == at(SATURDAY, "12:00")
    refused(
        book,
        at(SATURDAY, "11:30"),
        message="Sat 15 Jun 11:30-12:15 is outside clinic hours (Mon-Fri 08:00-18:00; Sat 09:00-12:00).",
    )


@pytest.mark.parametrize("minutes", [20, 90])
def test_a_booking_outside_the_usual_30_to_60_minutes_needs_a_reason(book, minutes):
    refused(
        book,
        at(MONDAY, "10:00"),
        expected_duration=minutes,
        message=f"A ductogram is booked for 30-60 minutes; give a reason to book {minutes}.",
    )


def test_a_blank_reason_is_no_reason(book):
    refused(
        book,
        at(MONDAY, "10:00"),
        expected_duration=90,
        duration_reason="   ",
        message="A ductogram is booked for 30-60 minutes; give a reason to book 90.",
    )


def test_a_longer_booking_with_a_reason_is_accepted(book):
    appointment = book(at(MONDAY, "10:00"), expected_duration=90, duration_reason="Bilateral, anxious patient")
    appointment.refresh_from_db()
    assert appointment.expected_duration == 90
    assert appointment.duration_reason == "Bilateral, anxious patient"


@pytest.mark.parametrize("minutes", [0, 241])
def test_a_booking_of_no_time_or_over_four_hours_is_refused_even_with_a_reason(book, minutes):
    refused(
        book,
        at(MONDAY, "10:00"),
        expected_duration=minutes,
        duration_reason="Teaching list",
        message="A booking lasts between 1 and 240 minutes.",
    )


def test_a_room_out_of_use_is_refused(book):
    closed = RoomFactory(name="Mammo Room 3", is_active=False)
    refused(book, at(MONDAY, "10:00"), room=closed, message="Mammo Room 3 is not in use; choose another room.")


def test_a_second_booking_in_the_same_room_and_time_is_refused_with_the_room_and_times(book):
    book(at(MONDAY, "10:00"))
    # Clinic time, not UTC (which would read 09:00-09:45 in June).
    message = "Mammo Room 1 is booked 10:00-10:45 for another patient."
    refused(book, at(MONDAY, "10:00"), message=message)
    refused(book, at(MONDAY, "10:30"), message=message)
    refused(book, at(MONDAY, "09:30"), message=message)
    refused(book, at(MONDAY, "09:45"), expected_duration=60, message=message)


def test_a_booking_that_would_swallow_a_shorter_one_is_refused(book):
    book(at(MONDAY, "10:15"), expected_duration=30)
    refused(
        book,
        at(MONDAY, "10:00"),
        expected_duration=60,
        message="Mammo Room 1 is booked 10:15-10:45 for another patient.",
    )


def test_a_radiologist_cannot_be_booked_in_two_rooms_at_once(book, radiologist, room2):
    book(at(MONDAY, "10:00"), radiologist=radiologist)
    refused(
        book,
        at(MONDAY, "10:15"),
        room=room2,
        radiologist=radiologist,
        message="Adaeze Okafor is already booked 10:00-10:45 in Mammo Room 1.",
    )


def test_the_same_time_in_another_room_with_another_radiologist_is_fine(book, radiologist, room2):
    book(at(MONDAY, "10:00"), radiologist=radiologist)
    other = book(at(MONDAY, "10:00"), room=room2, radiologist=RadiologistFactory())
    assert other.room == room2


def test_a_user_who_is_not_a_radiologist_cannot_be_booked_as_one(book, scheduler):
    refused(book, at(MONDAY, "10:00"), radiologist=scheduler, message="Sam Patel is not a radiologist.")


def test_back_to_back_bookings_in_one_room_are_allowed(book, radiologist):
    book(at(MONDAY, "10:00"), radiologist=radiologist)
    after = book(at(MONDAY, "10:45"), radiologist=radiologist)
    before = book(at(MONDAY, "09:15"), radiologist=radiologist)
    assert after.scheduled_start == at(MONDAY, "10:45")
    assert before.expected_end == at(MONDAY, "10:00")
    assert Appointment.objects.count() == 3


def test_a_cancelled_booking_frees_its_slot(book):
    first = book(at(MONDAY, "10:00"))
    cancel_appointment(first, reason_code="other", reason="Patient's discharge has stopped")
    second = book(at(MONDAY, "10:00"))
    assert second.status == Appointment.Status.BOOKED
    assert Appointment.objects.filter(scheduled_start=at(MONDAY, "10:00")).count() == 2


def test_a_missed_appointment_frees_its_slot_for_the_rest_of_the_hour(book, frozen_now, room):
    missed = book(at(MONDAY, "10:00"))
    frozen_now.move_to(at(MONDAY, "10:20"))
    mark_no_show(missed)
    late = book(at(MONDAY, "10:30"), expected_duration=30)
    assert late.room == room


def test_a_form_can_ask_whether_a_booking_would_be_refused_without_saving(book, ductogram, room):
    book(at(MONDAY, "10:00"))
    with pytest.raises(BookingError, match="Mammo Room 1 is booked 10:00-10:45"):
        check_booking(procedure_type=ductogram, room=room, radiologist=None, start=at(MONDAY, "10:30"), duration=45)
    check_booking(procedure_type=ductogram, room=room, radiologist=None, start=at(MONDAY, "11:00"), duration=45)
    assert Appointment.objects.count() == 1


@pytest.mark.postgres
def test_a_booking_that_loses_a_race_gets_the_same_sentence_from_the_database(book, monkeypatch):
    """On PostgreSQL a new booking does not ask before it inserts (one statement fewer): the exclusion constraint
    refuses the overlap, exactly as when the other booking commits between a check and an insert, and the refusal
    is put in the checker's words."""
    book(at(MONDAY, "10:00"))
    real_overlapping = booking._overlapping
    calls = []

    def counted(**kwargs):
        calls.append(kwargs)
        return real_overlapping(**kwargs)

    monkeypatch.setattr(booking, "_overlapping", counted)
    refused(book, at(MONDAY, "10:30"), message="Mammo Room 1 is booked 10:00-10:45 for another patient.")
    assert len(calls) == 1, "looked up once, after the database refused, to say who holds the room"


# Rescheduling


def test_rescheduling_moves_the_time_and_keeps_the_room(book, room):
    appointment = book(at(MONDAY, "10:00"))
    moved = reschedule_appointment(appointment, new_start=at(MONDAY, "14:00"))
    moved.refresh_from_db()
    assert moved.scheduled_start == at(MONDAY, "14:00")
    assert moved.room == room
    assert moved.expected_duration == 45


def test_rescheduling_can_move_to_another_room_and_length(book, room2):
    appointment = book(at(MONDAY, "10:00"))
    moved = reschedule_appointment(appointment, new_start=at(MONDAY, "11:00"), room=room2, expected_duration=60)
    moved.refresh_from_db()
    assert (moved.room, moved.scheduled_start, moved.expected_duration) == (room2, at(MONDAY, "11:00"), 60)


def test_a_confirmed_patient_who_is_rescheduled_is_booked_again_until_she_confirms_the_new_time(book, scheduler):
    appointment = confirm_attendance(book(at(MONDAY, "10:00")))
    assert appointment.status == Appointment.Status.CONFIRMED
    moved = reschedule_appointment(appointment, new_start=at(MONDAY, "15:00"), by=scheduler)
    moved.refresh_from_db()
    assert moved.status == Appointment.Status.BOOKED
    assert moved.history.first().history_user == scheduler


def test_rescheduling_into_another_patients_slot_is_refused_and_changes_nothing(book):
    book(at(MONDAY, "14:00"))
    appointment = book(at(MONDAY, "10:00"))
    refused(
        reschedule_appointment,
        appointment,
        new_start=at(MONDAY, "14:30"),
        message="Mammo Room 1 is booked 14:00-14:45 for another patient.",
    )
    appointment.refresh_from_db()
    assert appointment.scheduled_start == at(MONDAY, "10:00")


def test_moving_a_booking_by_15_minutes_over_its_own_old_slot_is_fine(book):
    appointment = book(at(MONDAY, "10:00"))
    moved = reschedule_appointment(appointment, new_start=at(MONDAY, "10:15"))
    moved.refresh_from_db()
    assert moved.scheduled_start == at(MONDAY, "10:15")


def test_rescheduling_into_the_past_or_out_of_hours_is_refused(book):
    appointment = book(at(MONDAY, "10:00"))
    refused(
        reschedule_appointment,
        appointment,
        new_start=at(TODAY, "09:00"),
        message="Wed 5 Jun 09:00 has already passed; choose a time in the future.",
    )
    refused(
        reschedule_appointment,
        appointment,
        new_start=at(SATURDAY, "10:00"),
        message="Sat 15 Jun 10:00-10:45 is outside clinic hours (Mon-Fri 08:00-18:00).",
    )


def test_a_cancelled_appointment_cannot_be_rescheduled(book):
    appointment = cancel_appointment(book(at(MONDAY, "10:00")), reason_code="other", reason="Patient moved away")
    refused(
        reschedule_appointment,
        appointment,
        new_start=at(MONDAY, "14:00"),
        message="This appointment is cancelled and can no longer be moved.",
    )


def test_a_checked_in_patient_cannot_be_rescheduled(book, frozen_now):
    appointment = book(at(MONDAY, "10:00"))
    frozen_now.move_to(at(MONDAY, "09:45"))
    check_in(appointment)
    refused(
        reschedule_appointment,
        appointment,
        new_start=at(MONDAY, "14:00"),
        message="This appointment is checked in and can no longer be moved.",
    )


# Cancelling


def test_cancelling_records_the_reason_and_who_cancelled(book, scheduler):
    appointment = book(at(MONDAY, "10:00"))
    cancelled = cancel_appointment(appointment, reason_code="other", reason="  Discharge stopped  ", by=scheduler)
    cancelled.refresh_from_db()
    assert cancelled.status == Appointment.Status.CANCELLED
    assert cancelled.cancellation_reason == "Discharge stopped"
    assert cancelled.status_changed_at == NOW
    assert cancelled.history.first().history_user == scheduler


@pytest.mark.parametrize("code", ["", "moved_away", None])
def test_cancelling_without_a_reason_from_the_list_is_refused(book, code):
    appointment = book(at(MONDAY, "10:00"))
    refused(
        cancel_appointment,
        appointment,
        reason_code=code,
        reason="Some words",
        message="Choose why the appointment is cancelled.",
    )


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_other_needs_words(book, reason):
    appointment = book(at(MONDAY, "10:00"))
    refused(
        cancel_appointment,
        appointment,
        reason_code="other",
        reason=reason,
        message='Say why the appointment is cancelled: the reason is "Other".',
    )


def test_cancelling_twice_is_refused(book):
    appointment = cancel_appointment(book(at(MONDAY, "10:00")), reason_code="unwell", reason="Unwell")
    refused(
        cancel_appointment,
        appointment,
        reason_code="unwell",
        reason="Unwell again",
        message="This appointment is already cancelled.",
    )


# Did not attend


def test_a_patient_cannot_be_marked_as_missing_an_appointment_still_to_come(book):
    appointment = book(at(MONDAY, "10:00"))
    refused(mark_no_show, appointment, message="A patient can only miss an appointment once its time has come.")


def test_a_patient_who_did_not_come_is_marked_as_a_no_show_once_the_time_has_come(book, frozen_now, scheduler):
    appointment = book(at(MONDAY, "10:00"))
    frozen_now.move_to(at(MONDAY, "10:10"))
    missed = mark_no_show(appointment, by=scheduler)
    missed.refresh_from_db()
    assert missed.status == Appointment.Status.NO_SHOW
    assert missed.status_changed_at == at(MONDAY, "10:10")
    assert missed.history.first().history_user == scheduler
    refused(mark_no_show, missed, message="This appointment is already marked as did not attend.")


def test_a_completed_appointment_cannot_become_a_no_show(book, frozen_now):
    appointment = book(at(MONDAY, "10:00"))
    frozen_now.move_to(at(MONDAY, "11:00"))
    complete_appointment(check_in(appointment))
    refused(mark_no_show, appointment, message="This appointment is already completed.")


# Confirming, checking in, completing


def test_confirming_attendance_twice_is_harmless(book, frozen_now):
    appointment = book(at(MONDAY, "10:00"))
    confirmed = confirm_attendance(appointment)
    frozen_now.move_to(NOW + timedelta(hours=1))
    again = confirm_attendance(appointment)
    again.refresh_from_db()
    assert again.status == Appointment.Status.CONFIRMED
    assert again.status_changed_at == confirmed.status_changed_at == NOW
    assert again.history.count() == 2


def test_a_cancelled_appointment_cannot_be_confirmed(book):
    appointment = cancel_appointment(book(at(MONDAY, "10:00")), reason_code="unwell", reason="Unwell")
    refused(confirm_attendance, appointment, message="This appointment is cancelled.")


def test_the_patient_is_checked_in_and_the_appointment_completed(book, frozen_now, radiologist):
    appointment = confirm_attendance(book(at(MONDAY, "10:00")))
    frozen_now.move_to(at(MONDAY, "09:48"))
    assert check_in(appointment, by=radiologist).status == Appointment.Status.CHECKED_IN
    frozen_now.move_to(at(MONDAY, "10:50"))
    done = complete_appointment(appointment, by=radiologist)
    done.refresh_from_db()
    assert done.status == Appointment.Status.COMPLETED
    assert done.status_changed_at == at(MONDAY, "10:50")
    assert complete_appointment(appointment).status == Appointment.Status.COMPLETED
    assert done.history.count() == 4


def test_a_cancelled_appointment_cannot_be_checked_in_or_completed(book):
    appointment = cancel_appointment(book(at(MONDAY, "10:00")), reason_code="unwell", reason="Unwell")
    refused(check_in, appointment, message="This appointment is cancelled; it cannot be checked in.")
    refused(complete_appointment, appointment, message="This appointment is cancelled; it cannot be completed.")


# Free slots


def test_an_empty_day_offers_every_quarter_hour_from_opening_until_the_last_start_that_ends_by_closing(room):
    slots = free_slots(room=room, day=MONDAY, duration=45)
    assert slots[0] == at(MONDAY, "08:00")
    assert slots[-1] == at(MONDAY, "17:15")
    assert len(slots) == 38
    assert all(timezone.is_aware(s) for s in slots)
    assert all(b - a == timedelta(minutes=15) for a, b in zip(slots, slots[1:], strict=False))


def test_free_slots_skip_the_booked_span_and_not_a_cancelled_one_or_another_rooms(book, room, room2):
    book(at(MONDAY, "10:00"))
    cancel_appointment(book(at(MONDAY, "14:00")), reason_code="unwell", reason="Unwell")
    book(at(MONDAY, "16:00"), room=room2)
    slots = free_slots(room=room, day=MONDAY, duration=45)
    for taken in ("09:30", "09:45", "10:00", "10:15", "10:30"):
        assert at(MONDAY, taken) not in slots
    for free in ("09:15", "10:45", "14:00", "16:00"):
        assert at(MONDAY, free) in slots
    assert len(slots) == 38 - 5


def test_every_free_slot_offered_can_be_booked(book, room):
    book(at(MONDAY, "10:00"))
    book(at(MONDAY, "13:15"), expected_duration=60)
    slots = free_slots(room=room, day=MONDAY, duration=60)
    for start in slots[::4]:
        check_booking(procedure_type=ProcedureTypeFactory(), room=room, radiologist=None, start=start, duration=60)
    assert at(MONDAY, "12:15") in slots
    assert at(MONDAY, "12:30") not in slots


def test_free_slots_today_start_after_now(room):
    slots = free_slots(room=room, day=TODAY, duration=45)
    assert slots[0] == at(TODAY, "12:15")
    assert slots[-1] == at(TODAY, "17:15")


def test_no_slots_on_a_weekend_or_in_a_room_out_of_use(room):
    assert free_slots(room=room, day=SATURDAY, duration=45) == []
    assert free_slots(room=room, day=SUNDAY, duration=45) == []
    closed = RoomFactory(name="Mammo Room 3", is_active=False)
    assert free_slots(room=closed, day=MONDAY, duration=45) == []


# Clock changes: bookings are stored in UTC and clinic hours follow London's clocks.


@pytest.mark.parametrize(
    "today, day, utc_hour",
    [
        pytest.param(date(2027, 3, 20), date(2027, 3, 29), 9, id="monday-after-clocks-go-forward"),
        pytest.param(date(2027, 10, 20), date(2027, 10, 25), 9, id="last-monday-of-summer-time"),
        pytest.param(date(2027, 10, 20), date(2027, 11, 1), 10, id="monday-after-clocks-go-back"),
    ],
)
def test_a_ten_o_clock_booking_across_a_clock_change_is_stored_as_the_right_instant(book, room, today, day, utc_hour):
    with time_machine.travel(datetime.combine(today, time(12, 0), tzinfo=LONDON), tick=False):
        appointment = book(at(day, "10:00"))
        appointment.refresh_from_db()
        assert appointment.scheduled_start == datetime.combine(day, time(utc_hour, 0), tzinfo=UTC)
        assert timezone.localtime(appointment.scheduled_start).strftime("%H:%M") == "10:00"
        slots = free_slots(room=room, day=day, duration=45)
        assert slots[0] == at(day, "08:00")
        assert slots[0] == datetime.combine(day, time(utc_hour - 2, 0), tzinfo=UTC)
        assert slots[-1] == at(day, "17:15")
        refused(book, at(day, "10:15"), message="Mammo Room 1 is booked 10:00-10:45 for another patient.")


# Booking details: what a booking says, corrected without moving it


def test_correcting_a_bookings_details_records_who_did_it_and_moves_nothing(book, scheduler):
    appointment = book(at(MONDAY, "10:00"))
    changed = change_booking_details(
        appointment, by=scheduler, laterality=Appointment.Laterality.RIGHT, notes="Prefers a female radiologist"
    )
    changed.refresh_from_db()
    assert (changed.laterality, changed.notes) == ("right", "Prefers a female radiologist")
    assert (changed.scheduled_start, changed.status) == (at(MONDAY, "10:00"), Appointment.Status.BOOKED)
    assert changed.history.first().history_user == scheduler
    change_booking_details(changed, by=scheduler, notes="Prefers a female radiologist")
    assert changed.history.count() == 2  # the same words again write nothing


@pytest.mark.parametrize("field", ["scheduled_start", "status", "room", "duration_reason"])
def test_a_bookings_time_room_or_status_is_not_a_detail_to_correct(book, field):
    appointment = book(at(MONDAY, "10:00"))
    with pytest.raises(TypeError, match=f"unexpected details: {field}"):
        change_booking_details(appointment, **{field: getattr(appointment, field)})


# Patients: registered and changed through the services


def test_register_patient_saves_her_with_who_registered_her(scheduler):
    patient = register_patient(
        by=scheduler,
        mrn="RX300001",
        given_name="Ngozi",
        family_name="Eze",
        date_of_birth=date(1977, 5, 23),
        email="ngozi@example.com",
        mobile="+447911123456",
        channels=["sms"],
    )
    patient = Patient.objects.get(pk=patient.pk)
    assert (patient.mrn, patient.full_name, str(patient.mobile)) == ("RX300001", "Ngozi Eze", "+447911123456")
    assert patient.reminder_channels() == {"sms"}
    assert patient.history.get().history_user == scheduler


def test_register_patient_refuses_a_field_a_patient_does_not_have():
    with pytest.raises(TypeError, match="unexpected patient fields: colour"):
        register_patient(mrn="RX300001", given_name="Ngozi", family_name="Eze", colour="blue")
    assert not Patient.objects.exists()


def test_a_new_mobile_brings_texts_for_the_coming_appointment_and_records_who_changed_it(book, scheduler):
    patient = PatientFactory(mobile="", channels=["email", "sms"])
    appointment = book(at(MONDAY, "10:00"), patient=patient)
    assert not appointment.reminders.filter(channel="sms").exists()
    updated = update_patient(patient, by=scheduler, mobile="+447911123456")
    assert str(Patient.objects.get(pk=patient.pk).mobile) == "+447911123456"
    assert updated.history.first().history_user == scheduler
    texts = appointment.reminders.filter(channel="sms").values_list("stage", flat=True)
    assert set(texts) == {"preparation_starts", "two_days_before", "day_before"}


def test_only_a_change_of_email_mobile_or_preference_re_plans_the_reminders(book, monkeypatch):
    patient = book(at(MONDAY, "10:00")).patient
    replanned = []
    monkeypatch.setattr("reminders.services.patient_details_changed", replanned.append)
    update_patient(patient, family_name="Okonkwo-Smith", email=patient.email)
    assert replanned == []
    update_patient(patient, channels=["email"])
    assert [p.pk for p in replanned] == [patient.pk]
    assert Patient.objects.get(pk=patient.pk).family_name == "Okonkwo-Smith"


def test_a_patients_details_saved_unchanged_write_nothing(scheduler):
    patient = PatientFactory()
    update_patient(patient, by=scheduler, email=patient.email, mobile=patient.mobile)
    assert patient.history.count() == 1


# Results: logged by the radiologist, completing the appointment


def _result(appointment: Appointment, **fields) -> ProcedureResult:
    defaults = {
        "outcome": ProcedureResult.Outcome.PERFORMED,
        "started_at": appointment.scheduled_start + timedelta(minutes=5),
        "ended_at": appointment.scheduled_start + timedelta(minutes=45),
        "duct_cannulated": True,
        "findings": [ProcedureResult.Finding.NORMAL],
    }
    return ProcedureResult(appointment=appointment, **(defaults | fields))


def test_recording_a_result_completes_the_appointment_and_stamps_who_logged_it(book, frozen_now, radiologist):
    appointment = book(at(MONDAY, "10:00"))  # nobody checked her in, but a result means she came
    frozen_now.move_to(at(MONDAY, "10:50"))
    result = record_result(_result(appointment), by=radiologist)
    result = ProcedureResult.objects.get(pk=result.pk)
    assert (result.logged_by, result.logged_at) == (radiologist, at(MONDAY, "10:50"))
    assert result.history.get().history_user == radiologist
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    assert appointment.status_changed_at == at(MONDAY, "10:50")
    assert appointment.history.first().history_user == radiologist
    assert not appointment.reminders.filter(status=Reminder.Status.PENDING).exists()


def test_correcting_a_result_keeps_who_logged_it_and_records_who_corrected_it(book, frozen_now, radiologist):
    appointment = book(at(MONDAY, "10:00"))
    frozen_now.move_to(at(MONDAY, "10:50"))
    result = record_result(_result(appointment), by=radiologist)
    colleague = RadiologistFactory()
    frozen_now.move_to(at(MONDAY, "16:00"))
    result.report = "Addendum: normal ductal system on review."
    record_result(result, by=colleague)
    result = ProcedureResult.objects.get(pk=result.pk)
    assert (result.logged_by, result.logged_at) == (radiologist, at(MONDAY, "10:50"))
    assert result.report.startswith("Addendum")
    assert result.history.first().history_user == colleague
    assert result.history.count() == 2


def test_a_result_for_a_cancelled_appointment_leaves_it_cancelled(book, frozen_now, radiologist):
    appointment = cancel_appointment(book(at(MONDAY, "10:00")), reason_code="other", reason="Breast infection")
    frozen_now.move_to(at(MONDAY, "10:50"))
    record_result(_result(appointment, outcome=ProcedureResult.Outcome.POSTPONED_INFECTION), by=radiologist)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.result.logged_by == radiologist


def test_a_result_is_not_kept_if_its_appointment_cannot_be_completed(book, frozen_now, radiologist, monkeypatch):
    appointment = book(at(MONDAY, "10:00"))
    frozen_now.move_to(at(MONDAY, "10:50"))

    def refuse(appointment, *, by):
        raise BookingError("This appointment is cancelled; it cannot be completed.")

    monkeypatch.setattr(results, "complete_appointment", refuse)
    with pytest.raises(BookingError):
        record_result(_result(appointment), by=radiologist)
    assert not ProcedureResult.objects.exists()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
