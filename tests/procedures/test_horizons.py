"""How far the clinic's dates reach: bookings and moves up to BOOKING_HORIZON_DAYS ahead (and free times never
sought beyond it, down to the calendar's first and last days), dates of birth from 120 years ago to today, and
results that end after they start, last at most RESULT_MAX_HOURS and happen within a day of the booking.
"Now" is frozen at Wednesday 5 June 2030, 12:00 in London (BST, UTC+1); the horizon is Thursday 5 June 2031, 12:00."""

from datetime import UTC, date, datetime, timedelta
from datetime import timezone as fixed_offset

import pytest
from django.core.exceptions import ValidationError

from procedures import slots
from procedures.models import Appointment, Patient, ProcedureResult
from procedures.patients.forms import NewPatientForm
from procedures.services import (
    BookingError,
    free_slots,
    record_result,
    register_patient,
    reschedule_appointment,
    update_patient,
)
from tests.clinic import LONDON, MONDAY, TODAY, at
from tests.factories import AppointmentFactory, PatientFactory, ProcedureResultFactory, next_clinic_day
from tests.procedures.test_admin import _admin_url, _result_inline_post
from tests.procedures.test_views_booking import BOOK_URL, booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

LAST_DAY = date(2031, 6, 5)  # a Thursday, 365 days after NOW
TOO_FAR = "Bookings can be made up to 365 days ahead (until Thu 5 Jun 2031 12:00); {} is too far."
# Times a form or a link can produce at the calendar's ends, in any UTC offset.
CALENDAR_END = datetime(9999, 12, 31, 23, 59, tzinfo=fixed_offset(timedelta(hours=-12)))
CALENDAR_START = datetime(1, 1, 1, 0, 0, tzinfo=fixed_offset(timedelta(hours=14)))


def refused_with(sentence: str, call, *args, **kwargs) -> None:
    before = list(Appointment.objects.order_by("pk").values())
    with pytest.raises(BookingError) as exc:
        call(*args, **kwargs)
    assert str(exc.value) == sentence
    assert list(Appointment.objects.order_by("pk").values()) == before


# Bookings and moves


def test_a_booking_past_the_horizon_is_refused_with_a_sentence(book):
    refused_with(TOO_FAR.format("Thu 1 Jan 2099"), book, at(date(2099, 1, 1), "10:00"))
    refused_with(TOO_FAR.format("Thu 5 Jun 2031"), book, at(LAST_DAY, "12:15"))
    assert book(at(LAST_DAY, "11:15")).scheduled_start == at(LAST_DAY, "11:15")


def test_a_move_past_the_horizon_is_refused_and_the_booking_stays(book):
    appointment = book(at(MONDAY, "10:00"))
    refused_with(
        TOO_FAR.format("Fri 31 Dec 9999"),
        reschedule_appointment,
        appointment,
        new_start=datetime(9999, 12, 31, 10, 0, tzinfo=LONDON),
    )
    appointment.refresh_from_db()
    assert appointment.scheduled_start == at(MONDAY, "10:00")


def test_the_horizon_is_a_setting(book, settings):
    settings.BOOKING_HORIZON_DAYS = 30
    refused_with(
        "Bookings can be made up to 30 days ahead (until Fri 5 Jul 2030 12:00); Mon 8 Jul 2030 is too far.",
        book,
        at(date(2030, 7, 8), "10:00"),
    )
    assert book(at(date(2030, 7, 5), "10:00")).status == Appointment.Status.BOOKED


@pytest.mark.parametrize(
    "start, sentence",
    [
        (CALENDAR_END, TOO_FAR.format("Fri 31 Dec 9999")),
        (datetime(9999, 12, 31, 23, 45, tzinfo=LONDON), TOO_FAR.format("Fri 31 Dec 9999")),
        (CALENDAR_START, "Mon 1 Jan 00:00 has already passed; choose a time in the future."),
        (datetime(1, 1, 1, 8, 0, tzinfo=UTC), "Mon 1 Jan 07:58 has already passed; choose a time in the future."),
    ],
)
def test_a_clash_at_the_end_of_the_calendar_offers_times_without_a_server_error(book, room, start, sentence):
    refused_with(sentence, book, start)
    here, elsewhere = slots.offered_slots(room=room, after=start, duration=45)
    if start > slots.booking_horizon():
        assert (here, elsewhere) == ([], [])  # nothing can be booked out there
    else:
        assert here[0] == at(TODAY, "12:15")  # a time long past offers the first free times from now


