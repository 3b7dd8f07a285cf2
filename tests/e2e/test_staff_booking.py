"""A scheduler's morning in a real browser: sign in, book a new patient, find her on the day view, meet a conflict
and take an offered time, reschedule, cancel.

Runs headless Chromium (the Debian `chromium` package) through Playwright against pytest-django's live server.
Skipped, saying why, where either is missing; `.ci/run` installs both. With UPDATE_SCREENSHOTS=1 it also saves
the day view to docs/day-view.png for the README.
"""

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from procedures.models import Appointment, Patient
from tests.clinic import at
from tests.e2e.conftest import PASSWORD, sync_api
from tests.factories import AppointmentFactory, PatientFactory, RadiologistFactory, RoomFactory, SchedulerFactory

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "day-view.png"

# serialized_rollback: the flush after a transactional test must not take the migrations' rows (groups, DUCTOGRAM).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def clinic_day(days_ahead: int = 7) -> date:
    day = timezone.localdate() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_a_scheduler_books_meets_a_conflict_takes_an_offered_time_reschedules_and_cancels(
    live_server, browser_page, tmp_path
):
    page, expect = browser_page, sync_api.expect
    day = clinic_day()
    room1, room2 = RoomFactory(name="Mammo Room 1"), RoomFactory(name="Mammo Room 2")
    okafor = RadiologistFactory(first_name="Adaeze", last_name="Okafor")
    lindqvist = RadiologistFactory(first_name="Maria", last_name="Lindqvist")
    SchedulerFactory(username="sam", first_name="Sam", last_name="Patel")
    # The day already has bookings; room 1 is taken at 11:00.
    AppointmentFactory(
        patient=PatientFactory(given_name="Amelia", family_name="Hughes", mrn="RX100001"),
        room=room1,
        radiologist=okafor,
        scheduled_start=at(day, "09:00"),
        status=Appointment.Status.CONFIRMED,
    )
    AppointmentFactory(
        patient=PatientFactory(given_name="Fatima", family_name="Begum", mrn="RX100004"),
        room=room1,
        radiologist=okafor,
        scheduled_start=at(day, "11:00"),
        laterality=Appointment.Laterality.RIGHT,
    )
    AppointmentFactory(
        patient=PatientFactory(given_name="Grace", family_name="O'Neill", mrn="RX100003"),
        room=room2,
        radiologist=lindqvist,
        scheduled_start=at(day, "09:30"),
        expected_duration=30,
        status=Appointment.Status.CONFIRMED,
    )
    AppointmentFactory(
        patient=PatientFactory(given_name="Helen", family_name="Baker", mrn="RX100006", email="", mobile=""),
        room=room2,
        radiologist=lindqvist,
        scheduled_start=at(day, "13:00"),
        expected_duration=60,
    )
    PatientFactory(given_name="Priya", family_name="Shah", mrn="RX100002")
    day_url = f"{live_server.url}/schedule/?date={day.isoformat()}"

    # Sign in: the schedule sends her to the login page first.
    page.goto(day_url)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signed-in-as")).to_have_text("Sam Patel")
    expect(page.locator(".booking")).to_have_count(4)

    # Book a new patient from a free time on the schedule: room 2 at 14:15.
    page.locator(f'a.free-slot[href*="room={room2.pk}&start={day.isoformat()}T14:15"]').click()
    expect(page.get_by_role("heading", name="Book a ductogram")).to_be_visible()
    expect(page.locator("#id_start_time")).to_have_value("14:15")
    page.get_by_label("Register a new patient").check()
    page.locator("#id_new-mrn").fill("RX300001")
    page.locator("#id_new-given_name").fill("Ngozi")
    page.locator("#id_new-family_name").fill("Eze")
    page.locator("#id_new-date_of_birth").fill("1977-05-23")
    page.locator("#id_new-email").fill("ngozi.eze@example.com")
    page.locator("#id_new-mobile").fill("+447911123456")
    page.locator("#id_radiologist").select_option(label="Maria Lindqvist")
    page.get_by_label("Left").check()
    page.locator("#id_discharge").select_option(label="Clear")
    page.locator("#id_referrer").fill("Mr Hale, Breast Clinic")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("Booked Ngozi Eze (RX300001) in Mammo Room 2")
    assert Patient.objects.get(mrn="RX300001").appointments.get().room == room2

    # She is on the day view, in room 2 at 14:15.
    page.goto(day_url)
    block = page.locator(".booking", has_text="Ngozi Eze")
    expect(block).to_contain_text("14:15–15:00")
    expect(block).to_contain_text("RX300001")
    expect(block).to_contain_text("Not confirmed")

    # An existing patient into room 1 at 11:00, which is taken: the form says why and offers times.
    page.get_by_role("link", name="Book a ductogram").first.click()
    page.locator("#id_patient_query").fill("Shah")
    page.get_by_role("button", name="Find").click()
    page.get_by_label(re.compile(r"SHAH, Priya")).check()
    page.locator("#id_room").select_option(label="Mammo Room 1")
    page.locator("#id_start_date").fill(day.isoformat())
    page.locator("#id_start_time").fill("11:00")
    page.get_by_label("Right").check()
    page.locator("#id_discharge").select_option(label="Bloody")  # never pre-selected: chosen each time
    page.locator("#id_notes").fill("Anxious; prefers her daughter present")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator(".conflict-sentence")).to_have_text("Mammo Room 1 is booked 11:00-11:45 for another patient.")
    expect(page.locator("#id_notes")).to_have_value("Anxious; prefers her daughter present")
    offered = page.locator("button.offered-slot")
    expect(offered.first).to_contain_text("11:45")
    offered.first.click()
    expect(page.locator(".alert-success")).to_contain_text("Booked Priya Shah (RX100002) in Mammo Room 1")
    expect(page.locator(".alert-success")).to_contain_text("11:45-12:30")
    priya = Appointment.objects.get(patient__mrn="RX100002")
    assert priya.notes == "Anxious; prefers her daughter present"

    # Reschedule her to 15:30.
    page.get_by_role("link", name="Reschedule").click()
    page.locator("#id_start_time").fill("15:30")
    page.get_by_label("Reason for moving").fill("The patient asked for later")
    page.get_by_role("button", name="Move the appointment").click()
    expect(page.locator(".alert-success")).to_contain_text("Moved Priya Shah from")
    expect(page.locator(".alert-success")).to_contain_text("15:30-16:15 in Mammo Room 1")
    priya.refresh_from_db()
    assert timezone.localtime(priya.scheduled_start).strftime("%H:%M") == "15:30"

    # Cancel, with a reason.
    page.get_by_role("link", name="Cancel").click()
    page.get_by_label("Unwell or infection").check()
    page.get_by_label("Reason for cancelling, in your words").fill("Patient unwell, will phone to rebook")
    page.get_by_role("button", name="Cancel the appointment").click()
    expect(page.locator(".alert-success")).to_contain_text("Cancelled Priya Shah's")
    expect(page.locator("#appointment-status")).to_contain_text("Cancelled")
    priya.refresh_from_db()
    assert priya.status == Appointment.Status.CANCELLED

    # The day view, as the README shows it.
    page.goto(day_url)
    expect(page.locator(".booking")).to_have_count(5)
    target = DOCS_SCREENSHOT if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path / "day-view.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
