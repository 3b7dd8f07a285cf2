"""The clinic's invariants: each is held by the database, and when validated it is reported in words, not a crash."""

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from procedures.models import Appointment, FaqEntry, Patient, ProcedureResult, ProcedureType
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    ProcedureResultFactory,
    ProcedureTypeFactory,
    RadiologistFactory,
    RoomFactory,
    next_clinic_day,
)

pytestmark = pytest.mark.django_db


@contextmanager
def refused_by_database(constraint: str | None = None):
    """The block must raise IntegrityError, naming `constraint`; a savepoint keeps the test's transaction usable."""
    with pytest.raises(IntegrityError) as exc:
        with transaction.atomic():
            yield
    if constraint is not None:
        assert constraint in str(exc.value), str(exc.value)


def unsaved_appointment(**kwargs) -> Appointment:
    """An appointment not yet saved, whose patient, type and room exist: what a form validates."""
    return AppointmentFactory.build(
        patient=PatientFactory(), procedure_type=ProcedureTypeFactory(), room=RoomFactory(), **kwargs
    )


def done_appointment() -> Appointment:
    """A ductogram that has taken place (a result is logged only once the appointment has started)."""
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=2)
    return AppointmentFactory(status=Appointment.Status.COMPLETED, scheduled_start=start)


def logged_result(**kwargs) -> ProcedureResult:
    return ProcedureResultFactory(appointment=kwargs.pop("appointment", None) or done_appointment(), **kwargs)


def unsaved_result(**kwargs) -> ProcedureResult:
    return ProcedureResultFactory.build(appointment=done_appointment(), **kwargs)


def messages(exc: pytest.ExceptionInfo) -> list[str]:
    return exc.value.messages


# Patients


def test_two_patients_cannot_share_a_hospital_number():
    PatientFactory(mrn="RX100200")
    with refused_by_database():
        PatientFactory(mrn="RX100200")
    assert Patient.objects.filter(mrn="RX100200").count() == 1


def test_a_second_patient_with_the_same_hospital_number_is_told_so_when_validated():
    PatientFactory(mrn="RX100200")
    duplicate = PatientFactory.build(mrn="RX100200")
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert exc.value.message_dict["mrn"] == ["Patient with this MRN already exists."]


def test_a_patient_without_a_hospital_number_is_refused_by_the_database():
    with refused_by_database("patient_mrn_not_blank"):
        PatientFactory(mrn="")


def test_a_patient_without_a_hospital_number_is_told_an_mrn_is_required():
    patient = PatientFactory.build(mrn="")
    with pytest.raises(ValidationError) as exc:
        patient.validate_constraints()
    assert messages(exc) == ["An MRN is required."]
    with pytest.raises(ValidationError) as exc:
        patient.full_clean()
    assert "mrn" in exc.value.message_dict


def test_a_mobile_number_that_is_not_a_phone_number_is_refused_when_validated():
    patient = PatientFactory.build(mobile="12345")
    with pytest.raises(ValidationError) as exc:
        patient.full_clean()
    assert "mobile" in exc.value.message_dict


@pytest.mark.parametrize(
    "channel, email, mobile, opted_out, reachable",
    [
        (["email", "sms"], "a@patients.example", "+447700900123", False, True),
        (["email"], "a@patients.example", "", False, True),
        (["email"], "", "+447700900123", False, False),
        (["sms"], "", "+447700900123", False, True),
        (["sms"], "a@patients.example", "", False, False),
        (["email", "sms"], "", "", False, False),
        ([], "a@patients.example", "+447700900123", False, False),
        (["email", "sms"], "a@patients.example", "+447700900123", True, False),
    ],
)
def test_a_patient_can_receive_reminders_only_on_a_channel_she_chose_and_gave_details_for(
    channel, email, mobile, opted_out, reachable
):
    patient = PatientFactory(
        channels=channel,
        email=email,
        mobile=mobile,
        reminders_opt_out_at=timezone.now() if opted_out else None,
    )
    patient.refresh_from_db()
    assert patient.can_receive_reminders is reachable


