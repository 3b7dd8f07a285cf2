"""The appointment page: everything about one booking, its reminders, its result, its history, and what staff do
next (reschedule, cancel, check in, did not attend), each ending with a message that says what happened."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from procedures import services
from procedures.models import Appointment
from reminders.models import Reminder
from tests.clinic import THURSDAY, TODAY, at
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    ProcedureResultFactory,
    RadiologistFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


# What every reschedule form sends besides the time: why it moves.
MOVE = {"reason": "The patient asked for another time"}


def url(name: str, appointment: Appointment) -> str:
    return reverse(f"procedures:{name}", args=[appointment.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def booked(scheduler, room1, ductogram):
    """Amelia Hughes, booked through the service (so her reminders exist) for Thursday 10:00 in room 1."""
    return services.book_appointment(
        patient=PatientFactory(given_name="Amelia", family_name="Hughes", mrn="RX123456"),
        procedure_type=ductogram,
        room=room1,
        scheduled_start=at(THURSDAY, "10:00"),
        booked_by=scheduler,
        laterality="right",
        discharge="bloody",
        referrer="Mr Hale, Breast Clinic",
        notes="Prefers a female radiographer",
    )


def test_the_appointment_page_shows_the_booking_the_patient_and_who_booked_it(as_scheduler, booked):
    page = as_scheduler.get(url("appointment", booked))
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        "Amelia Hughes",
        "MRN RX123456",
        "Thursday 6 June 2030, 10:00–10:45, Mammo Room 1",
        'Arrive by</dt><dd class="col-7">09:45',
        "Right",
        "Bloody",
        "Mr Hale, Breast Clinic",
        "Prefers a female radiographer",
        "by Sam Patel",
        "Not confirmed",
    ):
        assert text in html, text


def test_the_reminder_timeline_lists_each_reminder_and_what_was_sent(as_scheduler, booked):
    reminders = list(booked.reminders.all())
    assert reminders, "booking through the service schedules reminders"
    sent = reminders[0]
    sent.status, sent.sent_at = Reminder.Status.SENT, timezone.now()
    sent.subject, sent.body, sent.recipient = "Your ductogram", "Dear Amelia, your appointment is on...", "a@b.example"
    sent.save()
    page = as_scheduler.get(url("appointment", booked))
    html = page.content.decode()
    rows = list(page.context["reminders"])
    assert len(rows) == len(reminders)
    for reminder in rows:
        assert reminder.get_stage_display() in html
    assert "A week before" in html
    assert "Dear Amelia, your appointment is on..." in html and "to a@b.example" in html
    for status in Reminder.Status:
        expected = booked.reminders.filter(status=status).count()
        assert html.count(f'class="badge reminder-status-{status.value}"') == expected, status


def test_a_result_is_shown_to_radiologists_but_never_to_schedulers(client, scheduler, radiologist):
    result = ProcedureResultFactory(
        appointment__scheduled_start=at(TODAY, "09:00"), report="Filling defect at 3 o'clock."
    )
    client.force_login(radiologist)
    html = client.get(url("appointment", result.appointment)).content.decode()
    assert "Filling defect at 3 o&#x27;clock." in html and "Filling defect</dd>" in html
    assert "4A - Low suspicion" in html
    client.force_login(scheduler)
    html = client.get(url("appointment", result.appointment)).content.decode()
    assert "Filling defect" not in html and "BI-RADS" not in html and 'id="result"' not in html


def test_the_history_says_who_booked_and_who_moved_it(as_scheduler, scheduler, booked):
    services.reschedule_appointment(
        booked, new_start=at(THURSDAY, "14:00"), by=RadiologistFactory(first_name="Dr", last_name="Moved")
    )
    page = as_scheduler.get(url("appointment", booked))
    history = list(page.context["history"])
    assert [h.history_user for h in history][-1] == scheduler
    html = page.content.decode()
    assert "Sam Patel" in html and "Dr Moved" in html and "Thu 6 Jun 14:00" in html


def test_reschedule_shows_the_same_form_filled_with_the_current_time(as_scheduler, booked):
    page = as_scheduler.get(url("reschedule", booked))
    assert page.status_code == 200
    form = page.context["form"]
    assert form["start_date"].value() == "2030-06-06" and form["start_time"].value() == "10:00"
    assert form["expected_duration"].value() == 45


def test_a_scheduler_moves_an_appointment_and_is_told_from_when_to_when(as_scheduler, booked, room2):
    response = as_scheduler.post(
        url("reschedule", booked),
        {**MOVE, "room": room2.pk, "start_date": "2030-06-07", "start_time": "11:30", "expected_duration": "60"},
        follow=True,
    )
    booked.refresh_from_db()
    assert (booked.room, booked.scheduled_start, booked.expected_duration) == (
        room2,
        at(THURSDAY + timedelta(days=1), "11:30"),
        60,
    )
    assert messages_of(response) == [
        "Moved Amelia Hughes from Thu 6 Jun 2030 10:00-10:45 to Fri 7 Jun 2030 11:30-12:30 in Mammo Room 2."
    ]


def test_moving_an_appointment_keeps_a_radiologist_who_has_left_unless_staff_choose_otherwise(
    as_scheduler, booked, room1
):
    leaver = RadiologistFactory(first_name="Ruth", last_name="Leaver")
    services.reschedule_appointment(booked, new_start=booked.scheduled_start, radiologist=leaver, reason="Cover")
    leaver.is_active = False
    leaver.save()

    form = as_scheduler.get(url("reschedule", booked)).context["form"]
    assert form["radiologist"].value() == leaver.pk
    assert leaver in form.fields["radiologist"].queryset, "still on offer, so the page shows who is booked"

    as_scheduler.post(
        url("reschedule", booked),
        {**MOVE, "room": room1.pk, "radiologist": leaver.pk, "start_date": "2030-06-06", "start_time": "11:00",
         "expected_duration": "45"},
    )  # fmt: skip
    booked.refresh_from_db()
    assert (booked.scheduled_start, booked.radiologist) == (at(THURSDAY, "11:00"), leaver)


def test_a_reschedule_into_a_taken_slot_keeps_the_form_and_offers_free_times(as_scheduler, booked, room1):
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "14:00"))
    page = as_scheduler.post(
        url("reschedule", booked),
        {**MOVE, "room": room1.pk, "start_date": "2030-06-06", "start_time": "14:15", "expected_duration": "45"},
    )
    assert page.status_code == 200
    assert "Mammo Room 1 is booked 14:00-14:45 for another patient." in page.content.decode()
    assert page.context["form"]["start_time"].value() == "14:15"
    offered = page.context["offered"]
    assert timezone.localtime(offered[0]).strftime("%H:%M") == "14:45"
    booked.refresh_from_db()
    assert booked.scheduled_start == at(THURSDAY, "10:00")
    response = as_scheduler.post(
        url("reschedule", booked),
        {
            **MOVE,
            "room": room1.pk,
            "start_date": "2030-06-06",
            "start_time": "14:15",
            "expected_duration": "45",
            "take_slot": offered[0].isoformat(),
        },
    )
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.scheduled_start == at(THURSDAY, "14:45")


def test_a_longer_reschedule_asks_for_a_reason_and_takes_one(as_scheduler, booked, room1):
    move = {**MOVE, "room": room1.pk, "start_date": "2030-06-06", "start_time": "10:00", "expected_duration": "90"}
    page = as_scheduler.post(url("reschedule", booked), move)
    assert "give a reason to book 90" in page.context["form"].errors["duration_reason"][0]
    booked.refresh_from_db()
    assert booked.expected_duration == 45

    as_scheduler.post(url("reschedule", booked), {**move, "duration_reason": "Two ducts to cannulate"})
    booked.refresh_from_db()
    assert (booked.expected_duration, booked.duration_reason) == (90, "Two ducts to cannulate")


def test_moving_a_booking_by_a_quarter_hour_is_offered_even_though_it_overlaps_its_own_slot(booked, room1):
    slots = services.free_slots(room=room1, day=booked.scheduled_start.date(), duration=45, exclude_id=booked.pk)
    assert booked.scheduled_start + timedelta(minutes=15) in slots
    assert booked.scheduled_start + timedelta(minutes=15) not in services.free_slots(
        room=room1, day=booked.scheduled_start.date(), duration=45
    )


def test_cancelling_needs_a_reason(as_scheduler, booked):
    page = as_scheduler.get(url("cancel", booked))
    assert "The patient will be sent a cancellation notice" in page.content.decode()
    page = as_scheduler.post(url("cancel", booked), {"reason": "   "})
    assert page.status_code == 200
    assert page.context["form"].errors["reason_code"] == ["Choose why the appointment is cancelled."]
    page = as_scheduler.post(url("cancel", booked), {"reason_code": "other", "reason": "   "})
    assert page.context["form"].errors["reason"] == ["Say why: the reason chosen is 'Other'."]
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED


def test_cancelling_with_a_reason_frees_the_slot_and_says_the_patient_is_told(as_scheduler, booked):
    response = as_scheduler.post(
        url("cancel", booked), {"reason_code": "unwell", "reason": "Patient unwell, will phone"}, follow=True
    )
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    assert (booked.cancel_reason_code, booked.cancellation_reason) == ("unwell", "Patient unwell, will phone")
    assert messages_of(response) == [
        "Cancelled Amelia Hughes's Thu 6 Jun 2030 10:00-10:45. A cancellation notice goes to the patient."
    ]
    assert "Reschedule" not in response.content.decode().split('id="reminders"')[0]


def test_cancelling_an_appointment_already_cancelled_says_why_not(as_scheduler, booked):
    services.cancel_appointment(booked, reason_code="other", reason="Duplicate")
    response = as_scheduler.post(url("cancel", booked), {"reason_code": "other", "reason": "Again"}, follow=True)
    assert messages_of(response) == ["This appointment is already cancelled."]


def test_a_radiologist_checks_a_patient_in_at_the_front_desk(as_radiologist, radiologist, booked, frozen_now):
    frozen_now.move_to(at(THURSDAY, "09:45"))  # check-in opens on the day
    as_radiologist.force_login(radiologist)
    response = as_radiologist.post(url("check-in", booked), follow=True)
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CHECKED_IN
    assert messages_of(response) == ["Checked in Amelia Hughes."]


def test_a_patient_who_did_not_come_is_marked_once_the_time_has_come(as_scheduler, scheduler, booked, frozen_now):
    assert "Did not attend</button>" not in as_scheduler.get(url("appointment", booked)).content.decode()
    response = as_scheduler.post(url("no-show", booked), follow=True)
    assert messages_of(response) == ["A patient can only miss an appointment once its time has come."]
    frozen_now.move_to(at(THURSDAY, "11:00"))
    as_scheduler.force_login(scheduler)  # another day: a sign-in lasts a working day
    assert "Did not attend</button>" in as_scheduler.get(url("appointment", booked)).content.decode()
    response = as_scheduler.post(
        url("no-show", booked), {"reason": "forgot", "next_step": "referrer_told"}, follow=True
    )
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.NO_SHOW
    assert (booked.no_show_reason, booked.no_show_next_step) == ("forgot", "referrer_told")
    assert messages_of(response) == [
        "Marked Amelia Hughes as did not attend (forgot or mistook the date). Next step recorded: referrer told."
    ]


def test_a_phoned_confirmation_is_recorded(as_scheduler, booked):
    response = as_scheduler.post(url("confirm", booked), follow=True)
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED
    assert messages_of(response) == ["Amelia Hughes has confirmed they will come."]


def test_actions_are_post_only(as_scheduler, booked):
    for name in ("check-in", "no-show", "confirm"):
        assert as_scheduler.get(url(name, booked)).status_code == 405


def test_a_radiologist_can_neither_reschedule_nor_cancel(as_radiologist, radiologist, booked, frozen_now):
    frozen_now.move_to(at(THURSDAY, "09:45"))  # the morning of the appointment, when check-in is offered
    as_radiologist.force_login(radiologist)
    page = as_radiologist.get(url("appointment", booked))
    html = page.content.decode()
    assert "Reschedule</a>" not in html and ">Cancel</a>" not in html and "Check in" in html
    assert as_radiologist.get(url("reschedule", booked)).status_code == 403
    assert as_radiologist.post(url("cancel", booked), {"reason_code": "clinic"}).status_code == 403
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED


def test_an_unknown_appointment_is_not_found(as_scheduler):
    assert as_scheduler.get(reverse("procedures:appointment", args=[999999])).status_code == 404


def test_a_patient_no_reminder_can_reach_is_flagged_on_the_appointment_page(as_scheduler, room1):
    appointment = AppointmentFactory(room=room1, patient=PatientFactory(email="", mobile=""))
    html = as_scheduler.get(url("appointment", appointment)).content.decode()
    assert "no reminders will go" in html
