"""The admin as staff use it: results logged by radiologists, the worklist, schedulers kept out of reports."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from procedures.models import Appointment, FaqEntry, Patient, ProcedureResult, ProcedureType, Room
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    ProcedureResultFactory,
    RadiologistFactory,
    RoomFactory,
    next_clinic_day,
)

pytestmark = pytest.mark.django_db


def _one_of_everything():
    result = ProcedureResultFactory()
    AppointmentFactory()
    return result


def _admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_admin_changelist_add_and_change_page_renders_for_a_superuser(client, superuser):
    _one_of_everything()
    client.force_login(superuser)
    for model, model_admin in admin.site._registry.items():
        changelist = client.get(_admin_url(model, "changelist"))
        assert changelist.status_code == 200, model
        if model_admin.has_add_permission(type("R", (), {"user": superuser})()):
            assert client.get(_admin_url(model, "add")).status_code == 200, model
        obj = model.objects.first()
        if obj is not None:
            assert client.get(_admin_url(model, "change", obj.pk)).status_code == 200, model
            assert client.get(_admin_url(model, "history", obj.pk)).status_code == 200, model


def test_changelists_can_be_searched_by_mrn_and_name(client, superuser):
    wanted = AppointmentFactory(patient=PatientFactory(mrn="RX555001", family_name="Okonkwo"))
    AppointmentFactory(patient=PatientFactory(mrn="RX999999", family_name="Smith"))
    client.force_login(superuser)
    for term in ("RX555001", "Okonkwo"):
        page = client.get(_admin_url(Appointment, "changelist"), {"q": term})
        assert list(page.context["cl"].result_list) == [wanted]
    page = client.get(_admin_url(Patient, "changelist"), {"q": "RX555001"})
    assert list(page.context["cl"].result_list) == [wanted.patient]


def _changelist_queries(client, model) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(_admin_url(model, "changelist"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_appointment_and_result_changelists_run_the_same_queries_for_3_or_40_rows(client, superuser):
    client.force_login(superuser)
    for _ in range(3):
        ProcedureResultFactory(appointment__radiologist=RadiologistFactory())
    few = (_changelist_queries(client, Appointment), _changelist_queries(client, ProcedureResult))
    for _ in range(37):
        ProcedureResultFactory(appointment__radiologist=RadiologistFactory())
    many = (_changelist_queries(client, Appointment), _changelist_queries(client, ProcedureResult))
    assert many == few


# The appointment page's read-only reminder timeline is an inline too; its management form must come back.
NO_REMINDER_FORMS = {
    "reminders-TOTAL_FORMS": "0",
    "reminders-INITIAL_FORMS": "0",
    "reminders-MIN_NUM_FORMS": "0",
    "reminders-MAX_NUM_FORMS": "0",
}


# The FAQ entry's translations inline, posted back untouched.
NO_TRANSLATION_FORMS = {"translations-TOTAL_FORMS": "0", "translations-INITIAL_FORMS": "0"}


def _result_inline_post(appointment, **result):
    """The appointment change form as the admin renders it, with the result inline filled in."""
    data = {
        "laterality": appointment.laterality,
        "discharge": appointment.discharge,
        "referrer": appointment.referrer,
        "notes": appointment.notes,
        "result-TOTAL_FORMS": "1",
        "result-INITIAL_FORMS": "0",
        "result-MIN_NUM_FORMS": "0",
        "result-MAX_NUM_FORMS": "1",
        "result-0-appointment": str(appointment.pk),
        "result-0-outcome": "performed",
        "result-0-complications": "none",
        "result-0-views": "CC, ML",
        **NO_REMINDER_FORMS,
    }
    data.update({f"result-0-{k}": v for k, v in result.items()})
    return data


def test_a_radiologist_logs_a_result_on_the_appointment_page_and_the_appointment_completes(client, radiologist):
    start = next_clinic_day(days_ahead=-3)
    appointment = AppointmentFactory(scheduled_start=start, status=Appointment.Status.CHECKED_IN)
    client.force_login(radiologist)
    local = timezone.localtime(start)
    data = _result_inline_post(
        appointment,
        **{
            "started_at_0": local.strftime("%Y-%m-%d"),
            "started_at_1": local.strftime("%H:%M"),
            "ended_at_0": local.strftime("%Y-%m-%d"),
            "ended_at_1": (local + timedelta(minutes=52)).strftime("%H:%M"),
            "duct_cannulated": "true",
            "clock_position": "4",
            "discharge_observed": "bloody",
            "contrast_volume_ml": "0.8",
            "findings": ["filling_defect", "ductal_ectasia"],
            "birads": "4A",
            "recommendation": "surgical_referral",
            "report": "Intraductal filling defect at 4 o'clock, 2 cm from the nipple.",
            "performed_by": str(radiologist.pk),
        },
    )
    response = client.post(_admin_url(Appointment, "change", appointment.pk), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response

    result = ProcedureResult.objects.get(appointment=appointment)
    assert result.logged_by == radiologist
    assert abs(result.logged_at - timezone.now()) < timedelta(minutes=1)
    assert result.actual_duration == 52
    assert result.findings == ["filling_defect", "ductal_ectasia"]
    assert result.birads == "4A"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    assert result.history.first().history_user == radiologist


def test_a_result_form_with_an_end_before_its_start_re_renders_with_the_message(client, radiologist):
    start = next_clinic_day(days_ahead=-3)
    appointment = AppointmentFactory(scheduled_start=start, status=Appointment.Status.CHECKED_IN)
    client.force_login(radiologist)
    local = timezone.localtime(start)
    data = _result_inline_post(
        appointment,
        started_at_0=local.strftime("%Y-%m-%d"),
        started_at_1="11:00",
        ended_at_0=local.strftime("%Y-%m-%d"),
        ended_at_1="10:00",
    )
    response = client.post(_admin_url(Appointment, "change", appointment.pk), data)
    assert response.status_code == 200
    assert "The procedure must end after it started; check the end time." in response.content.decode()
    assert not ProcedureResult.objects.exists()


def test_the_result_list_shows_the_actual_duration_beside_the_expected_one(client, radiologist):
    ProcedureResultFactory(appointment__expected_duration=45)  # factory logs a 40-minute procedure
    client.force_login(radiologist)
    page = client.get(_admin_url(ProcedureResult, "changelist")).content.decode()
    assert "45 min expected / 40 min actual" in page


def test_a_radiologist_logs_a_result_from_the_results_list_with_logged_by_set(client, radiologist):
    appointment = AppointmentFactory(
        scheduled_start=next_clinic_day(days_ahead=-1), status=Appointment.Status.CHECKED_IN
    )
    client.force_login(radiologist)
    response = client.post(
        _admin_url(ProcedureResult, "add"),
        {"appointment": appointment.pk, "outcome": "no_discharge", "complications": "none", "views": ""},
    )
    assert response.status_code == 302
    result = appointment.result
    assert result.outcome == ProcedureResult.Outcome.NO_DISCHARGE
    assert result.logged_by == radiologist


def test_a_scheduler_cannot_see_or_log_results(client, scheduler):
    result = ProcedureResultFactory(report="Filling defect, probable papilloma.")
    client.force_login(scheduler)
    assert client.get(_admin_url(ProcedureResult, "changelist")).status_code == 403
    assert client.get(_admin_url(ProcedureResult, "add")).status_code == 403
    assert client.get(_admin_url(ProcedureResult, "change", result.pk)).status_code == 403
    appointment_page = client.get(_admin_url(Appointment, "change", result.appointment.pk))
    assert appointment_page.status_code == 200
    assert "probable papilloma" not in appointment_page.content.decode()


def test_schedulers_see_no_result_data_in_the_appointment_admin(client, scheduler, radiologist):
    ProcedureResultFactory(appointment__expected_duration=45)  # a 40-minute procedure
    AppointmentFactory(expected_duration=60)
    changelist = _admin_url(Appointment, "changelist")

    client.force_login(scheduler)
    page = client.get(changelist)
    text = page.content.decode()
    assert page.status_code == 200
    assert "45 min" in text and "60 min" in text  # the booking's own length
    for derived in ("40 min", "Expected / actual", "Results pending", "Result logged", "column-has_result"):
        assert derived not in text, derived
    assert [spec.title for spec in page.context["cl"].filter_specs if spec.title == "result"] == []
    for probe in ({"result": "logged"}, {"result__outcome": "performed"}, {"result__isnull": "False"}):
        refused = client.get(changelist, probe)
        assert refused.status_code in (302, 400), probe  # bad filter: the admin's error flag, or refused outright
        assert "40 min" not in refused.content.decode()

    client.force_login(radiologist)
    text = client.get(changelist).content.decode()
    assert "45 min / 40 min" in text and "Results pending" in text and "column-has_result" in text


def test_performed_by_offers_radiologists_only_and_defaults_to_the_one_logging(
    client, radiologist, scheduler, superuser
):
    colleague = RadiologistFactory(first_name="Maria", last_name="Lindqvist")
    RadiologistFactory(first_name="Retired", last_name="Radiologist", is_active=False)
    appointment = AppointmentFactory(scheduled_start=next_clinic_day(days_ahead=-1), status="checked_in")

    client.force_login(radiologist)
    form = client.get(_admin_url(ProcedureResult, "add")).context["adminform"].form
    assert list(form.fields["performed_by"].queryset) == [colleague, radiologist]  # by family name
    assert form["performed_by"].value() == radiologist.pk
    inline = client.get(_admin_url(Appointment, "change", appointment.pk)).context["inline_admin_formsets"][0]
    empty = inline.formset.empty_form  # the result form "Add another result" shows
    assert list(empty.fields["performed_by"].queryset) == [colleague, radiologist]
    assert empty["performed_by"].value() == radiologist.pk
    response = client.post(
        _admin_url(ProcedureResult, "add"),
        {
            "appointment": appointment.pk,
            "outcome": "no_discharge",
            "complications": "none",
            "performed_by": scheduler.pk,
        },
    )
    assert response.status_code == 200  # not a radiologist: refused
    assert "Select a valid choice" in response.content.decode()

    client.force_login(superuser)  # not a radiologist: nobody chosen for them
    form = client.get(_admin_url(ProcedureResult, "add")).context["adminform"].form
    assert form["performed_by"].value() is None
    assert superuser not in form.fields["performed_by"].queryset


def test_a_result_naming_someone_no_longer_a_radiologist_keeps_the_name(client, radiologist, scheduler):
    result = ProcedureResultFactory(performed_by=scheduler)
    client.force_login(radiologist)
    form = client.get(_admin_url(ProcedureResult, "change", result.pk)).context["adminform"].form
    assert form["performed_by"].value() == scheduler.pk
    assert set(form.fields["performed_by"].queryset) == {radiologist, scheduler}


def test_a_scheduler_can_book_in_the_admin_but_not_delete(client, scheduler):
    client.force_login(scheduler)
    assert client.get(_admin_url(Appointment, "add")).status_code == 200
    appointment = AppointmentFactory()
    assert client.get(_admin_url(Appointment, "delete", appointment.pk)).status_code == 403


def _booking_post(patient, room, start, **extra):
    local = timezone.localtime(start)
    data = {
        "patient": patient.pk,
        "procedure_type": ProcedureType.objects.get(code="DUCTOGRAM").pk,
        "room": room.pk,
        "scheduled_start_0": local.strftime("%Y-%m-%d"),
        "scheduled_start_1": local.strftime("%H:%M"),
        "expected_duration": "45",
        "laterality": "left",
        "discharge": "clear",
        "result-TOTAL_FORMS": "0",
        "result-INITIAL_FORMS": "0",
        "result-MIN_NUM_FORMS": "0",
        "result-MAX_NUM_FORMS": "1",
        **NO_REMINDER_FORMS,
    }
    data.update(extra)
    return data


def test_booking_in_the_admin_goes_through_the_booking_rules(client, scheduler):
    room = RoomFactory()
    start = next_clinic_day(days_ahead=5)
    client.force_login(scheduler)

    response = client.post(_admin_url(Appointment, "add"), _booking_post(PatientFactory(), room, start))
    assert response.status_code == 302
    booked = Appointment.objects.get()
    assert booked.created_by == scheduler
    assert booked.status == Appointment.Status.BOOKED

    clash = client.post(
        _admin_url(Appointment, "add"), _booking_post(PatientFactory(), room, start + timedelta(minutes=15))
    )
    assert clash.status_code == 200
    assert f"{room.name} is booked 10:00-10:45 for another patient." in clash.content.decode()
    assert Appointment.objects.count() == 1


def test_an_existing_appointments_time_and_status_cannot_be_edited_in_the_admin(client, superuser):
    appointment = AppointmentFactory()
    client.force_login(superuser)
    data = {
        "laterality": "right",
        "discharge": "clear",
        "referrer": "Dr Who",
        "notes": "Prefers a female radiologist.",
        "status": "completed",
        "scheduled_start_0": "2030-01-01",
        "scheduled_start_1": "09:00",
        "result-TOTAL_FORMS": "0",
        "result-INITIAL_FORMS": "0",
        "result-MIN_NUM_FORMS": "0",
        "result-MAX_NUM_FORMS": "1",
        **NO_REMINDER_FORMS,
    }
    response = client.post(_admin_url(Appointment, "change", appointment.pk), data)
    assert response.status_code == 302
    moved = Appointment.objects.get(pk=appointment.pk)
    assert moved.notes == "Prefers a female radiologist."
    assert moved.status == Appointment.Status.BOOKED
    assert moved.scheduled_start == appointment.scheduled_start
    history = client.get(_admin_url(Appointment, "history", appointment.pk)).content.decode()
    assert superuser.username in history


def test_the_results_pending_filter_is_the_radiologists_worklist(client, radiologist):
    past = next_clinic_day(days_ahead=-2)
    checked_in = AppointmentFactory(scheduled_start=past, status=Appointment.Status.CHECKED_IN)
    AppointmentFactory(scheduled_start=past + timedelta(hours=1))  # nobody recorded whether she came: no result
    ProcedureResultFactory(appointment__scheduled_start=past + timedelta(hours=2))
    AppointmentFactory(
        scheduled_start=past + timedelta(hours=3),
        status=Appointment.Status.CANCELLED,
        cancellation_reason="Patient unwell",
    )
    AppointmentFactory(scheduled_start=next_clinic_day(days_ahead=3))  # still to come
    client.force_login(radiologist)
    page = client.get(_admin_url(Appointment, "changelist"), {"result": "pending"})
    assert set(page.context["cl"].result_list) == {checked_in}


def test_the_check_in_action_moves_status_through_the_service_and_reports_refusals(client, superuser):
    waiting = AppointmentFactory(scheduled_start=next_clinic_day(days_ahead=1))
    gone = AppointmentFactory(status=Appointment.Status.CANCELLED, cancellation_reason="Moved away")
    with time_machine.travel(waiting.scheduled_start - timedelta(minutes=15)):  # check-in opens on the day
        client.force_login(superuser)
        response = client.post(
            _admin_url(Appointment, "changelist"),
            {"action": "check_in_selected", "_selected_action": [waiting.pk, gone.pk]},
            follow=True,
        )
    text = response.content.decode()
    assert "1 appointment(s) checked in." in text
    assert "cannot be checked in" in text
    waiting.refresh_from_db()
    assert waiting.status == Appointment.Status.CHECKED_IN


def test_no_show_action_refuses_appointments_still_to_come(client, superuser):
    future = AppointmentFactory(scheduled_start=next_clinic_day(days_ahead=2))
    client.force_login(superuser)
    client.post(
        _admin_url(Appointment, "changelist"),
        {"action": "mark_selected_no_show", "_selected_action": [future.pk]},
    )
    future.refresh_from_db()
    assert future.status == Appointment.Status.BOOKED
    with time_machine.travel(future.expected_end + timedelta(hours=1)):
        client.force_login(superuser)
        client.post(
            _admin_url(Appointment, "changelist"),
            {"action": "mark_selected_no_show", "_selected_action": [future.pk]},
        )
    future.refresh_from_db()
    assert future.status == Appointment.Status.NO_SHOW


def test_staff_edit_faq_entries_with_stage_checkboxes(client, superuser):
    entry = FaqEntry.objects.get(question="How long does it take?")
    client.force_login(superuser)
    response = client.post(
        _admin_url(FaqEntry, "change", entry.pk),
        {
            "procedure_type": entry.procedure_type_id,
            "question": entry.question,
            "answer": "Usually 30 to 60 minutes; allow an hour and a half for your visit.",
            "topic": "duration",
            "kind": "procedure",
            "stages": ["booking_confirmation", "day_before"],
            "order": entry.order,
            "is_active": "on",
            **NO_TRANSLATION_FORMS,
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.stages == ["booking_confirmation", "day_before"]
    assert entry.answer.startswith("Usually 30 to 60 minutes")


def test_the_room_list_filters_inactive_rooms(client, superuser):
    RoomFactory(name="Old Room", is_active=False)
    RoomFactory(name="New Room")
    client.force_login(superuser)
    page = client.get(_admin_url(Room, "changelist"), {"is_active__exact": "0"})
    assert [r.name for r in page.context["cl"].result_list] == ["Old Room"]


def test_adding_a_mobile_in_the_admin_brings_texts_for_the_coming_appointment(client, superuser):
    from procedures import services as booking
    from reminders.models import Reminder

    patient = PatientFactory(mobile="", channels=["email", "sms"])
    booking.book_appointment(
        patient=patient,
        procedure_type=ProcedureType.objects.get(code="DUCTOGRAM"),
        room=RoomFactory(),
        scheduled_start=next_clinic_day(days_ahead=10),
        laterality="left",
        discharge="clear",
    )
    assert not Reminder.objects.filter(channel="sms").exists()
    client.force_login(superuser)
    response = client.post(
        _admin_url(Patient, "change", patient.pk),
        {
            "mrn": patient.mrn,
            "given_name": patient.given_name,
            "family_name": patient.family_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "email": patient.email,
            "mobile": "+447911123456",
            "channels": ["email", "sms"],
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    texts = Reminder.objects.filter(channel="sms").values_list("stage", flat=True)
    # The booking was already confirmed by email, so only the reminders still to come are added.
    assert set(texts) == {"preparation_starts", "two_days_before", "day_before"}


def test_registering_a_patient_in_the_admin_records_who_registered_her(client, scheduler):
    client.force_login(scheduler)
    response = client.post(
        _admin_url(Patient, "add"),
        {
            "mrn": "RX300001",
            "given_name": "Ngozi",
            "family_name": "Eze",
            "date_of_birth": "1977-05-23",
            "email": "ngozi@example.com",
            "mobile": "+447911123456",
            "channels": ["email", "sms"],
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    patient = Patient.objects.get(mrn="RX300001")
    assert response["Location"] == _admin_url(Patient, "changelist")
    assert patient.history.get().history_user == scheduler


def test_changing_a_patients_name_in_the_admin_leaves_her_reminders_alone(client, superuser, monkeypatch):
    patient = PatientFactory(mobile="+447911123456")
    replanned = []
    monkeypatch.setattr("reminders.services.patient_details_changed", replanned.append)
    client.force_login(superuser)
    response = client.post(
        _admin_url(Patient, "change", patient.pk),
        {
            "mrn": patient.mrn,
            "given_name": patient.given_name,
            "family_name": "Okonkwo",
            "date_of_birth": patient.date_of_birth.isoformat(),
            "email": patient.email,
            "mobile": "+447911123456",
            "channels": ["email", "sms"],
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    patient.refresh_from_db()
    assert patient.family_name == "Okonkwo"
    assert patient.history.first().history_user == superuser
    assert replanned == []


def test_logging_a_call_in_the_admin_records_who_called(client, superuser):
    from procedures.models import PatientCall

    appointment = AppointmentFactory()
    client.force_login(superuser)
    response = client.post(_admin_url(PatientCall, "add"), {"appointment": appointment.pk, "note": "  Will come.  "})
    assert response.status_code == 302, response.context["adminform"].form.errors
    call = PatientCall.objects.get()
    assert (call.appointment, call.called_by, call.note) == (appointment, superuser, "Will come.")