def test_free_times_are_never_sought_past_the_horizon_or_the_calendar(room):
    assert free_slots(room=room, day=date.max, duration=45) == []
    assert free_slots(room=room, day=date.min, duration=45) == []
    assert free_slots(room=room, day=LAST_DAY + timedelta(days=1), duration=45) == []
    last_day = free_slots(room=room, day=LAST_DAY, duration=45)
    assert (last_day[0], last_day[-1]) == (at(LAST_DAY, "08:00"), at(LAST_DAY, "12:00"))
    here, _ = slots.offered_slots(room=room, after=at(LAST_DAY - timedelta(days=1), "17:30"), duration=45)
    assert here == [at(LAST_DAY, t) for t in ("08:00", "08:15", "08:30", "08:45", "09:00", "09:15")]
    here, _ = slots.offered_slots(room=room, after=at(LAST_DAY, "11:00"), duration=45, count=20)
    assert here == [at(LAST_DAY, t) for t in ("11:00", "11:15", "11:30", "11:45", "12:00")]


def test_a_horizon_beyond_the_calendar_stops_at_its_end(book, room, settings):
    settings.BOOKING_HORIZON_DAYS = 10_000_000
    latest = slots.booking_horizon()
    assert latest.year == 9999
    here, _ = slots.offered_slots(room=room, after=datetime(9999, 12, 20, 10, 0, tzinfo=LONDON), duration=45)
    assert here and all(start <= latest for start in here)
    assert slots.offered_slots(room=room, after=CALENDAR_END, duration=45) == ([], [])
    with pytest.raises(BookingError, match="is too far"):
        book(CALENDAR_END)


def test_a_booking_far_ahead_on_the_form_is_a_sentence_not_a_server_error(as_scheduler, room1, ductogram):
    patient = PatientFactory()
    page = as_scheduler.post(BOOK_URL, booking(patient, room=room1.pk, start_date="2099-01-01"))
    assert page.status_code == 200
    assert TOO_FAR.format("Thu 1 Jan 2099") in page.content.decode()
    assert (page.context["offered"], page.context["offered_elsewhere"]) == ([], [])
    assert not Appointment.objects.exists()


# Dates of birth


def patient_born(day: date) -> Patient:
    """A patient not yet saved, valid in every other field (the factory's drama-range mobiles are not)."""
    return PatientFactory.build(date_of_birth=day, mobile="+447911123456")


