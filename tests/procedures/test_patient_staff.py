"""What staff see of the patient's page: confirmation and flags on the schedule and the appointment, the requests
page, the call list, and "has not read the preparation" two days before. "Now" is Wed 5 June 2030, 12:00 London."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procedures.links import patient_token
from procedures.models import Appointment, PatientCall, PatientRequest
from procedures.patient_page import selectors
from procedures.patient_page import services as patient_services
from reminders.models import Reminder
from reminders.stages import Stage
from tests.clinic import MONDAY, THURSDAY, TODAY, at
from tests.factories import AppointmentFactory, PatientFactory, RoomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

ALL_CLEAR = {
    "discharge_present": "yes",
    "pregnant": "no",
    "contrast_allergy": "no",
    "infection": "no",
    "blood_thinners": "no",
}
FRIDAY_DATE = "2030-06-07"


def booking(room, when, **patient):
    return AppointmentFactory(room=room, scheduled_start=when, patient=PatientFactory(**patient))


def day_html(client, day) -> str:
    response = client.get(reverse("procedures:day"), {"date": day.isoformat()})
    assert response.status_code == 200
    return response.content.decode()


def patient_page(appointment) -> str:
    return f"/p/{patient_token(appointment)}/"


def test_a_patient_confirming_from_their_page_shows_as_confirmed_on_the_schedule(client, scheduler, room1):
    appointment = booking(room1, at(MONDAY, "10:00"), given_name="Amelia", family_name="Hughes")
    client.post(patient_page(appointment) + "confirm/")  # the patient, not signed in
    client.force_login(scheduler)
    html = day_html(client, MONDAY)
    assert "Amelia Hughes" in html
    assert "Confirmed&nbsp;✓" in html and "Not confirmed" not in html


def test_safety_answers_show_as_flags_on_the_day_week_print_and_appointment_pages(client, as_scheduler, room1):
    appointment = booking(room1, at(MONDAY, "10:00"), given_name="Amelia", family_name="Hughes")
    patient_services.answer_safety_questions(
        appointment, **{**ALL_CLEAR, "discharge_present": "no", "contrast_allergy": "yes"}
    )
    for html in (
        day_html(as_scheduler, MONDAY),
        as_scheduler.get(reverse("procedures:week"), {"date": MONDAY.isoformat()}).content.decode(),
        as_scheduler.get(reverse("procedures:day-print"), {"date": MONDAY.isoformat()}).content.decode(),
        as_scheduler.get(reverse("procedures:appointment", args=[appointment.pk])).content.decode(),
    ):
        assert "Discharge stopped" in html
        assert "Contrast allergy" in html
        assert "Call patient" in html
    detail = as_scheduler.get(reverse("procedures:appointment", args=[appointment.pk])).content.decode()
    assert 'id="call-reasons"' in detail
    assert "No, it has stopped" in detail and "Yes" in detail  # the answers themselves, with their time
    assert "Answered Wed 5 Jun 2030 12:00" in detail


def test_answers_with_nothing_to_flag_say_so_and_unanswered_ones_say_nothing_on_the_schedule(as_scheduler, room1):
    answered = booking(room1, at(MONDAY, "10:00"))
    booking(room1, at(MONDAY, "11:00"))
    patient_services.answer_safety_questions(answered, **ALL_CLEAR)
    html = day_html(as_scheduler, MONDAY)
    assert html.count("patient-flag ") == 0  # the schedule stays quiet: compact flags leave out the all-clear
    detail = as_scheduler.get(reverse("procedures:appointment", args=[answered.pk])).content.decode()
    assert "Safety answers ✓" in detail


def test_two_days_before_staff_see_who_has_not_read_the_preparation(as_scheduler, room1):
    tomorrow_unread = booking(room1, at(THURSDAY, "10:00"), given_name="Unread")
    tomorrow_read = booking(room1, at(THURSDAY, "11:00"), given_name="Diligent")
    booking(room1, at(MONDAY, "10:00"), given_name="Later")  # five days away: not yet a worry
    content = patient_services.preparation_content(tomorrow_read.procedure_type)
    patient_services.record_preparation_read(tomorrow_read, seen_hash=patient_services.content_hash(content))

    thursday = day_html(as_scheduler, THURSDAY)
    assert thursday.count("Preparation not read") == 1
    assert thursday.count("Read preparation ✓") == 1
    assert "Preparation not read" not in day_html(as_scheduler, MONDAY)
    detail = as_scheduler.get(reverse("procedures:appointment", args=[tomorrow_unread.pk])).content.decode()
    assert "Not read, and the appointment is two days away or less." in detail
    read_detail = as_scheduler.get(reverse("procedures:appointment", args=[tomorrow_read.pk])).content.decode()
    assert "What the patient saw" in read_detail and "two-piece outfit" in read_detail


def test_the_schedule_runs_the_same_queries_however_many_patients_answered(as_scheduler, django_assert_max_num_queries):
    rooms = [RoomFactory(name=f"Room {n}") for n in range(1, 5)]
    AppointmentFactory(room=rooms[0], scheduled_start=at(THURSDAY, "08:00"))
    with django_assert_max_num_queries(8) as few:
        day_html(as_scheduler, THURSDAY)
    for i in range(1, 24):
        a = AppointmentFactory(
            room=rooms[i % 4], scheduled_start=at(THURSDAY, "08:00") + timedelta(minutes=45 * (i // 4))
        )
        patient_services.answer_safety_questions(a, **{**ALL_CLEAR, "pregnant": "unsure"})
        patient_services.request_change(a, kind="reschedule", message="Afternoons please")
        patient_services.log_call(a, by=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = day_html(as_scheduler, THURSDAY)
    assert html.count("Pregnancy: not sure") == 23
    assert html.count("Asks to reschedule") == 23


def calls_table(client) -> str:
    """The call list's rows only (a "Logged a call to ..." message above them names the patient too)."""
    html = client.get(reverse("procedures:calls")).content.decode()
    return html.split('<h1 class="h3">Call list</h1>', 1)[1]


