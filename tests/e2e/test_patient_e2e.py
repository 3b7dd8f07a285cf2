"""A patient's phone, in a real browser: the link from the email she was sent opens her page; she answers the safety
questions, reads the preparation and confirms; then a scheduler signs in and sees the schedule and call list change.

Headless Chromium (the Debian `chromium` package) through Playwright, against pytest-django's live server, at a
phone's size (390 x 844) with JavaScript switched off for the patient: the page must work without it. Skipped,
saying why, where either is missing; `.ci/run` installs both. With UPDATE_SCREENSHOTS=1 it also saves the phone
screenshot to docs/patient-page.png for the README.
"""

import os
import re
from datetime import time
from pathlib import Path

import pytest
from django.utils import timezone

from procedures.models import Appointment, PreparationRead, SafetyAnswers
from procedures.services import book_appointment
from reminders.models import Reminder
from reminders.services import send_reminder
from reminders.stages import Stage
from tests.e2e.conftest import PASSWORD, sync_api
from tests.factories import PatientFactory, ProcedureTypeFactory, RoomFactory, SchedulerFactory, next_clinic_day

PHONE = {"width": 390, "height": 844}
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "patient-page.png"

# serialized_rollback: the flush after a transactional test must not take the migrations' rows (FAQ, rules, groups).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def site(live_server, settings, mailoutbox):
    """Links in messages point at the live server; email to the in-memory outbox; the rate limit's own cache."""
    settings.SITE_URL = live_server.url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SMS_BACKEND = "reminders.providers.sms.LocMemSMSBackend"
    return live_server


def test_from_the_emailed_link_a_patient_answers_reads_and_confirms_and_staff_see_it(
    site, browser, mailoutbox, tmp_path
):
    expect = sync_api.expect
    start = next_clinic_day(days_ahead=6, at=time(10, 30))
    patient = PatientFactory(
        given_name="Amelia", family_name="Hughes", mrn="RX424242", email="amelia.hughes@patients.example"
    )
    appointment = book_appointment(
        patient=patient,
        procedure_type=ProcedureTypeFactory(),
        room=RoomFactory(name="Mammo Room 1", location="Level 2, Rose Wing: follow the signs for Breast Imaging"),
        scheduled_start=start,
        laterality=Appointment.Laterality.LEFT,
        discharge=Appointment.Discharge.BLOODY,
    )
    SchedulerFactory(username="sam", first_name="Sam", last_name="Patel")

    # The booking confirmation goes out by email, and carries her private link.
    confirmation = Reminder.objects.get(appointment=appointment, stage=Stage.BOOKING_CONFIRMATION, channel="email")
    assert send_reminder(confirmation.pk).status == Reminder.Status.SENT
    (email,) = mailoutbox
    assert email.to == ["amelia.hughes@patients.example"]
    link = re.search(rf"{re.escape(site.url)}/p/[^/\s]+/", email.body).group(0)

    # Her phone: no JavaScript, so the page must do everything with links and forms.
    phone = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB", java_script_enabled=False
    )
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Amelia")
    local = timezone.localtime(start)
    expect(page.locator("#when")).to_contain_text(f"{local:%A} {local.day} {local:%B %Y}")
    expect(page.locator("#when")).to_contain_text("10:30")
    expect(page.locator("#when")).to_contain_text("10:15")  # arrive by
    expect(page.locator("#when")).to_contain_text("About 45 minutes")
    expect(page.locator("#when")).to_contain_text("follow the signs for Breast Imaging")
    # The clinic's number is on the first screen too, one tap to call (E.164 in the link, as written on the screen).
    expect(page.locator("#coming").locator('a[href="tel:+442079460000"]')).to_be_in_viewport()
    shot = DOCS_SCREENSHOT if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path / "patient-page.png"
    page.screenshot(path=str(shot))

    # The FAQ is grouped by topic, closed until tapped.
    answer = page.get_by_text("It can be a bit uncomfortable")
    expect(answer).to_be_hidden()
    page.locator("summary", has_text="Does it hurt?").click()
    expect(answer).to_be_visible()

    # The safety questions: her discharge has stopped, and she takes aspirin.
    def choose(question: str, answer: str) -> None:
        page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()

    choose("Is the nipple discharge still there?", "No, it has stopped")
    choose("Could you be pregnant?", "No")
    choose("Are you allergic to X-ray dye (contrast that contains iodine)?", "No")
    choose("Do you have redness, swelling or an infection in the breast now?", "No")
    choose("Do you take medicine that thins the blood?", "Yes")
    page.get_by_label("Anything else you want us to know (optional)").fill("Aspirin 75 mg every morning.")
    page.get_by_role("button", name="Send my answers").click()
    # What happens next: who calls, how soon, and what she does meanwhile.
    expect(page.locator("#safety")).to_contain_text("will call you within two working days")
    expect(page.locator("#what-next")).to_contain_text("keep your appointment")
    expect(page.locator("#safety-answered")).to_contain_text("No, it has stopped")

    page.get_by_role("button", name="I have read how to get ready").click()
    expect(page.locator("#read-notice")).to_contain_text("You told us you read this on")

    page.get_by_role("button", name="Yes, I will be there").click()
    expect(page.locator("#confirmed-notice")).to_be_visible()
    html = page.content()
    born = patient.date_of_birth
    for secret in ("RX424242", "Hughes", born.isoformat(), f"{born:%d/%m/%Y}", f"{born.day} {born:%B %Y}"):
        assert secret not in html
    phone.close()

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    answers = SafetyAnswers.objects.get(appointment=appointment)
    assert (answers.discharge_present, answers.blood_thinners, answers.needs_call) == ("no", "yes", True)
    assert PreparationRead.objects.filter(appointment=appointment).count() == 1

    # The scheduling desk: the day's schedule shows her confirmed, with the flags, and she is on the call list.
    desk = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    staff = desk.new_page()
    staff.set_default_timeout(15_000)
    staff.goto(f"{site.url}/schedule/?date={local.date().isoformat()}")
    staff.get_by_label("Username").fill("sam")
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    block = staff.locator(".booking", has_text="Amelia Hughes")
    expect(block).to_contain_text("Confirmed ✓")
    expect(block).to_contain_text("Discharge stopped")
    expect(block).to_contain_text("Blood thinners")
    expect(block).to_contain_text("Call patient")
    expect(block).to_contain_text("Read preparation ✓")
    staff.get_by_role("link", name="Call list").click()
    expect(staff.locator("#call-list")).to_contain_text("Amelia Hughes")
    staff.get_by_role("link", name="Amelia Hughes").click()
    expect(staff.locator("#safety-answers")).to_contain_text("Aspirin 75 mg every morning.")
    desk.close()
