"""The appointment's day at the front desk: check-in opens shortly before the start and only on the day, did not
attend only once the start has come, and either can be undone on the day when it was a mistake, bringing back the
reminders still ahead. "Now" starts at Wednesday 5 June 2030, 12:00 in London; the appointment is Monday 10 June
10:00-10:45 in Mammo Room 1, booked through the service."""

from datetime import timedelta

import pytest
from django.urls import reverse

from procedures.models import Appointment
from procedures.services import (
    BookingError,
    arrival_actions,
    booking,
    check_in,
    confirm_attendance,
    mark_no_show,
    undo_check_in,
    undo_no_show,
)
from reminders.models import Reminder
from reminders.stages import Stage
from tests.clinic import MONDAY, THURSDAY, at
from tests.factories import PatientFactory, reminder_rule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def monday(book, scheduler) -> Appointment:
    """Amelia Hughes, Monday 10:00-10:45 in Mammo Room 1, booked by the scheduler with her reminders planned."""
    return book(
        at(MONDAY, "10:00"),
        patient=PatientFactory(given_name="Amelia", family_name="Hughes"),
        booked_by=scheduler,
    )


def _state_of_the_clinic() -> tuple[list, list]:
    return list(Appointment.objects.order_by("pk").values()), list(Reminder.objects.order_by("pk").values())


def refused(call, *args, message: str, **kwargs) -> None:
    """The call raises BookingError with exactly `message`, and no appointment or reminder changed."""
    before = _state_of_the_clinic()
    with pytest.raises(BookingError) as exc:
        call(*args, **kwargs)
    assert str(exc.value) == message
    assert _state_of_the_clinic() == before


def status_of(appointment: Appointment) -> str:
    appointment.refresh_from_db()
    return appointment.status


# Checking in


def test_checking_in_four_days_early_is_refused_and_changes_nothing(monday, frozen_now):
    frozen_now.move_to(at(THURSDAY, "10:00"))
    refused(check_in, monday, message="Check-in for this appointment opens at 08:00 on Mon 10 Jun.")
    assert not arrival_actions(monday).check_in


def test_check_in_opens_two_hours_before_on_the_day(monday, frozen_now, radiologist):
    frozen_now.move_to(at(MONDAY, "07:59"))
    refused(check_in, monday, message="Check-in for this appointment opens at 08:00 on Mon 10 Jun.")
    frozen_now.move_to(at(MONDAY, "08:00"))
    assert arrival_actions(monday).check_in
    assert check_in(monday, by=radiologist).status == Appointment.Status.CHECKED_IN


def test_check_in_opens_when_the_setting_says(monday, frozen_now, settings):
    settings.CHECK_IN_OPENS_MINUTES = 30
    frozen_now.move_to(at(MONDAY, "09:29"))
    refused(check_in, monday, message="Check-in for this appointment opens at 09:30 on Mon 10 Jun.")
    frozen_now.move_to(at(MONDAY, "09:30"))
    assert check_in(monday).status == Appointment.Status.CHECKED_IN


def test_check_in_never_opens_the_day_before_however_early_the_setting(monday, frozen_now, settings):
    settings.CHECK_IN_OPENS_MINUTES = 24 * 60
    frozen_now.move_to(at(MONDAY - timedelta(days=1), "23:59"))
    refused(check_in, monday, message="Check-in for this appointment opens at 00:00 on Mon 10 Jun.")
    frozen_now.move_to(at(MONDAY, "00:00"))
    assert check_in(monday).status == Appointment.Status.CHECKED_IN


def test_a_patient_who_arrives_late_on_the_day_is_still_checked_in_but_not_the_next_day(monday, frozen_now):
    frozen_now.move_to(at(TUESDAY, "09:00"))
    refused(
        check_in,
        monday,
        message="This appointment was on Mon 10 Jun; a patient can only be checked in on the day.",
    )
    frozen_now.move_to(at(MONDAY, "10:30"))
    assert check_in(monday).status == Appointment.Status.CHECKED_IN


# Did not attend


def test_did_not_attend_is_refused_before_the_start_and_recorded_from_it(monday, frozen_now):
    frozen_now.move_to(at(MONDAY, "09:59"))
    refused(mark_no_show, monday, message="A patient can only miss an appointment once its time has come.")
    assert not arrival_actions(monday).no_show
    frozen_now.move_to(at(MONDAY, "10:00"))
    assert mark_no_show(monday).status == Appointment.Status.NO_SHOW