def test_the_call_list_has_the_patients_to_call_and_a_logged_call_takes_them_off(as_scheduler, room1, frozen_now):
    stopped = booking(room1, at(MONDAY, "10:00"), given_name="Stopped")
    pregnant = booking(room1, at(MONDAY, "11:00"), given_name="Maybe")
    allergic = booking(room1, at(MONDAY, "12:00"), given_name="Allergic")
    unread_tomorrow = booking(room1, at(THURSDAY, "10:00"), given_name="Unread")
    patient_services.answer_safety_questions(stopped, **{**ALL_CLEAR, "discharge_present": "no"})
    patient_services.answer_safety_questions(pregnant, **{**ALL_CLEAR, "pregnant": "yes"})
    patient_services.answer_safety_questions(allergic, **{**ALL_CLEAR, "contrast_allergy": "yes"})

    html = calls_table(as_scheduler)
    for name in ("Stopped", "Maybe", "Unread"):
        assert name in html
    assert "Allergic" not in html  # a flag for the radiologist, not a reason to rebook
    assert html.index("Stopped") < html.index("Maybe") < html.index("Unread")  # red flags first, then soonest
    assert "Has not read the preparation" in html

    response = as_scheduler.post(
        reverse("procedures:log-call", args=[stopped.pk]),
        {"note": "Discharge stopped a week ago; rebooking", "next": reverse("procedures:calls")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("procedures:calls")
    call = PatientCall.objects.get(appointment=stopped)
    assert call.note == "Discharge stopped a week ago; rebooking" and call.called_by is not None
    html = calls_table(as_scheduler)
    assert "Stopped" not in html and "Maybe" in html and "Unread" in html

    # New answers after the call that again need one put her back on the list.
    frozen_now.shift(timedelta(hours=2))
    patient_services.answer_safety_questions(stopped, **{**ALL_CLEAR, "infection": "yes"})
    assert "Stopped" in calls_table(as_scheduler)
    # Reading the preparation takes the other one off.
    content = patient_services.preparation_content(unread_tomorrow.procedure_type)
    patient_services.record_preparation_read(unread_tomorrow, seen_hash=patient_services.content_hash(content))
    assert "Unread" not in calls_table(as_scheduler)


def test_red_flags_come_first_on_the_call_list(as_scheduler, room1):
    unread_tomorrow = booking(room1, at(THURSDAY, "10:00"), given_name="Unread")
    pregnant_later = booking(room1, at(MONDAY, "11:00"), given_name="Maybe")
    stopped_monday = booking(room1, at(MONDAY, "10:00"), given_name="Stopped")
    patient_services.answer_safety_questions(pregnant_later, **{**ALL_CLEAR, "pregnant": "yes"})
    patient_services.answer_safety_questions(stopped_monday, **{**ALL_CLEAR, "discharge_present": "no"})

    rows = selectors.call_list()
    assert [a for a, _ in rows] == [stopped_monday, pregnant_later, unread_tomorrow]
    assert [a.is_urgent for a, _ in rows] == [True, True, False]
    html = calls_table(as_scheduler)
    assert html.index("Stopped") < html.index("Maybe") < html.index("Unread")
    assert html.count('class="table-danger call-urgent"') == 2


def test_the_call_list_shows_the_landline_when_there_is_no_mobile(as_scheduler, room1):
    landline = booking(room1, at(MONDAY, "10:00"), given_name="Landline", mobile="", phone="+441632960961")
    both = booking(room1, at(MONDAY, "11:00"), given_name="Both", mobile="+447700900123", phone="01632 960962")
    neither = booking(room1, at(MONDAY, "12:00"), given_name="Neither", mobile="", phone="")
    for appointment in (landline, both, neither):
        patient_services.answer_safety_questions(appointment, **{**ALL_CLEAR, "infection": "yes"})

    html = calls_table(as_scheduler)
    rows = {name: html.split(name, 1)[1].split("</tr>", 1)[0] for name in ("Landline", "Both", "Neither")}
    assert "01632 960961" in rows["Landline"] and "Mobile" not in rows["Landline"]  # as staff dial it
    assert 'href="tel:+441632960961"' in rows["Landline"]
    assert "07700 900123" in rows["Both"] and "01632 960962" in rows["Both"]
    assert "No phone number on file: write to the patient or ask the referrer" in rows["Neither"]
    assert "No phone number on file" not in rows["Landline"] + rows["Both"]


def test_a_request_reaches_staff_with_the_patients_words_on_the_requests_page_and_the_appointment(
    client, as_scheduler, room1
):
    appointment = booking(room1, at(MONDAY, "10:00"), given_name="Amelia", family_name="Hughes")
    patient_services.request_change(appointment, kind="reschedule", message="Any afternoon next week, please.")

    html = as_scheduler.get(reverse("procedures:requests")).content.decode()
    assert "Amelia Hughes" in html and "Any afternoon next week, please." in html
    assert "Change the date or time" in html
    assert reverse("procedures:reschedule", args=[appointment.pk]) in html  # staff move it with the usual page
    detail = as_scheduler.get(reverse("procedures:appointment", args=[appointment.pk])).content.decode()
    assert "Any afternoon next week, please." in detail and "Waiting for staff" in detail
    assert "Asks to reschedule" in day_html(as_scheduler, MONDAY)


def test_staff_move_the_appointment_then_mark_the_request_dealt_with_and_the_patients_page_stops_saying_pending(
    client, as_scheduler, room1, frozen_now
):
    appointment = booking(room1, at(MONDAY, "10:00"))
    request = patient_services.request_change(appointment, kind="reschedule", message="Afternoon please")[0]
    assert 'id="request-pending"' in client.get(patient_page(appointment)).content.decode()

    frozen_now.shift(timedelta(minutes=30))
    moved = as_scheduler.post(
        reverse("procedures:reschedule", args=[appointment.pk]),
        {
            "room": room1.pk,
            "start_date": MONDAY.isoformat(),
            "start_time": "14:00",
            "expected_duration": 45,
            "reason": "The patient asked for an afternoon",
        },
    )
    assert moved.status_code == 302
    waiting = as_scheduler.get(reverse("procedures:requests")).content.decode()
    assert "The appointment has changed since the request" in waiting

    response = as_scheduler.post(reverse("procedures:request-done", args=[request.pk]), {"note": "Moved to 14:00"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.handled_note) == ("done", "Moved to 14:00")
    assert request.handled_by is not None and request.handled_at is not None
    page = client.get(patient_page(appointment)).content.decode()
    assert 'id="request-pending"' not in page and "Send my request" in page
    assert "No requests are waiting." in as_scheduler.get(reverse("procedures:requests")).content.decode()


def test_cancelling_as_requested_uses_the_booking_service_and_closes_the_request(client, as_scheduler, room1):
    appointment = booking(room1, at(MONDAY, "10:00"))
    request = patient_services.request_change(appointment, kind="cancel", message="I am moving abroad.")[0]
    as_scheduler.post(
        reverse("procedures:request-cancel", args=[request.pk]), {"reason": "Patient asked: moving abroad"}
    )
    appointment.refresh_from_db()
    request.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancellation_reason == "Patient asked: moving abroad"
    assert request.status == PatientRequest.Status.DONE
    assert Reminder.objects.filter(appointment=appointment, stage=Stage.CANCELLATION).exists()
    assert client.get(patient_page(appointment)).status_code == 404  # a cancelled appointment's link says nothing


def test_a_radiologist_may_mark_a_request_dealt_with_but_not_cancel_and_strangers_must_sign_in(
    client, as_radiologist, room1
):
    appointment = booking(room1, at(MONDAY, "10:00"))
    request = patient_services.request_change(appointment, kind="cancel")[0]
    assert as_radiologist.post(reverse("procedures:request-cancel", args=[request.pk])).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert as_radiologist.get(reverse("procedures:requests")).status_code == 200
    as_radiologist.logout()
    for name in ("procedures:requests", "procedures:calls"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(reverse("procedures:request-done", args=[request.pk])).status_code == 302
    request.refresh_from_db()
    assert request.status == PatientRequest.Status.OPEN


def test_the_back_link_after_an_action_never_leaves_the_site(as_scheduler, room1):
    appointment = booking(room1, at(MONDAY, "10:00"))
    response = as_scheduler.post(
        reverse("procedures:log-call", args=[appointment.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("procedures:appointment", args=[appointment.pk])


def test_the_admin_shows_what_patients_sent_and_none_of_it_can_be_edited_there(admin_client, room1):
    appointment = booking(room1, at(MONDAY, "10:00"), given_name="Amelia", family_name="Hughes")
    answers, _ = patient_services.answer_safety_questions(appointment, **{**ALL_CLEAR, "pregnant": "yes"})
    content = patient_services.preparation_content(appointment.procedure_type)
    patient_services.record_preparation_read(appointment, seen_hash=patient_services.content_hash(content))
    patient_services.request_change(appointment, kind="cancel", message="Moving house")
    patient_services.log_call(appointment, by=None, note="Spoke to her")
    for model in ("safetyanswers", "preparationread", "patientrequest", "patientcall"):
        page = admin_client.get(reverse(f"admin:procedures_{model}_changelist"))
        assert page.status_code == 200 and "Amelia Hughes" in page.content.decode(), model
    assert admin_client.get(reverse("admin:procedures_safetyanswers_add")).status_code == 403
    detail = admin_client.get(reverse("admin:procedures_safetyanswers_change", args=[answers.pk])).content.decode()
    assert 'name="_save"' not in detail  # view only: the patient's words are theirs


def test_both_staff_roles_may_look_at_patients_answers_in_the_admin(client, scheduler, radiologist):
    for user in (scheduler, radiologist):
        client.force_login(user)
        assert client.get(reverse("admin:procedures_safetyanswers_changelist")).status_code == 200
        assert client.get(reverse("admin:procedures_patientrequest_changelist")).status_code == 200


def test_the_appointment_pages_patient_panel_runs_six_queries_however_much_the_patient_said(
    as_scheduler, scheduler, room1, frozen_now
):
    quiet = booking(room1, at(MONDAY, "10:00"))
    busy = booking(room1, at(MONDAY, "11:00"))
    content = patient_services.preparation_content(busy.procedure_type)
    patient_services.record_preparation_read(busy, seen_hash=patient_services.content_hash(content))
    for n in range(5):
        patient_services.answer_safety_questions(busy, **{**ALL_CLEAR, "pregnant": ("yes", "no")[n % 2]})
        request = patient_services.request_change(busy, kind="reschedule", message=f"Try {n}")[0]
        patient_services.close_request(request, by=scheduler)
        patient_services.log_call(busy, by=scheduler, note=f"Call {n}")
        frozen_now.shift(timedelta(minutes=15))
    patient_services.request_change(busy, kind="cancel")
    selectors.appointment_panel(quiet, scheduler)  # the user's permissions are cached from here on, as in a view

    for appointment in (quiet, busy):
        fresh = Appointment.objects.select_related("procedure_type").get(pk=appointment.pk)
        with CaptureQueriesContext(connection) as panel_queries:
            panel = selectors.appointment_panel(fresh, scheduler)
        assert len(panel_queries.captured_queries) == 6, appointment
    assert len(panel["earlier_answers"]) == 4 and len(panel["calls"]) == 5 and len(panel["requests"]) == 6
    labels = [flag.label for flag in panel["flags"]]
    assert "Asks to cancel" in labels and "Read preparation ✓" in labels

    page_queries = []
    for appointment in (quiet, busy):
        with CaptureQueriesContext(connection) as page:
            assert as_scheduler.get(reverse("procedures:appointment", args=[appointment.pk])).status_code == 200
        page_queries.append(len(page.captured_queries))
    assert page_queries[0] == page_queries[1]


def test_a_checked_in_patient_is_no_longer_upcoming_so_the_page_offers_no_call_to_log(as_scheduler, room1):
    appointment = booking(room1, at(TODAY, "12:30"))  # half an hour from now, and the patient is here
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CHECKED_IN)
    detail = as_scheduler.get(reverse("procedures:appointment", args=[appointment.pk])).content.decode()
    assert "Log a call" not in detail
    assert "Preparation not read" not in detail  # nor a reminder to chase the reading: she is here
    booked = booking(room1, at(TODAY, "13:30"))
    assert "Log a call" in as_scheduler.get(reverse("procedures:appointment", args=[booked.pk])).content.decode()
