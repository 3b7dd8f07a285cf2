"""The booking form's free times in a real browser: with script they follow the date as it is typed, without
script the "Show free times" button lists them; either way a time's button books it. No inline script is needed
(the CSP forbids it)."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from procedures.models import Appointment
from tests.clinic import at
from tests.e2e.conftest import PASSWORD, sync_api
from tests.factories import AppointmentFactory, PatientFactory, RoomFactory, SchedulerFactory

# serialized_rollback: the flush after a transactional test must not take the migrations' rows (groups, DUCTOGRAM).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def clinic_day(days_ahead: int = 7) -> date:
    day = timezone.localdate() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize("script", [True, False], ids=["with-script", "without-script"])
def test_a_scheduler_sees_the_free_times_for_the_date_and_books_one(live_server, browser, script):
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB", java_script_enabled=script)
    page, expect = context.new_page(), sync_api.expect
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    day = clinic_day()
    room = RoomFactory(name="Mammo Room 1")
    AppointmentFactory(room=room, scheduled_start=at(day, "08:00"), expected_duration=120, duration_reason="long")
    PatientFactory(given_name="Priya", family_name="Shah", mrn="RX100002")
    SchedulerFactory(username="sam", first_name="Sam", last_name="Patel")
    try:
        page.goto(f"{live_server.url}/appointments/new/")
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
        page.get_by_label("Username").fill("sam")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Book a ductogram")).to_be_visible()
        expect(page.locator(".free-time")).to_have_count(0)

        page.locator("#id_start_date").fill(day.isoformat())
        if script:
            page.locator("#id_start_date").dispatch_event("change")
        else:
            page.get_by_role("button", name="Show free times").click()
        first = page.locator(".free-time").first
        expect(first).to_have_text(f"{day:%a} {day.day} {day:%b} 10:00")  # room 1 is busy until 10:00
        expect(page.locator(".free-time")).to_have_count(6)

        page.locator("#id_patient_query").fill("Shah")
        page.get_by_role("button", name="Find").click()
        page.get_by_label(re.compile("SHAH, Priya")).check()
        page.get_by_label("Left").check()
        page.locator("#id_discharge").select_option(label="Clear")
        page.locator(".free-time").first.click()
        expect(page).to_have_url(re.compile(r"/appointments/\d+/$"))
        booked = Appointment.objects.get(patient__mrn="RX100002")
        assert booked.scheduled_start == at(day, "10:00") and booked.room == room
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        context.close()