# Undoing a mistake on the day


def test_undoing_a_mistaken_check_in_reopens_the_reminders_still_ahead(book, frozen_now, radiologist, scheduler):
    # This clinic sends its "day before" text an hour before the start instead.
    rule = reminder_rule(Stage.DAY_BEFORE)
    rule.offset = timedelta(hours=1)
    rule.save()
    monday = book(at(MONDAY, "10:00"), booked_by=scheduler)
    frozen_now.move_to(at(MONDAY, "08:15"))  # the wrong patient checked in: every reminder still to go closes
    check_in(monday, by=radiologist)
    closed = set(monday.reminders.filter(status=Reminder.Status.CANCELLED).values_list("stage", "channel"))
    assert (Stage.DAY_BEFORE, "sms") in closed and (Stage.TWO_DAYS_BEFORE, "email") in closed

    frozen_now.move_to(at(MONDAY, "08:20"))
    undone = undo_check_in(monday, by=scheduler)

    undone.refresh_from_db()
    assert undone.status == Appointment.Status.BOOKED
    assert undone.history.first().history_user == scheduler
    day_before = monday.reminders.get(stage=Stage.DAY_BEFORE, channel="sms")
    assert (day_before.status, day_before.send_at, day_before.last_error) == (
        Reminder.Status.PENDING,
        at(MONDAY, "09:00"),
        "",
    )
    # Everything due before 08:20 stays closed, with the reason it was closed for.
    still_closed = monday.reminders.filter(status=Reminder.Status.CANCELLED)
    assert set(still_closed.values_list("stage", "channel")) == closed - {(Stage.DAY_BEFORE, "sms")}
    assert set(still_closed.values_list("last_error", flat=True)) == {"The patient has checked in."}
    assert all(r.send_at <= at(MONDAY, "08:20") for r in still_closed)


def test_undoing_a_check_in_returns_a_confirmed_appointment_to_confirmed(monday, frozen_now):
    confirm_attendance(monday)
    frozen_now.move_to(at(MONDAY, "09:40"))
    check_in(monday)
    assert undo_check_in(monday).status == Appointment.Status.CONFIRMED
    assert status_of(monday) == Appointment.Status.CONFIRMED


def test_undo_is_refused_the_next_day(monday, frozen_now):
    frozen_now.move_to(at(MONDAY, "09:50"))
    check_in(monday)
    frozen_now.move_to(at(TUESDAY, "08:30"))
    refused(undo_check_in, monday, message="A check-in can only be undone on the day of the appointment (Mon 10 Jun).")
    assert not arrival_actions(monday).undo_check_in


def test_a_checked_in_patient_cannot_be_marked_as_not_attending(monday, frozen_now):
    frozen_now.move_to(at(MONDAY, "09:50"))
    check_in(monday)
    frozen_now.move_to(at(MONDAY, "10:20"))
    assert not arrival_actions(Appointment.objects.get(pk=monday.pk)).no_show
    refused(
        mark_no_show,
        monday,
        message="This patient was checked in, so they came: log the result (not performed, if it was not done) or "
        "cancel the appointment instead.",
    )
    assert status_of(monday) == Appointment.Status.CHECKED_IN


def test_undoing_a_mistaken_did_not_attend_brings_the_appointment_back_as_it_was(monday, frozen_now):
    frozen_now.move_to(at(MONDAY, "10:20"))
    mark_no_show(monday, reason="forgot", next_step="rebook")  # the wrong patient's row
    frozen_now.move_to(at(MONDAY, "10:25"))
    undone = undo_no_show(monday)
    assert undone.status == Appointment.Status.BOOKED
    assert (undone.no_show_reason, undone.no_show_next_step) == ("", "")
    assert [h.status for h in monday.history.order_by("-history_date", "-history_id")[:3]] == [
        "booked",
        "no_show",
        "booked",
    ]


def test_undoing_a_did_not_attend_is_refused_once_the_freed_time_was_booked(monday, frozen_now, book):
    frozen_now.move_to(at(MONDAY, "10:10"))
    mark_no_show(monday)
    book(at(MONDAY, "10:15"))  # the room was free again, and a walk-in took it
    refused(
        undo_no_show,
        monday,
        message="The did-not-attend mark cannot be undone: Mammo Room 1 is booked 10:15-11:00 for another patient.",
    )