# Procedure types

BAD_DURATIONS = [
    pytest.param(0, 0, 60, id="minimum-zero"),
    pytest.param(50, 45, 60, id="minimum-above-default"),
    pytest.param(30, 70, 60, id="default-above-maximum"),
    pytest.param(30, 45, 300, id="maximum-above-240"),
]


@pytest.mark.parametrize("minimum, default, maximum", BAD_DURATIONS)
def test_a_procedure_type_whose_durations_are_out_of_order_is_refused_by_the_database(minimum, default, maximum):
    with refused_by_database("proceduretype_durations_ordered"):
        ProcedureType.objects.create(
            code="ODD", name="Odd", min_duration=minimum, default_duration=default, max_duration=maximum
        )


@pytest.mark.parametrize("minimum, default, maximum", BAD_DURATIONS)
def test_a_procedure_type_whose_durations_are_out_of_order_is_told_the_rule(minimum, default, maximum):
    odd = ProcedureType(code="ODD", name="Odd", min_duration=minimum, default_duration=default, max_duration=maximum)
    with pytest.raises(ValidationError) as exc:
        odd.full_clean()
    assert "Durations must satisfy 0 < minimum ≤ default ≤ maximum ≤ 240 minutes." in messages(exc)


def test_a_procedure_type_with_ordered_durations_is_accepted():
    galacto = ProcedureType(code="LONG", name="Long ductogram", min_duration=60, default_duration=90, max_duration=240)
    galacto.full_clean()
    galacto.save()
    assert ProcedureType.objects.filter(code="LONG").exists()


# Appointments


@pytest.mark.parametrize("minutes", [0, 241])
def test_an_appointment_of_no_time_or_over_four_hours_is_refused_by_the_database(minutes):
    with refused_by_database("appointment_duration_bookable"):
        AppointmentFactory(expected_duration=minutes)


@pytest.mark.parametrize("minutes", [0, 241])
def test_an_appointment_of_no_time_or_over_four_hours_is_told_the_bookable_range(minutes):
    appointment = AppointmentFactory.build(expected_duration=minutes, duration_reason="Teaching list")
    with pytest.raises(ValidationError) as exc:
        appointment.validate_constraints()
    assert messages(exc) == ["A booking lasts between 1 and 240 minutes."]


def test_a_four_hour_appointment_is_the_longest_the_database_accepts():
    appointment = AppointmentFactory(expected_duration=240, duration_reason="Combined list")
    assert appointment.expected_end - appointment.scheduled_start == timedelta(hours=4)


def test_a_cancelled_appointment_without_a_reason_is_refused_by_the_database():
    with refused_by_database("appointment_cancellation_has_reason"):
        AppointmentFactory(status=Appointment.Status.CANCELLED, cancellation_reason="")


def test_cancelling_by_a_bulk_update_without_a_reason_is_refused_too():
    appointment = AppointmentFactory()
    with refused_by_database("appointment_cancellation_has_reason"):
        Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_a_cancelled_appointment_without_a_reason_is_told_it_needs_one():
    appointment = AppointmentFactory.build(status=Appointment.Status.CANCELLED)
    with pytest.raises(ValidationError) as exc:
        appointment.validate_constraints()
    assert messages(exc) == ["A cancelled appointment needs a reason."]
    appointment.cancellation_reason = "Patient unwell"
    appointment.validate_constraints()


def test_a_booking_longer_than_a_ductogram_usually_takes_needs_a_reason():
    appointment = unsaved_appointment(expected_duration=90)
    with pytest.raises(ValidationError) as exc:
        appointment.full_clean()
    assert exc.value.message_dict["duration_reason"] == [
        "A ductogram is booked for 30-60 minutes; give a reason to book 90."
    ]


def test_a_booking_shorter_than_usual_with_a_reason_is_valid():
    appointment = unsaved_appointment(expected_duration=20, duration_reason="Repeat films only")
    appointment.full_clean()


