"""The patient chooses another time on her page (issue 20): free times that fit, grouped by day, from after her
preparation window to PATIENT_RESCHEDULE_WEEKS ahead; a pick moves her at once ("direct"), waits for staff to
approve with one click ("request"), or the choice is hidden ("off"). A time gone, or never offered, is refused with
fresh times, and nothing is ever booked twice.

"Now" is Wednesday 5 June 2030, 12:00 in London; she is booked for Monday 24 June 10:00. The ductogram's
preparation takes 3 days, so the first day she may be offered is Monday 10 June (Sunday 9 June would do, but the
clinic is closed at weekends)."""

import re
from datetime import date

import pytest
from django.db.models import Q
from django.utils import timezone

from procedures.links import patient_token
from procedures.models import Appointment, PatientRequest
from procedures.patient_page import free_times, services
from procedures.patient_page.selectors import times_to_choose
from procedures.patient_page.services import MOVED_BY_PATIENT, TimeTaken, choose_new_time
from reminders.models import Reminder
from reminders.stages import Stage
from tests.clinic import FAR, FRIDAY, MONDAY, THURSDAY, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

TUESDAY = date(2030, 6, 11)


@pytest.fixture(autouse=True)
def many_pages(settings):
    settings.PATIENT_PAGE_RATE_LIMIT = 1000


@pytest.fixture
def amelia(book):
    appointment = book(FAR)
    # The booking confirmation has gone, so a move is news: the move notice tells her.
    appointment.reminders.filter(stage=Stage.BOOKING_CONFIRMATION).update(
        status=Reminder.Status.SENT, sent_at=timezone.now()
    )
    return appointment


def page_of(appointment) -> str:
    return f"/p/{patient_token(appointment)}/"


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" .", ".")


def offered(html: str) -> list[str]:
    return re.findall(r'name="start" value="([^"]+)"', html)


def test_she_moves_herself_to_an_offered_time_and_staff_see_she_did(client, amelia):
    html = client.get(page_of(amelia)).content.decode()
    assert "Choose another time" in html
    chosen = offered(html)[0]
    assert chosen == at(MONDAY, "08:00").isoformat()

    response = client.post(f"{page_of(amelia)}choose/", {"start": chosen})

    assert response.status_code == 302
    moved = Appointment.objects.get(pk=amelia.pk)
    assert moved.scheduled_start == at(MONDAY, "08:00")
    assert moved.room_id == amelia.room_id and moved.expected_duration == amelia.expected_duration
    notices = moved.reminders.filter(stage=Stage.RESCHEDULED, status=Reminder.Status.PENDING)
    assert set(notices.values_list("channel", flat=True)) == {"email", "sms"}
    latest = moved.history.first()
    assert latest.history_change_reason == MOVED_BY_PATIENT and latest.history_user is None
    told = PatientRequest.objects.get(appointment=amelia)
    assert told.status == PatientRequest.Status.DONE and told.chosen_start == at(MONDAY, "08:00")
    assert MOVED_BY_PATIENT in told.handled_note
    page = plain(client.get(response["Location"]).content.decode())
    assert "Done: your appointment is now on Monday 10 June at 08:00." in page
    assert "has moved from" not in page  # she chose it herself


def test_staff_see_the_move_on_the_requests_page(client, amelia, scheduler):
    client.post(f"{page_of(amelia)}choose/", {"start": at(MONDAY, "08:00").isoformat()})
    client.force_login(scheduler)

    html = client.get("/requests/").content.decode()

    assert MOVED_BY_PATIENT in html


def test_a_time_taken_a_moment_earlier_is_refused_with_fresh_times(client, amelia, book):
    chosen = offered(client.get(page_of(amelia)).content.decode())[0]
    other = book(at(MONDAY, "08:00"))  # a scheduler books it while she is deciding

    response = client.post(f"{page_of(amelia)}choose/", {"start": chosen}, follow=True)

    html = response.content.decode()
    assert "Sorry, that time is no longer free. Please choose another time below." in plain(html)
    assert chosen not in offered(html) and offered(html)
    assert Appointment.objects.get(pk=amelia.pk).scheduled_start == FAR
    at_eight = Appointment.objects.filter(scheduled_start=at(MONDAY, "08:00"), room=amelia.room)
    assert list(at_eight) == [other]
    assert not PatientRequest.objects.filter(appointment=amelia).exists()


def test_losing_the_race_after_the_offers_were_checked_is_refused_too(amelia, book, monkeypatch):
    """The offers were computed a moment before someone else's booking committed: the booking's own check (or its
    exclusion constraint) refuses the move."""
    book(at(MONDAY, "08:00"))
    monkeypatch.setattr(services, "is_offered", lambda appointment, start: True)

    with pytest.raises(TimeTaken):
        choose_new_time(amelia, start=at(MONDAY, "08:00"))

    assert Appointment.objects.get(pk=amelia.pk).scheduled_start == FAR
    assert Appointment.objects.filter(scheduled_start=at(MONDAY, "08:00")).count() == 1


def test_a_posted_time_that_was_never_offered_is_refused(client, amelia):
    free_but_not_offered = at(MONDAY, "08:15")  # free, but not one of the day's handful
    html = client.get(page_of(amelia)).content.decode()
    assert free_but_not_offered.isoformat() not in offered(html)

    for posted in (free_but_not_offered.isoformat(), at(THURSDAY, "10:00").isoformat(), "tomorrow", ""):
        response = client.post(f"{page_of(amelia)}choose/", {"start": posted}, follow=True)
        assert "choose" in plain(response.content.decode()).lower()

    assert Appointment.objects.get(pk=amelia.pk).scheduled_start == FAR