@pytest.mark.postgres
def test_an_undo_that_loses_a_race_for_the_room_gets_the_same_sentence_from_the_database(
    monday, frozen_now, book, monkeypatch
):
    """The walk-in's booking commits between the undo's check and its save: the exclusion constraint refuses."""
    frozen_now.move_to(at(MONDAY, "10:10"))
    mark_no_show(monday)
    book(at(MONDAY, "10:15"))
    real_overlapping = booking._overlapping
    calls = []

    def blind_first_time(**kwargs):
        calls.append(kwargs)
        return [] if len(calls) == 1 else real_overlapping(**kwargs)

    monkeypatch.setattr(booking, "_overlapping", blind_first_time)
    refused(
        undo_no_show,
        monday,
        message="The did-not-attend mark cannot be undone: Mammo Room 1 is booked 10:15-11:00 for another patient.",
    )
    assert len(calls) == 2


def test_only_what_was_recorded_can_be_undone(monday, frozen_now):
    frozen_now.move_to(at(MONDAY, "09:50"))
    refused(undo_check_in, monday, message="This appointment is booked, so there is no check-in to undo.")
    check_in(monday)
    refused(undo_no_show, monday, message="This appointment is checked in, so there is no did-not-attend mark to undo.")


def test_the_undo_paths_are_not_forward_moves(monday, frozen_now):
    """Appointment.TRANSITIONS stays forward-only: a checked-in patient cannot be 'confirmed' back by the patient
    page or the desk; only the undo services go back, through Appointment.UNDO_TRANSITIONS."""
    frozen_now.move_to(at(MONDAY, "09:50"))
    check_in(monday)
    refused(confirm_attendance, monday, message="This appointment is checked in.")
    assert Appointment.Status.BOOKED not in Appointment.TRANSITIONS[Appointment.Status.CHECKED_IN]
    assert Appointment.Status.BOOKED in Appointment.UNDO_TRANSITIONS[Appointment.Status.CHECKED_IN]


# The appointment page


def url(name: str, appointment: Appointment) -> str:
    return reverse(f"procedures:{name}", args=[appointment.pk])


def buttons(client, appointment) -> set[str]:
    html = client.get(url("appointment", appointment)).content.decode()
    names = ("Check in", "Did not attend", "Undo check-in", "Undo did not attend")
    return {name for name in names if f">{name}</button>" in html}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_page_offers_check_in_on_the_day_and_an_undo_until_the_day_ends(client, scheduler, monday, frozen_now):
    client.force_login(scheduler)
    assert buttons(client, monday) == set()
    frozen_now.move_to(at(MONDAY, "09:45"))
    client.force_login(scheduler)
    assert buttons(client, monday) == {"Check in"}

    response = client.post(url("check-in", monday), follow=True)
    assert messages_of(response) == ["Checked in Amelia Hughes."]
    assert buttons(client, monday) == {"Undo check-in"}

    response = client.post(url("undo-check-in", monday), follow=True)
    assert messages_of(response) == ["Undid the check-in of Amelia Hughes."]
    assert status_of(monday) == Appointment.Status.BOOKED
    assert buttons(client, monday) == {"Check in"}


def test_the_page_says_why_an_undo_is_refused_the_next_day(client, scheduler, monday, frozen_now):
    frozen_now.move_to(at(MONDAY, "10:30"))
    mark_no_show(monday)
    client.force_login(scheduler)
    assert buttons(client, monday) == {"Undo did not attend"}
    frozen_now.move_to(at(TUESDAY, "08:05"))
    client.force_login(scheduler)
    assert buttons(client, monday) == set()
    response = client.post(url("undo-no-show", monday), follow=True)
    assert messages_of(response) == [
        "A did-not-attend mark can only be undone on the day of the appointment (Mon 10 Jun)."
    ]
    assert status_of(monday) == Appointment.Status.NO_SHOW


def test_the_undo_actions_are_post_only_and_for_front_desk_staff(client, scheduler, monday):
    client.force_login(scheduler)
    for name in ("undo-check-in", "undo-no-show"):
        assert client.get(url(name, monday)).status_code == 405
    client.logout()
    response = client.post(url("undo-check-in", monday))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert status_of(monday) == Appointment.Status.BOOKED
