"""A radiologist's afternoon in a real browser: she signs in and lands on her worklist, logs a result right after the
procedure (Log result, the start she types, a finding, "Save: finished now") and is back on the worklist, with the
appointment completed and the end she gave.

Headless Chromium (the Debian `chromium` package) through Playwright, against pytest-django's live server. Skipped,
saying why, where either is missing; `.ci/run` installs both. The clock is the real one, so the appointments are
placed around it. With UPDATE_SCREENSHOTS=1 it also saves the worklist to docs/worklist.png for the README.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from procedures import services
from procedures.models import Appointment, ProcedureResult, SafetyAnswers
from tests.e2e.conftest import PASSWORD, sync_api
from tests.factories import AppointmentFactory, PatientFactory, RadiologistFactory, RoomFactory

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "worklist.png"

# serialized_rollback: the flush after a transactional test must not take the migrations' rows (groups, DUCTOGRAM).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _on_the_quarter(moment):
    moment = timezone.localtime(moment)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def test_a_radiologist_lands_on_the_worklist_and_logs_a_result_in_three_clicks(live_server, browser, tmp_path):
    expect = sync_api.expect
    now = _on_the_quarter(timezone.now())
    room1, room2 = RoomFactory(name="Mammo Room 1"), RoomFactory(name="Mammo Room 2")
    okafor = RadiologistFactory(username="okafor", first_name="Adaeze", last_name="Okafor")
    lindqvist = RadiologistFactory(first_name="Maria", last_name="Lindqvist")
    # Her list: one she did this morning that the desk recorded as attended afterwards (no arrival time), one to
    # come; a colleague's; one from last week.
    done_this_morning = AppointmentFactory(
        patient=PatientFactory(given_name="Amelia", family_name="Hughes", mrn="RX100001"),
        room=room1,
        radiologist=okafor,
        scheduled_start=now - timedelta(hours=2),
        expected_duration=45,
        status=Appointment.Status.CONFIRMED,
    )
    services.record_attended(done_this_morning)
    coming = AppointmentFactory(
        patient=PatientFactory(given_name="Fatima", family_name="Begum", mrn="RX100004"),
        room=room1,
        radiologist=okafor,
        scheduled_start=now + timedelta(hours=1),
        laterality=Appointment.Laterality.RIGHT,
        discharge=Appointment.Discharge.SEROUS,
    )
    SafetyAnswers.objects.create(
        appointment=coming,
        discharge_present="yes",
        pregnant="no",
        contrast_allergy="yes",
        infection="no",
        blood_thinners="yes",
    )
    AppointmentFactory(
        patient=PatientFactory(given_name="Grace", family_name="O'Neill", mrn="RX100003"),
        room=room2,
        radiologist=lindqvist,
        scheduled_start=now + timedelta(minutes=30),
        status=Appointment.Status.CHECKED_IN,
    )
    AppointmentFactory(
        patient=PatientFactory(given_name="Helen", family_name="Baker", mrn="RX100006"),
        room=room2,
        radiologist=lindqvist,
        scheduled_start=now - timedelta(days=6),
        status=Appointment.Status.CHECKED_IN,
    )

    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        # She signs in from the site's front door and lands on her worklist.
        page.goto(f"{live_server.url}/")
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
        page.get_by_label("Username").fill("okafor")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{live_server.url}/worklist/")
        expect(page.get_by_role("heading", name=re.compile(r"^Worklist"))).to_be_visible()
        expect(page.locator("#pending-list .worklist-row")).to_have_count(2)
        expect(page.locator("#pending-list .worklist-row").first).to_contain_text("Helen Baker")  # oldest first
        if timezone.localdate(coming.scheduled_start) == timezone.localdate():  # not when run just before midnight
            expect(page.locator(f'#today-list [data-appointment="{coming.pk}"]')).to_contain_text("Contrast allergy")
        target = DOCS_SCREENSHOT if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path / "worklist.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000

        # One: "Log result" on this morning's patient. The form has her and the radiologist; no time is assumed.
        row = page.locator(f'#pending-list [data-appointment="{done_this_morning.pk}"]')
        row.get_by_role("link", name="Log result").click()
        expect(page.locator("#result-context")).to_contain_text("Amelia Hughes")
        expect(page.locator("#context-duration")).to_contain_text("45 min")
        expect(page.locator("#id_performed_by")).to_have_value(str(okafor.pk))
        expect(page.locator("#id_started_at_1")).to_have_value("")
        expect(page.locator("#id_ended_at_1")).to_have_value("")
        # Two: when she started, 40 minutes ago. Three: what she found. Four: "Save: finished now".
        began = timezone.localtime() - timedelta(minutes=40)
        page.locator("#id_started_at_0").fill(f"{began:%Y-%m-%d}")
        page.locator("#id_started_at_1").fill(f"{began:%H:%M}")
        page.locator('input[name="findings"][value="normal"]').check()
        before_finishing = timezone.now().replace(second=0, microsecond=0)
        page.locator("#finished-now").click()

        expect(page).to_have_url(f"{live_server.url}/worklist/")
        after_finishing = timezone.now()
        expect(page.locator(".alert-success").first).to_contain_text("Result logged for Amelia Hughes")
        expect(page.locator("#pending-list .worklist-row")).to_have_count(1)
        result = ProcedureResult.objects.get(appointment=done_this_morning)
        assert result.logged_by == okafor and result.performed_by == okafor
        assert result.findings == ["normal"] and result.times_given
        # The start as typed (to the minute); the end when "finished now" was clicked, however slow the machine.
        assert result.started_at == began.replace(second=0, microsecond=0)
        assert before_finishing <= result.ended_at <= after_finishing
        done_this_morning.refresh_from_db()
        assert done_this_morning.status == Appointment.Status.COMPLETED

        # The appointment's page says so, with the result.
        page.goto(f"{live_server.url}/appointments/{done_this_morning.pk}/")
        expect(page.locator("#appointment-status")).to_contain_text("Completed")
        expect(page.locator("#result")).to_contain_text("Normal")
        expect(page.locator("#result-cannulated")).to_be_visible()
    finally:
        context.close()
