"""A patient who stopped reminders starts them again from their page; a dead link's page gives the clinic's number.

The calendar is frozen (tests/clinic.py): booked on Wednesday 5 June 2030 for Monday 24 June (FAR), so every stage is
still to come at booking; the restart happens on Tuesday 18 June, when the week-before email's time has passed.
"""

from datetime import timedelta

import pytest
import time_machine

from procedures.links import patient_token
from procedures.models import Appointment
from procedures.services import cancel_appointment, reschedule_appointment
from reminders import services as reminders
from reminders.models import Reminder
from reminders.stages import Stage
from tests.clinic import FAR, NOW
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache")]

SIX_DAYS_BEFORE = FAR - timedelta(days=6)  # the week-before email (7 days) is past; 4 days, 48 h and 24 h are ahead
STILL_AHEAD = {
    (Stage.PREPARATION_STARTS, "email"),
    (Stage.PREPARATION_STARTS, "sms"),
    (Stage.TWO_DAYS_BEFORE, "email"),
    (Stage.TWO_DAYS_BEFORE, "sms"),
    (Stage.DAY_BEFORE, "sms"),
}


@pytest.fixture
def stopped(client, book) -> Appointment:
    """Amelia booked on 5 June for 24 June, who tapped "Stop reminder messages" on her page that day."""
    with time_machine.travel(NOW, tick=False):
        appointment = book(FAR, patient=PatientFactory(given_name="Amelia", mobile="+447911123456"))
        client.post(f"{page_of(appointment)}stop/")
    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at is not None
    return appointment


def page_of(appointment) -> str:
    return f"/p/{patient_token(appointment)}/"


def pending(appointment) -> set[tuple[str, str]]:
    return set(appointment.reminders.filter(status=Reminder.Status.PENDING).values_list("stage", "channel"))


def test_restarting_asks_first_then_brings_back_the_reminders_still_ahead(client, stopped):
    with time_machine.travel(SIX_DAYS_BEFORE, tick=False):
        page = client.get(page_of(stopped)).content.decode()
        assert "Start reminders again" in page
        ask = client.get(f"{page_of(stopped)}restart/")
        assert ask.status_code == 200
        assert "Yes, start reminders again" in ask.content.decode()
        stopped.patient.refresh_from_db()
        assert stopped.patient.reminders_opt_out_at is not None  # looking is not restarting
        assert pending(stopped) == set()

        done = client.post(f"{page_of(stopped)}restart/", follow=True)

    assert done.redirect_chain[-1][0].endswith(f"{page_of(stopped)}#reminders")
    assert "we will send you reminders by email and text again" in done.content.decode()
    stopped.patient.refresh_from_db()
    assert stopped.patient.reminders_opt_out_at is None
    assert pending(stopped) == STILL_AHEAD
    # Stages whose time passed while reminders were off stay closed: nothing goes late.
    week_before = stopped.reminders.get(stage=Stage.WEEK_BEFORE, channel="email")
    assert week_before.status == Reminder.Status.CANCELLED
    confirmation = stopped.reminders.filter(stage=Stage.BOOKING_CONFIRMATION)
    assert not confirmation.filter(status=Reminder.Status.PENDING).exists()
    assert stopped.reminders.count() == 8  # the same rows reopened, none duplicated


def test_a_stop_reply_keeps_texts_off_when_the_page_restarts_reminders(client, stopped):
    reminders.opt_out_by_number("+447911123456")  # she also replied STOP to a text

    with time_machine.travel(SIX_DAYS_BEFORE, tick=False):
        ask = client.get(f"{page_of(stopped)}restart/").content.decode()
        assert "reply START" in ask
        done = client.post(f"{page_of(stopped)}restart/", follow=True).content.decode()

    assert "by email again" in done and "reply START" in done
    assert pending(stopped) == {(Stage.PREPARATION_STARTS, "email"), (Stage.TWO_DAYS_BEFORE, "email")}
    stopped.patient.refresh_from_db()
    assert stopped.patient.reminder_channels() == {"email"}
    assert "replied STOP" in stopped.patient.why_unreachable("sms")


def test_after_a_start_reply_the_page_restarts_texts_too(client, stopped):
    reminders.opt_out_by_number("+447911123456")
    assert reminders.opt_in_by_number("+447911123456") == 1  # she replied START

    with time_machine.travel(SIX_DAYS_BEFORE, tick=False):
        client.post(f"{page_of(stopped)}restart/")

    assert pending(stopped) == STILL_AHEAD