@pytest.mark.parametrize("minutes", [30, 45, 60])
def test_a_booking_within_the_usual_range_needs_no_reason(minutes):
    unsaved_appointment(expected_duration=minutes).full_clean()


def test_an_appointment_ends_its_duration_after_it_starts_and_the_patient_arrives_fifteen_minutes_early():
    start = next_clinic_day()
    appointment = AppointmentFactory(scheduled_start=start, expected_duration=45)
    assert appointment.procedure_type.arrival_lead == 15
    assert appointment.expected_end == start + timedelta(minutes=45)
    assert appointment.arrival_time == start - timedelta(minutes=15)


def test_a_cancelled_or_missed_appointment_frees_its_room_and_a_completed_one_does_not():
    assert AppointmentFactory.build(status=Appointment.Status.COMPLETED).is_live
    assert not AppointmentFactory.build(status=Appointment.Status.CANCELLED).is_live
    assert not AppointmentFactory.build(status=Appointment.Status.NO_SHOW).is_live
    assert not AppointmentFactory.build(status=Appointment.Status.COMPLETED).is_open


# Results


def test_an_appointment_has_at_most_one_result():
    result = logged_result()
    with refused_by_database():
        logged_result(appointment=result.appointment)
    assert ProcedureResult.objects.filter(appointment=result.appointment).count() == 1


def test_a_second_result_for_an_appointment_is_told_one_already_exists():
    result = logged_result()
    second = ProcedureResultFactory.build(appointment=result.appointment)
    with pytest.raises(ValidationError) as exc:
        second.full_clean()
    assert exc.value.message_dict["appointment"] == ["Procedure result with this Appointment already exists."]


def test_a_birads_category_of_7_is_refused_by_the_database_even_past_the_form():
    result = logged_result()
    with refused_by_database("result_birads_valid"):
        ProcedureResult.objects.filter(pk=result.pk).update(birads="7")
    result.birads = "7"
    with refused_by_database("result_birads_valid"):
        result.save()
    result.refresh_from_db()
    assert result.birads == "4A"


def test_a_birads_category_of_7_is_told_the_valid_categories():
    result = ProcedureResultFactory.build(birads="7")
    with pytest.raises(ValidationError) as exc:
        result.validate_constraints()
    assert messages(exc) == ["BI-RADS must be one of 0, 1, 2, 3, 4A, 4B, 4C, 5, 6."]
    with pytest.raises(ValidationError) as exc:
        result.full_clean()
    assert "birads" in exc.value.message_dict


@pytest.mark.parametrize("category", ["", "0", "3", "4A", "4B", "4C", "6"])
def test_every_birads_category_and_none_are_accepted(category):
    result = logged_result(birads=category)
    result.full_clean()


def test_a_negative_contrast_volume_is_refused():
    with refused_by_database("result_contrast_volume_not_negative"):
        logged_result(contrast_volume_ml=Decimal("-0.5"))
    result = ProcedureResultFactory.build(contrast_volume_ml=Decimal("-0.5"))
    with pytest.raises(ValidationError) as exc:
        result.validate_constraints()
    assert messages(exc) == ["Contrast volume cannot be negative."]
    with pytest.raises(ValidationError) as exc:
        result.full_clean()
    assert "contrast_volume_ml" in exc.value.message_dict


def test_no_contrast_is_an_acceptable_volume():
    logged_result(contrast_volume_ml=Decimal("0.0")).full_clean()


@pytest.mark.parametrize("position", [0, 13])
def test_a_clock_position_off_the_clock_face_is_refused(position):
    with refused_by_database("result_clock_position_on_the_clock"):
        logged_result(clock_position=position)
    result = ProcedureResultFactory.build(clock_position=position)
    with pytest.raises(ValidationError) as exc:
        result.validate_constraints()
    assert messages(exc) == ["Clock position is between 1 and 12."]
    with pytest.raises(ValidationError) as exc:
        result.full_clean()
    assert "clock_position" in exc.value.message_dict


