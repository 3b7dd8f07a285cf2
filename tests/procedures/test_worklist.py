"""The radiologist's worklist (/worklist/): their home page, today's list (their own first), and every attended
appointment still waiting for a result, defined once (`procedures.worklist.selectors.results_pending`) and shared
with the admin's "Results pending" filter. A past booking nobody closed takes no result: it waits on the end of the
day's list. "Now" is Wed 5 June 2030, 12:00 London."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procedures.models import Appointment, SafetyAnswers
from procedures.patient_page import services as patient_services
from procedures.worklist import selectors as worklist
from tests.clinic import MONDAY, THURSDAY, TODAY, at
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    ProcedureResultFactory,
    RadiologistFactory,
    RoomFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

Status = Appointment.Status
LAST_FRIDAY = TODAY - timedelta(days=5)
MONDAY_GONE = TODAY - timedelta(days=2)
ANSWERS = {"discharge_present": "yes", "pregnant": "no", "contrast_allergy": "yes", "infection": "no"}


def booking(when, *, name="", **fields):
    patient = PatientFactory(given_name=name) if name else PatientFactory()
    return AppointmentFactory(scheduled_start=when, patient=patient, **fields)


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-appointment="(\d+)"', html)]


def test_radiologists_land_on_the_worklist(client, radiologist, scheduler):
    response = client.post(reverse("login"), {"username": radiologist.username, "password": "correct-horse-battery"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/")["Location"] == reverse("procedures:worklist") == "/worklist/"
    page = client.get("/worklist/")
    assert page.status_code == 200
    assert 'href="/worklist/">Worklist</a>' in page.content.decode()  # and a link back from every page

    client.force_login(scheduler)  # schedulers keep the day view, and may not open the worklist
    home = client.get("/")
    assert home.status_code == 200 and "procedures/day.html" in [t.name for t in home.templates]
    assert "Worklist</a>" not in home.content.decode()
    assert client.get("/worklist/").status_code == 403
    client.logout()
    assert client.get("/worklist/")["Location"].startswith(reverse("login"))


def test_only_an_attended_visit_is_pending_a_result_and_a_past_booking_nobody_closed_waits_for_its_arrival():
    forgotten = booking(at(MONDAY_GONE, "10:00"))  # still "booked": nobody recorded whether she came
    confirmed = booking(at(LAST_FRIDAY, "09:00"), status=Status.CONFIRMED)
    checked_in = booking(at(TODAY, "09:00"), status=Status.CHECKED_IN)
    completed_without = booking(at(TODAY, "10:00"), status=Status.COMPLETED)
    just_started = booking(at(TODAY, "12:00"), status=Status.CHECKED_IN)  # the start is now: pending from now
    ProcedureResultFactory(appointment__scheduled_start=at(TODAY, "08:00"))  # logged
    booking(at(MONDAY_GONE, "11:00"), status=Status.CANCELLED, cancellation_reason="Unwell")
    booking(at(MONDAY_GONE, "12:00"), status=Status.NO_SHOW)
    booking(at(TODAY, "14:00"))  # still to come
    booking(at(TODAY, "15:00"), status=Status.CHECKED_IN)  # checked in early: not started yet

    pending = list(worklist.results_pending().order_by("scheduled_start"))
    assert pending == [checked_in, completed_without, just_started]
    assert worklist.pending_list() == pending  # the worklist's section: the same rows, oldest first
    unknown = list(worklist.arrival_not_recorded().order_by("scheduled_start"))
    assert unknown == [confirmed, forgotten]  # for the end of the day's list, not "Log result"


def test_the_admin_results_pending_filter_uses_the_worklist_definition(client, radiologist):
    booking(at(MONDAY_GONE, "10:00"))
    booking(at(TODAY, "09:00"), status=Status.CHECKED_IN)
    booking(at(TODAY, "10:00"), status=Status.COMPLETED)
    ProcedureResultFactory(appointment__scheduled_start=at(TODAY, "08:00"))
    booking(at(MONDAY_GONE, "12:00"), status=Status.NO_SHOW)
    booking(at(TODAY, "15:00"), status=Status.CHECKED_IN)  # the old filter listed this one; its start is ahead
    client.force_login(radiologist)
    page = client.get(reverse("admin:procedures_appointment_changelist"), {"result": "pending"})
    assert page.status_code == 200
    assert set(page.context["cl"].result_list) == set(worklist.results_pending())
    assert len(page.context["cl"].result_list) == 2  # checked in, completed: not the booking nobody closed


def test_the_worklist_puts_the_radiologists_own_appointments_first_then_the_pending_ones_oldest_first(
    client, radiologist
):
    colleague = RadiologistFactory(first_name="Maria", last_name="Lindqvist")
    room2 = RoomFactory(name="Mammo Room 2")
    theirs_early = booking(at(TODAY, "09:00"), name="Early", radiologist=colleague, status=Status.CHECKED_IN)
    mine_late = booking(at(TODAY, "15:00"), name="MineLate", radiologist=radiologist, room=room2)
    mine_early = booking(at(TODAY, "10:00"), name="MineEarly", radiologist=radiologist)
    done = ProcedureResultFactory(
        appointment__scheduled_start=at(TODAY, "08:00"), appointment__patient__given_name="Done"
    ).appointment
    booking(at(TODAY, "11:00"), name="Cancelled", status=Status.CANCELLED, cancellation_reason="Unwell")
    older = booking(at(LAST_FRIDAY, "09:00"), name="Older", status=Status.CHECKED_IN)
    booking(at(THURSDAY, "09:00"), name="Tomorrow")
    patient_services.answer_safety_questions(mine_late, **ANSWERS, blood_thinners="yes")

    rows = worklist.todays_list(radiologist)
    assert rows == [mine_early, mine_late, done, theirs_early]
    assert [r.is_mine for r in rows] == [True, True, False, False]
    assert [a.pk for a in worklist.pending_list()] == [older.pk, theirs_early.pk]  # mine_early: nobody checked in

    client.force_login(radiologist)
    html = client.get(reverse("procedures:worklist")).content.decode()
    today, pending = html.split('id="worklist-pending"')
    assert row_ids(today) == [a.pk for a in (mine_early, mine_late, done, theirs_early)]
    assert "Contrast allergy" in today and "Blood thinners" in today  # the safety answers, as badges
    assert "Not answered yet" in today
    assert row_ids(pending) == [older.pk, theirs_early.pk]
    log = reverse("procedures:log-result", args=[older.pk])
    assert f'href="{log}">Log result</a>' in pending
    # This morning's booking nobody checked in offers "Patient came", not "Log result"; the count says so too.
    mine_early_row = today.split(f'data-appointment="{mine_early.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Patient came</button>" in mine_early_row and "Log result" not in mine_early_row
    assert "1 past appointment still booked" in pending
    assert f'href="{reverse("procedures:log-result", args=[done.pk])}">Open result</a>' in today


def test_the_worklist_says_when_there_is_nothing_to_do(client, radiologist):
    client.force_login(radiologist)
    html = client.get(reverse("procedures:worklist")).content.decode()
    assert "No ductograms are booked today" in html
    assert "No results pending" in html


def test_the_worklist_runs_the_same_queries_for_2_or_30_appointments(client, radiologist):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("procedures:worklist")).status_code == 200
        return len(ctx.captured_queries)

    made = []

    def add(n: int) -> None:
        for _ in range(n):
            i = len(made)  # every booking its own quarter hour: no overlap for the radiologist, even on PostgreSQL
            day = TODAY if i % 2 else MONDAY_GONE
            when = at(day, "08:00") + timedelta(minutes=15 * i)
            made.append(booking(when, expected_duration=15, radiologist=radiologist if i % 3 else None))
            SafetyAnswers.objects.create(appointment=made[-1], **ANSWERS, blood_thinners="no")  # before the day

    client.force_login(radiologist)
    add(2)
    few = queries()
    add(28)
    assert queries() == few


def test_schedulers_see_no_log_result_link_on_the_appointment_page(client, scheduler):
    appointment = booking(at(MONDAY_GONE, "10:00"))
    client.force_login(scheduler)
    html = client.get(reverse("procedures:appointment", args=[appointment.pk])).content.decode()
    assert "Log result" not in html
    assert client.get(reverse("procedures:log-result", args=[appointment.pk])).status_code == 403


def test_the_monday_ahead_is_not_pending():
    booking(at(MONDAY, "10:00"))
    assert not worklist.results_pending().exists()