def test_a_start_reply_after_an_email_only_restart_brings_the_texts_still_ahead_back(client, stopped):
    reminders.opt_out_by_number("+447911123456")
    with time_machine.travel(SIX_DAYS_BEFORE, tick=False):
        client.post(f"{page_of(stopped)}restart/")
        assert pending(stopped) == {(Stage.PREPARATION_STARTS, "email"), (Stage.TWO_DAYS_BEFORE, "email")}

        assert reminders.opt_in_by_number("+447911123456") == 1  # she replied START

    assert pending(stopped) == STILL_AHEAD
    assert stopped.reminders.count() == 8, "the texts the STOP closed reopened, none made twice"


def test_a_start_reply_while_reminders_are_stopped_lifts_only_the_stop(stopped):
    reminders.opt_out_by_number("+447911123456")
    with time_machine.travel(SIX_DAYS_BEFORE, tick=False):
        assert reminders.opt_in_by_number("+447911123456") == 1

    stopped.patient.refresh_from_db()
    assert stopped.patient.sms_stopped_at is None and stopped.patient.reminders_opt_out_at is not None
    assert pending(stopped) == set(), "the patient restarts reminders from their page"


@pytest.mark.parametrize("reply", ["START", "start", " Start. ", "UNSTOP"])
def test_start_in_a_reply_asks_for_texts_again(reply):
    assert reminders.asks_to_start(reply)


@pytest.mark.parametrize("reply", ["Can I start eating after?", "STOP", "started bleeding"])
def test_other_replies_do_not_ask_for_texts_again(reply):
    assert not reminders.asks_to_start(reply)


def test_a_stop_reply_before_any_page_stop_is_kept_and_a_second_one_keeps_the_first_time(book):
    with time_machine.travel(NOW, tick=False):
        appointment = book(FAR, patient=PatientFactory(mobile="+447911123456"))
        assert reminders.opt_out_by_number("+447911123456") == 1
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert reminders.opt_out_by_number("+447911123456") == 0
    appointment.patient.refresh_from_db()
    assert appointment.patient.sms_stopped_at == NOW


def test_restarting_after_a_move_while_stopped_schedules_the_new_times(client, stopped):
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        moved = reschedule_appointment(stopped, new_start=FAR + timedelta(days=1))
        # Moved while stopped: no reminder is made for the new time, but the move is news she is told of.
        assert pending(moved) == {(Stage.RESCHEDULED, "email"), (Stage.RESCHEDULED, "sms")}
    with time_machine.travel(SIX_DAYS_BEFORE, tick=False):
        client.post(f"{page_of(moved)}restart/")

    new_time = moved.reminders.filter(for_start=moved.scheduled_start, status=Reminder.Status.PENDING)
    move_notices = {(Stage.RESCHEDULED, "email"), (Stage.RESCHEDULED, "sms")}  # queued at the move, not sent here
    assert set(new_time.values_list("stage", "channel")) == STILL_AHEAD | move_notices


def test_restarting_twice_or_without_a_stop_changes_nothing(client, stopped):
    with time_machine.travel(SIX_DAYS_BEFORE, tick=False):
        client.post(f"{page_of(stopped)}restart/")
        before = set(stopped.reminders.values_list("pk", "status", "send_at"))
        again = client.post(f"{page_of(stopped)}restart/")
        looking = client.get(f"{page_of(stopped)}restart/")

    assert again.status_code == looking.status_code == 302  # nothing to restart: back to the page
    assert set(stopped.reminders.values_list("pk", "status", "send_at")) == before
    assert "Start reminders again" not in client.get(page_of(stopped)).content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_expired_or_cancelled_link_cannot_restart_reminders(client, stopped, method):
    token = patient_token(stopped)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert getattr(client, method)(f"/p/{tampered}/restart/").status_code == 404
    with time_machine.travel(FAR + timedelta(days=1), tick=False):
        assert getattr(client, method)(f"{page_of(stopped)}restart/").status_code == 404
    cancel_appointment(stopped, reason_code="unwell", reason="Unwell")
    assert getattr(client, method)(f"{page_of(stopped)}restart/").status_code == 404
    stopped.patient.refresh_from_db()
    assert stopped.patient.reminders_opt_out_at is not None


def test_the_not_found_page_gives_the_clinics_phone_number(client, settings):
    settings.CLINIC_PHONE = "+44 20 7946 0123"

    response = client.get("/p/not-a-real-link/")

    assert response.status_code == 404
    text = response.content.decode()
    assert "call the clinic on" in text and "+44 20 7946 0123" in text
    assert 'href="tel:+442079460123"' in text