@pytest.mark.parametrize("position", [1, 12])
def test_one_and_twelve_o_clock_are_on_the_clock_face(position):
    logged_result(clock_position=position).full_clean()


def test_a_procedure_that_ends_before_it_started_is_refused():
    start = next_clinic_day()
    with refused_by_database("result_ends_after_start"):
        logged_result(started_at=start, ended_at=start - timedelta(minutes=1))
    result = ProcedureResultFactory.build(started_at=start, ended_at=start - timedelta(minutes=1))
    with pytest.raises(ValidationError) as exc:
        result.validate_constraints()
    assert messages(exc) == ["The procedure must end after it started; check the end time."]


def test_the_actual_duration_is_the_minutes_from_start_to_end_once_both_are_logged():
    start = next_clinic_day()
    result = logged_result(started_at=start, ended_at=start + timedelta(minutes=52, seconds=10))
    assert result.actual_duration == 52
    result.ended_at = None
    assert result.actual_duration is None


def test_an_unknown_finding_is_named_in_the_error():
    result = unsaved_result(findings=["filling_defect", "tumour"])
    with pytest.raises(ValidationError) as exc:
        result.full_clean()
    assert exc.value.message_dict["findings"] == ["Unknown finding(s): tumour."]


def test_several_known_findings_are_valid():
    result = unsaved_result(
        findings=[ProcedureResult.Finding.DUCTAL_ECTASIA, ProcedureResult.Finding.WALL_IRREGULARITY]
    )
    result.full_clean()


@pytest.mark.parametrize("findings", ["normal", [{"finding": "normal"}], 3])
def test_findings_that_are_not_a_list_of_codes_give_a_clear_error_not_a_crash(findings):
    result = unsaved_result(findings=findings)
    with pytest.raises(ValidationError) as exc:
        result.full_clean()
    assert exc.value.message_dict["findings"] == ['Findings must be a list of finding codes, like ["normal"].']


def test_a_ductogram_logged_as_performed_when_the_duct_was_not_cannulated_is_refused():
    result = unsaved_result(duct_cannulated=False)
    with pytest.raises(ValidationError) as exc:
        result.full_clean()
    assert exc.value.message_dict["outcome"] == [
        "A duct that was not cannulated means the ductogram was not performed."
    ]
    result.outcome = ProcedureResult.Outcome.CANNULATION_FAILED
    result.full_clean()


# FAQ


def _faq(**kwargs) -> FaqEntry:
    defaults = {
        "procedure_type": ProcedureTypeFactory(),
        "question": "Can I drive home?",
        "answer": "Yes.",
        "topic": FaqEntry.Topic.AFTERCARE,
        "stages": ["week_before"],
    }
    return FaqEntry(**(defaults | kwargs))


def test_a_faq_entry_with_an_unknown_stage_names_it():
    entry = _faq(stages=["week_before", "fortnight_before"])
    with pytest.raises(ValidationError) as exc:
        entry.full_clean()
    assert exc.value.message_dict["stages"] == ["Unknown stage(s): fortnight_before."]


def test_a_faq_entry_with_known_stages_is_valid():
    _faq(stages=["booking_confirmation", "day_before"]).full_clean()


@pytest.mark.parametrize("stages", ["week_before", [["week_before"]], 7])
def test_faq_stages_that_are_not_a_list_of_stages_give_a_clear_error_not_a_crash(stages):
    with pytest.raises(ValidationError) as exc:
        _faq(stages=stages).full_clean()
    assert exc.value.message_dict["stages"] == ['Stages must be a list of reminder stages, like ["week_before"].']


def test_a_faq_entry_with_an_unknown_topic_is_refused():
    with pytest.raises(ValidationError) as exc:
        _faq(topic="gossip").full_clean()
    assert "topic" in exc.value.message_dict


