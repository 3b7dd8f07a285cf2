"""Issue 23, point 3: the end of the day (/end-of-day/). The day's appointments still booked or confirmed once their
time has passed are listed, each closed in one click: attended (the result now pending), or did not attend with why
and the next step (a rebook offered goes on the follow-up list). "Log result" only for attended visits; "did not
attend" never after check-in. "Now" is Wed 5 June 2030, 12:00 London; the clinic closes at 18:00."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procedures import services
from procedures.end_of_day import selectors
from procedures.models import Appointment, FollowUp
from procedures.worklist import selectors as worklist
from tests.clinic import NOW, TODAY, at
from tests.factories import AppointmentFactory, PatientFactory, RoomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

Status = Appointment.Status
PAGE = "/end-of-day/"
EVENING = at(TODAY, "18:30")
LAST_MONDAY = TODAY - timedelta(days=2)


def booking(when, name: str, **fields) -> Appointment:
    return AppointmentFactory(scheduled_start=when, patient=PatientFactory(given_name=name), **fields)


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'class="end-of-day-row" id="open-\d+" data-appointment="(\d+)"', html)]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_end_of_day_list_closes_a_day_in_one_click_per_row(client, scheduler, frozen_now):
    room2 = RoomFactory(name="Mammo Room 2")
    came = booking(at(TODAY, "09:00"), "Came")
    forgot = booking(at(TODAY, "10:30"), "Forgot", status=Status.CONFIRMED)
    rebook = booking(at(TODAY, "14:00"), "Rebook", room=room2)
    gone = booking(at(TODAY, "16:00"), "Gone")
    booking(at(TODAY, "11:00"), "Checked", status=Status.CHECKED_IN)  # attended: its result is pending instead
    booking(at(TODAY, "13:00"), "Cancelled", status=Status.CANCELLED, cancellation_reason="Unwell")
    frozen_now.move_to(EVENING)
    client.force_login(scheduler)

    html = client.get(PAGE).content.decode()
    assert row_ids(html) == [came.pk, forgot.pk, rebook.pk, gone.pk]
    assert "The clinic closed at 18:00." in html
    clicks = [
        (reverse("procedures:attended", args=[came.pk]), {}),
        (reverse("procedures:no-show", args=[forgot.pk]), {"reason": "forgot", "next_step": "referrer_told"}),
        (reverse("procedures:no-show", args=[rebook.pk]), {"reason": "not_known", "next_step": "rebook"}),
        (reverse("procedures:no-show", args=[gone.pk]), {"reason": "decided_not", "next_step": "discharged"}),
    ]
    said = []
    for url, fields in clicks:  # one click a row: each form posts what its row shows, and comes back here
        response = client.post(url, {**fields, "next": PAGE}, follow=True)
        assert response.redirect_chain == [(PAGE, 302)]
        said += messages_of(response)

    html = response.content.decode()
    assert row_ids(html) == [] and "Nothing left open on Wed 5 Jun" in html
    assert said == [
        f"Recorded {came.patient.full_name} as attended (Wed 5 Jun 2030 09:00); the result is now pending on the "
        "worklist.",
        f"Marked {forgot.patient.full_name} as did not attend (forgot or mistook the date). "
        "Next step recorded: referrer told.",
        f"Marked {rebook.patient.full_name} as did not attend (not known: no word from the patient). "
        "Rebook offered: on the follow-up list for the schedulers, from Thu 6 Jun.",
        f"Marked {gone.patient.full_name} as did not attend (decided not to have it). "
        "Next step recorded: discharged back to the referrer.",
    ]
    statuses = dict(
        Appointment.objects.filter(pk__in=[came.pk, forgot.pk, rebook.pk, gone.pk]).values_list("pk", "status")
    )
    assert statuses == {came.pk: "checked_in", forgot.pk: "no_show", rebook.pk: "no_show", gone.pk: "no_show"}
    assert [f.appointment_id for f in FollowUp.objects.all()] == [rebook.pk]  # only the rebook waits on someone
    assert worklist.results_pending(now=EVENING).filter(pk=came.pk).exists()  # "came" now waits for its result
    assert 'id="end-of-day-awaiting"' in html and came.patient.full_name in html


def test_an_attended_visit_recorded_afterwards_has_no_check_in_time(scheduler, frozen_now):
    appointment = booking(at(TODAY, "09:00"), "Late")
    frozen_now.move_to(EVENING)
    services.record_attended(appointment, by=scheduler)
    assert worklist.check_in_time(appointment) is None  # 18:30 is when it was recorded, not an arrival
    assert "started_at" not in worklist.result_prefill(appointment)
    appointment.refresh_from_db()
    latest = appointment.history.order_by("-history_id").first()
    assert latest.history_change_reason == "Attended: recorded afterwards, arrival time not known"


def test_attended_and_did_not_attend_only_once_the_time_has_come(client, scheduler):
    ahead = booking(at(TODAY, "15:00"), "Ahead")
    for refused in (services.record_attended, services.mark_no_show):
        with pytest.raises(services.BookingError, match="once"):
            refused(ahead, by=scheduler)
    client.force_login(scheduler)
    assert row_ids(client.get(PAGE).content.decode()) == []  # not yet: still to start


def test_did_not_attend_is_not_offered_after_check_in(client, scheduler, frozen_now):
    appointment = booking(at(TODAY, "11:00"), "Checked")
    frozen_now.move_to(at(TODAY, "10:40"))
    services.check_in(appointment, by=scheduler)
    frozen_now.move_to(NOW)
    client.force_login(scheduler)
    html = client.get(reverse("procedures:appointment", args=[appointment.pk])).content.decode()
    assert "Did not attend</button>" not in html
    response = client.post(reverse("procedures:no-show", args=[appointment.pk]), follow=True)
    assert messages_of(response) == [
        "This patient was checked in, so they came: log the result (not performed, if it was not done) or cancel "
        "the appointment instead."
    ]
    assert Appointment.objects.get(pk=appointment.pk).status == Status.CHECKED_IN


def test_a_did_not_attend_without_a_next_step_waits_on_the_follow_up_list_and_its_undo_closes_it(
    client, scheduler, frozen_now
):
    appointment = booking(at(TODAY, "10:00"), "Missed")
    client.force_login(scheduler)
    response = client.post(reverse("procedures:no-show", args=[appointment.pk]), follow=True)  # an older form
    assert messages_of(response)[0].endswith(
        "as did not attend. The next step (rebook, tell the referrer or discharge) waits on the follow-up list."
    )
    follow_up = FollowUp.objects.get(appointment=appointment)
    assert follow_up.reasons == (
        "Did not attend (no reason recorded); next step to decide: rebook, tell the referrer or discharge"
    )
    assert (follow_up.must_act, follow_up.rebook_from) == ("schedulers", TODAY + timedelta(days=1))
    html = client.get("/followups/").content.decode()
    assert f'data-followup="{follow_up.pk}"' in html

    services.undo_no_show(appointment, by=scheduler)  # it was the wrong row
    follow_up.refresh_from_db()
    assert follow_up.action == FollowUp.Action.NO_LONGER_NEEDED


def test_log_result_is_offered_only_for_attended_visits(client, radiologist, scheduler, frozen_now):
    never_closed = booking(at(LAST_MONDAY, "10:00"), "Unknown")
    missed = booking(at(LAST_MONDAY, "11:00"), "Missed", status=Status.NO_SHOW)
    came = booking(at(LAST_MONDAY, "12:00"), "Came")
    services.record_attended(came, by=scheduler)
    client.force_login(radiologist)

    def page(a) -> str:
        return client.get(reverse("procedures:appointment", args=[a.pk])).content.decode()

    assert 'id="log-result"' not in page(never_closed) and "once the patient is recorded as having come" in page(
        never_closed
    )
    assert 'id="log-result"' not in page(missed)
    assert 'id="log-result"' in page(came)
    # The page's button for a past booking nobody closed: "Patient came", not check-in (another day).
    assert 'id="attended"' in page(never_closed) and ">Check in</button>" not in page(never_closed)
    refused = client.get(reverse("procedures:log-result", args=[never_closed.pk]), follow=True)
    assert refused.redirect_chain[-1][0] == f"/appointments/{never_closed.pk}/"
    assert messages_of(refused) == [
        f"{never_closed.patient.full_name} is not recorded as having come: check them in, or close the appointment "
        "on the end of the day's list, first."
    ]
    worklist_html = client.get("/worklist/").content.decode()
    assert f'href="/worklist/log/{never_closed.pk}/"' not in worklist_html
    assert f'href="/worklist/log/{came.pk}/"' in worklist_html


def test_earlier_days_left_open_are_listed_and_each_opens_on_its_day(client, scheduler):
    old = booking(at(LAST_MONDAY, "10:00"), "Old")
    booking(at(LAST_MONDAY, "11:00"), "Older", status=Status.CONFIRMED)
    booking(at(TODAY - timedelta(days=9), "10:00"), "Oldest")
    assert [(row["day"], row["open"]) for row in selectors.earlier_days(TODAY)] == [
        (LAST_MONDAY, 2),
        (TODAY - timedelta(days=9), 1),
    ]
    client.force_login(scheduler)
    html = client.get(PAGE).content.decode()
    assert 'href="/end-of-day/?date=2030-06-03">Mon 3 Jun 2030' in html
    assert "Nothing left open on Wed 5 Jun" in html
    monday = client.get(PAGE, {"date": "2030-06-03"}).content.decode()
    assert old.pk in row_ids(monday) and len(row_ids(monday)) == 2
    assert 'href="/end-of-day/?date=2030-06-03"' not in monday  # the day shown is not offered again


def test_the_page_is_for_the_front_desk_and_its_actions_are_post_only(client, scheduler, radiologist, superuser):
    appointment = booking(at(TODAY, "09:00"), "Desk")
    client.logout()
    assert client.get(PAGE)["Location"].startswith(reverse("login"))
    for user in (scheduler, radiologist):
        client.force_login(user)
        assert client.get(PAGE).status_code == 200
        assert client.get(reverse("procedures:attended", args=[appointment.pk])).status_code == 405
    html = client.get(reverse("procedures:worklist")).content.decode()
    assert re.search(r'id="end-of-day-link" href="/end-of-day/">End of day <span[^>]*>1</span>', html)


def test_the_list_runs_the_same_queries_for_2_or_20_appointments(client, scheduler):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PAGE).status_code == 200
        return len(ctx.captured_queries)

    made = []

    def add(n: int) -> None:
        for _ in range(n):
            made.append(booking(at(TODAY, "08:00") + timedelta(minutes=10 * len(made)), f"P{len(made)}"))

    client.force_login(scheduler)
    add(2)
    few = queries()
    add(18)
    assert queries() == few