def test_times_inside_the_preparation_window_are_never_offered(amelia):
    days = [start.date() for start, _starts in times_to_choose(amelia)]

    assert days[0] == MONDAY and TUESDAY in days
    assert THURSDAY not in days and FRIDAY not in days
    for _day, starts in times_to_choose(amelia):
        assert 1 <= len(starts) <= free_times.CHOICE_TIMES_PER_DAY


def test_nothing_is_offered_beyond_the_weeks_the_clinic_allows(amelia, settings):
    settings.PATIENT_RESCHEDULE_WEEKS = 1  # to Wednesday 12 June, noon

    days = [start.date() for start, _starts in times_to_choose(amelia)]

    assert days == [MONDAY, TUESDAY, date(2030, 6, 12)]
    assert max(s for _d, starts in times_to_choose(amelia) for s in starts) <= at(date(2030, 6, 12), "12:00")


def test_in_request_mode_her_choice_waits_for_staff_who_approve_with_one_click(client, amelia, scheduler, settings):
    settings.PATIENT_SELF_RESCHEDULE = "request"
    html = client.get(page_of(amelia)).content.decode()
    assert "Choose one and we will confirm it with you." in plain(html)

    response = client.post(f"{page_of(amelia)}choose/", {"start": at(TUESDAY, "08:00").isoformat()}, follow=True)

    assert "we have your choice of Tuesday 11 June at 08:00" in plain(response.content.decode())
    assert "You chose Tuesday 11 June at 08:00." in plain(response.content.decode())
    assert Appointment.objects.get(pk=amelia.pk).scheduled_start == FAR
    waiting = PatientRequest.objects.get(appointment=amelia)
    assert waiting.is_awaiting_staff and waiting.chosen_start == at(TUESDAY, "08:00")

    client.force_login(scheduler)
    assert "Move to Tue 11 Jun 08:00" in client.get("/requests/").content.decode()
    client.post(f"/requests/{waiting.pk}/move/")

    moved = Appointment.objects.get(pk=amelia.pk)
    assert moved.scheduled_start == at(TUESDAY, "08:00")
    assert moved.reminders.filter(stage=Stage.RESCHEDULED, status=Reminder.Status.PENDING).exists()
    waiting.refresh_from_db()
    assert waiting.status == PatientRequest.Status.DONE and waiting.handled_by == scheduler


def test_approving_a_time_taken_since_is_refused(client, amelia, scheduler, settings, book):
    settings.PATIENT_SELF_RESCHEDULE = "request"
    client.post(f"{page_of(amelia)}choose/", {"start": at(TUESDAY, "08:00").isoformat()})
    book(at(TUESDAY, "08:00"))
    waiting = PatientRequest.objects.get(appointment=amelia)
    client.force_login(scheduler)

    response = client.post(f"/requests/{waiting.pk}/move/", follow=True)

    assert "Mammo Room 1 is booked" in response.content.decode()
    assert Appointment.objects.get(pk=amelia.pk).scheduled_start == FAR
    assert PatientRequest.objects.get(pk=waiting.pk).is_awaiting_staff


def test_off_hides_the_choice_and_keeps_the_request(client, amelia, settings):
    settings.PATIENT_SELF_RESCHEDULE = "off"

    html = client.get(page_of(amelia)).content.decode()
    response = client.post(f"{page_of(amelia)}choose/", {"start": at(MONDAY, "08:00").isoformat()})

    assert "Choose another time" not in html and not offered(html)
    assert "Send my request" in html
    assert response.status_code == 302
    assert Appointment.objects.get(pk=amelia.pk).scheduled_start == FAR


def test_none_of_these_suit_me_still_asks_staff(client, amelia):
    html = plain(client.get(page_of(amelia)).content.decode())
    assert "None of these suit me" in html

    client.post(f"{page_of(amelia)}change/", {"kind": "reschedule", "message": "Evenings only"})

    assert PatientRequest.objects.get(appointment=amelia).is_awaiting_staff
    assert not offered(client.get(page_of(amelia)).content.decode())  # one request at a time: it waits for staff


def test_her_radiologist_s_other_bookings_rule_times_out(book, radiologist, room2):
    mine = book(FAR, radiologist=radiologist)
    book(at(MONDAY, "08:00"), radiologist=radiologist, room=room2)

    starts = [s for _d, starts in times_to_choose(mine) for s in starts]

    assert at(MONDAY, "08:00") not in starts
    assert not Appointment.objects.filter(Q(pk=mine.pk) & ~Q(radiologist=radiologist)).exists()


def test_moving_herself_answers_her_waiting_request_to_move(amelia, settings):
    waiting = PatientRequest.objects.create(appointment=amelia, kind=PatientRequest.Kind.RESCHEDULE, message="Later")

    choose_new_time(amelia, start=at(MONDAY, "08:00"))

    waiting.refresh_from_db()
    assert waiting.status == PatientRequest.Status.DONE and waiting.chosen_start == at(MONDAY, "08:00")
    assert PatientRequest.objects.filter(appointment=amelia).count() == 1


def test_the_appointment_page_shows_the_time_she_chose_with_the_button(client, amelia, scheduler, settings):
    settings.PATIENT_SELF_RESCHEDULE = "request"
    client.post(f"{page_of(amelia)}choose/", {"start": at(TUESDAY, "08:00").isoformat()})
    client.force_login(scheduler)

    html = client.get(f"/appointments/{amelia.pk}/").content.decode()

    assert "Chose <strong>Tue 11 Jun 2030 08:00</strong> on their page." in html
    assert "Move to Tue 11 Jun 08:00" in html