def test_a_date_of_birth_in_the_future_is_refused_on_the_field():
    patient = patient_born(TODAY + timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        patient.full_clean()
    assert exc.value.message_dict["date_of_birth"] == ["A date of birth cannot be in the future; check the year."]
    form = NewPatientForm({"mrn": "RX1", "given_name": "Ngozi", "family_name": "Eze", "date_of_birth": "2030-06-06"})
    assert form.errors["date_of_birth"] == ["A date of birth cannot be in the future; check the year."]


def test_a_date_of_birth_more_than_120_years_ago_is_refused_and_120_is_not():
    too_old = patient_born(date(1910, 6, 4))
    with pytest.raises(ValidationError) as exc:
        too_old.full_clean()
    assert exc.value.message_dict["date_of_birth"] == [
        "A date of birth before 5 Jun 1910 would make the patient older than 120; check the year."
    ]
    patient_born(date(1910, 6, 5)).full_clean()
    patient_born(TODAY).full_clean()


def test_the_patient_services_refuse_an_impossible_date_of_birth_and_save_nothing(scheduler):
    with pytest.raises(ValidationError) as exc:
        register_patient(
            by=scheduler, mrn="RX300001", given_name="Ngozi", family_name="Eze", date_of_birth="2030-07-01"
        )
    assert list(exc.value.message_dict) == ["date_of_birth"]
    assert not Patient.objects.exists()
    patient = PatientFactory(date_of_birth=date(1977, 5, 23))
    with pytest.raises(ValidationError):
        update_patient(patient, by=scheduler, date_of_birth=date(1, 1, 1))
    patient.refresh_from_db()
    assert patient.date_of_birth == date(1977, 5, 23)


# Results


def _result(appointment: Appointment, *, minutes: float, starts_after: timedelta = timedelta(minutes=5)):
    started = appointment.scheduled_start + starts_after
    return ProcedureResult(
        appointment=appointment,
        outcome=ProcedureResult.Outcome.PERFORMED,
        started_at=started,
        ended_at=started + timedelta(minutes=minutes),
        duct_cannulated=True,
        findings=[ProcedureResult.Finding.NORMAL],
    )


@pytest.fixture
def done(book, frozen_now) -> Appointment:
    """Monday 10:00's ductogram, and the clock at 15:00 that day, when the radiologist logs the result."""
    appointment = book(at(MONDAY, "10:00"))
    frozen_now.move_to(at(MONDAY, "15:00"))
    return appointment


def test_a_result_longer_than_four_hours_is_refused(done, radiologist):
    with pytest.raises(ValidationError) as exc:
        record_result(_result(done, minutes=4 * 60 + 1), by=radiologist)
    assert exc.value.message_dict == {
        "ended_at": ["A procedure lasts at most 4 hours; these times make 4 h 01 min. Check the dates and times."]
    }
    assert not ProcedureResult.objects.exists()
    done.refresh_from_db()
    assert done.status == Appointment.Status.BOOKED
    assert record_result(_result(done, minutes=4 * 60), by=radiologist).actual_duration == 240


def test_the_longest_result_is_a_setting(done, radiologist, settings):
    settings.RESULT_MAX_HOURS = 1
    with pytest.raises(ValidationError, match="at most 1 hour; these times make 1 h 05 min"):
        record_result(_result(done, minutes=65), by=radiologist)


def test_a_result_from_the_start_to_the_end_of_the_calendar_is_refused_on_both_fields(done, radiologist):
    result = _result(done, minutes=0)
    result.started_at = datetime(1, 1, 1, tzinfo=UTC)
    result.ended_at = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    with pytest.raises(ValidationError) as exc:
        record_result(result, by=radiologist)
    assert exc.value.message_dict == {
        "started_at": ["This is more than a day from the booked time (Mon 10 Jun 2030 10:00); check the date."],
        "ended_at": ["A procedure lasts at most 4 hours; these times make 3,652,058 days. Check the dates and times."],
    }
    assert not ProcedureResult.objects.exists()


def test_a_result_a_day_away_from_the_booking_is_refused(done, radiologist):
    with pytest.raises(ValidationError) as exc:
        record_result(_result(done, minutes=40, starts_after=timedelta(days=1, minutes=1)), by=radiologist)
    assert set(exc.value.message_dict) == {"started_at", "ended_at"}
    assert record_result(_result(done, minutes=40, starts_after=timedelta(hours=-1)), by=radiologist).pk


def test_a_result_that_ends_as_it_starts_is_refused(done, radiologist):
    with pytest.raises(ValidationError) as exc:
        record_result(_result(done, minutes=0), by=radiologist)
    assert exc.value.message_dict == {"ended_at": ["The procedure must end after it started; check the end time."]}


def test_an_absurd_duration_saved_before_the_rule_is_never_shown():
    legacy = ProcedureResultFactory(started_at=next_clinic_day(), ended_at=next_clinic_day() + timedelta(days=90))
    assert legacy.actual_duration is None


def test_the_admin_shows_a_result_too_long_on_its_end_time(client, radiologist):
    start = next_clinic_day(days_ahead=-3)
    appointment = AppointmentFactory(scheduled_start=start, status=Appointment.Status.CHECKED_IN)
    client.force_login(radiologist)
    day = f"{start.astimezone(LONDON):%Y-%m-%d}"
    data = _result_inline_post(appointment, started_at_0=day, started_at_1="10:00", ended_at_0=day, ended_at_1="15:30")
    response = client.post(_admin_url(Appointment, "change", appointment.pk), data)
    assert response.status_code == 200
    assert "A procedure lasts at most 4 hours; these times make 5 h 30 min." in response.content.decode()
    assert not ProcedureResult.objects.exists()
