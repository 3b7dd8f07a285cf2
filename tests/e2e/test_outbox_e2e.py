"""The development outbox in a real browser: a booking's confirmation email, sent as the worker sends it, reads on
/dev/outbox/ as the patient's mail program shows it, in its sandboxed frame; the text beside it.

Headless Chromium through Playwright against pytest-django's live server, DEBUG on as in `make run`. With
UPDATE_SCREENSHOTS=1 it saves docs/outbox.png and docs/outbox-email.png for the README.
"""

import os
from pathlib import Path

import pytest

from procedures import services
from reminders import services as reminders
from reminders.models import Reminder
from reminders.stages import Stage
from tests.e2e.conftest import PASSWORD, sync_api
from tests.e2e.layout import phone_misfits
from tests.factories import PatientFactory, ProcedureTypeFactory, RoomFactory, SchedulerFactory, next_clinic_day

DOCS = Path(__file__).resolve().parents[2] / "docs"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_confirmation_reads_in_the_outbox_as_the_patient_sees_it(live_server, browser, tmp_path, settings):
    settings.DEBUG = True
    settings.SMS_BACKEND = "reminders.providers.sms.FileSMSBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    settings.SMS_QUIET_HOURS = ""
    SchedulerFactory(username="sam", first_name="Sam", last_name="Patel")
    patient = PatientFactory(given_name="Amelia", family_name="Hughes", channels=["email", "sms"])
    appointment = services.book_appointment(
        patient=patient,
        procedure_type=ProcedureTypeFactory(),
        room=RoomFactory(name="Mammo Room 1"),
        scheduled_start=next_clinic_day(days_ahead=10),
        laterality="left",
        discharge="bloody",
    )
    confirmations = appointment.reminders.filter(stage=Stage.BOOKING_CONFIRMATION)
    for row in confirmations:
        reminders.send_reminder(row.pk)  # as the worker does
    assert set(confirmations.values_list("status", flat=True)) == {Reminder.Status.SENT}
    email = confirmations.get(channel="email")

    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Outbox").click()

    expect = sync_api.expect
    expect(page.locator("#outbox tbody tr")).to_have_count(2)
    expect(page.locator("#outbox")).to_contain_text("Amelia Hughes")
    _screenshot(page, "outbox.png", tmp_path)

    page.get_by_role("link", name=email.subject).click()
    frame = page.frame_locator("#email-html")
    expect(frame.locator("body")).to_contain_text("Amelia")
    _screenshot(page, "outbox-email.png", tmp_path)
    # On a phone, the email and the list fit the screen's width like every other staff page.
    page.set_viewport_size({"width": 390, "height": 664})
    assert phone_misfits("an email in the outbox", page) == []
    page.go_back()
    assert phone_misfits("the outbox", page) == []
    context.close()


def _screenshot(page, name: str, tmp_path: Path) -> None:
    target = DOCS / name if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path / name
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