def test_the_same_question_twice_for_one_procedure_is_refused():
    existing = FaqEntry.objects.filter(procedure_type__code="DUCTOGRAM").first()
    assert existing is not None
    with refused_by_database():
        _faq(question=existing.question).save()
    with pytest.raises(ValidationError) as exc:
        _faq(question=existing.question).validate_constraints()
    assert messages(exc) == ["This question is already in the FAQ."]


# PostgreSQL: the exclusion constraints hold even for rows written past the booking service.


@pytest.mark.postgres
def test_two_live_appointments_overlapping_in_one_room_are_refused_by_the_database():
    first = AppointmentFactory(scheduled_start=next_clinic_day())
    with refused_by_database("appointment_no_room_overlap"):
        AppointmentFactory(room=first.room, scheduled_start=first.scheduled_start + timedelta(minutes=30))
    assert Appointment.objects.filter(room=first.room).count() == 1


@pytest.mark.postgres
def test_an_appointment_inside_another_in_the_same_room_is_refused_by_the_database():
    first = AppointmentFactory(expected_duration=60)
    with refused_by_database("appointment_no_room_overlap"):
        AppointmentFactory(
            room=first.room, scheduled_start=first.scheduled_start + timedelta(minutes=15), expected_duration=30
        )


@pytest.mark.postgres
@pytest.mark.parametrize("status", Appointment.LIVE_STATUSES)
def test_every_live_status_holds_the_room(status):
    first = AppointmentFactory(status=status)
    with refused_by_database("appointment_no_room_overlap"):
        AppointmentFactory(room=first.room, scheduled_start=first.scheduled_start)


@pytest.mark.postgres
def test_a_cancelled_or_missed_appointment_does_not_hold_the_room_in_the_database():
    start = next_clinic_day()
    room = RoomFactory()
    AppointmentFactory(room=room, scheduled_start=start, status="cancelled", cancellation_reason="Patient unwell")
    AppointmentFactory(room=room, scheduled_start=start, status=Appointment.Status.NO_SHOW)
    AppointmentFactory(room=room, scheduled_start=start)
    assert Appointment.objects.filter(room=room).count() == 3


@pytest.mark.postgres
def test_reviving_a_cancelled_appointment_into_a_taken_slot_is_refused_by_the_database():
    start = next_clinic_day()
    room = RoomFactory()
    cancelled = AppointmentFactory(room=room, scheduled_start=start, status="cancelled", cancellation_reason="Ill")
    AppointmentFactory(room=room, scheduled_start=start)
    with refused_by_database("appointment_no_room_overlap"):
        Appointment.objects.filter(pk=cancelled.pk).update(status=Appointment.Status.BOOKED)


@pytest.mark.postgres
def test_back_to_back_appointments_in_one_room_are_allowed_by_the_database():
    ten = next_clinic_day()
    room = RoomFactory()
    AppointmentFactory(room=room, scheduled_start=ten, expected_duration=45)
    AppointmentFactory(room=room, scheduled_start=ten + timedelta(minutes=45), expected_duration=45)
    AppointmentFactory(room=room, scheduled_start=ten - timedelta(minutes=45), expected_duration=45)
    assert Appointment.objects.filter(room=room).count() == 3


@pytest.mark.postgres
def test_one_radiologist_cannot_be_in_two_rooms_at_once_in_the_database():
    radiologist = RadiologistFactory()
    first = AppointmentFactory(radiologist=radiologist)
    with refused_by_database("appointment_no_radiologist_overlap"):
        AppointmentFactory(radiologist=radiologist, scheduled_start=first.scheduled_start + timedelta(minutes=44))


@pytest.mark.postgres
def test_a_radiologist_may_go_straight_from_one_room_to_the_next_and_two_rooms_may_run_without_one():
    radiologist = RadiologistFactory()
    first = AppointmentFactory(radiologist=radiologist)
    AppointmentFactory(radiologist=radiologist, scheduled_start=first.expected_end)
    AppointmentFactory(scheduled_start=first.scheduled_start)
    AppointmentFactory(scheduled_start=first.scheduled_start)
    assert Appointment.objects.filter(scheduled_start=first.scheduled_start).count() == 3
