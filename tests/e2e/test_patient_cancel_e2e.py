"""A patient on her phone cancels her appointment herself (PATIENT_SELF_RESCHEDULE "direct", the default): on her
page, at a phone's width with JavaScript off, she picks a reason, writes a note, ticks the box that says she means it
and is told it is cancelled; the appointment is cancelled with her reason, the cancellation notice is made and
staff see her request already done. Without the tick her page comes back at the form, saying so, with what she chose
and wrote still there, and nothing is cancelled. Headless Chromium through Playwright against the live server, as
tests/e2e/test_patient_choose_time_e2e.py; the same stories without a browser are
tests/procedures/test_patient_cancels_herself.py."""

from datetime import time

import pytest
from django.utils import timezone

from procedures.links import patient_token
from procedures.models import Appointment, PatientRequest
from procedures.patient_page.services import CANCELLED_BY_PATIENT
from procedures.services import book_appointment
from reminders.models import Reminder
from reminders.stages import Stage
from tests.e2e.conftest import sync_api
from tests.factories import PatientFactory, ProcedureTypeFactory, RoomFactory, next_clinic_day

PHONE = {"width": 390, "height": 844}
REASON = "The discharge has stopped"
NOTE = "It stopped last week"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SMS_BACKEND = "reminders.providers.sms.LocMemSMSBackend"
    return live_server


@pytest.fixture
def amelia():
    """Amelia, booked for 10:30 on a clinic day three weeks ahead."""
    return book_appointment(
        patient=PatientFactory(given_name="Amelia"),
        procedure_type=ProcedureTypeFactory(),
        room=RoomFactory(name="Mammo Room 1"),
        scheduled_start=next_clinic_day(days_ahead=20, at=time(10, 30)),
        laterality=Appointment.Laterality.LEFT,
        discharge=Appointment.Discharge.BLOODY,
    )


@pytest.fixture
def her_page(site, browser, amelia):
    """Her page on her phone, JavaScript off: the form must work by posting alone."""
    phone = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB", java_script_enabled=False
    )
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{site.url}/p/{patient_token(amelia)}/")
    yield page
    phone.close()


def fill_in_the_cancel_form(page) -> None:
    """Her reason and her note, on the form under "Cancel my appointment"; what she taps is within the phone's
    width and as tall as the page's tap targets (48px), and she types in her own type size, not the browser's small
    default (which a phone zooms into)."""
    cancel = page.locator("#cancel")
    sync_api.expect(cancel.get_by_role("heading", name="Cancel my appointment")).to_be_visible()
    reason = cancel.get_by_role("group", name="Why are you cancelling?").get_by_label(REASON, exact=True)
    note = cancel.get_by_label("Message to the clinic (optional)")  # its own, not the request form's beside it
    tapped = (
        reason.locator("xpath=ancestor::label"),  # the whole label takes the tap
        note,
        tick_box(page).locator("xpath=ancestor::label"),
        submit_button(page),
    )
    for target in tapped:
        box = target.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] >= 48
    assert note.bounding_box()["width"] >= PHONE["width"] * 0.8  # room for her words
    assert note.evaluate("box => parseFloat(getComputedStyle(box).fontSize)") >= 16
    reason.check()
    note.fill(NOTE)


def tick_box(page):
    return page.locator("#cancel").get_by_label("Yes, cancel my appointment")


def submit_button(page):
    return page.locator("#cancel").get_by_role("button", name="Cancel my appointment")


def test_on_her_phone_she_cancels_with_a_reason_and_the_clinic_has_it(her_page, amelia):
    expect = sync_api.expect
    page = her_page
    fill_in_the_cancel_form(page)
    tick_box(page).check()
    submit_button(page).tap()

    expect(page.get_by_role("heading", level=1)).to_have_text("Appointment cancelled")
    day = timezone.localtime(amelia.scheduled_start)
    said = f"Your appointment on {day:%A} {day.day} {day:%B} at 10:30 is cancelled."
    expect(page.locator("#cancelled")).to_contain_text(said)

    cancelled = Appointment.objects.get(pk=amelia.pk)
    assert cancelled.status == Appointment.Status.CANCELLED
    assert cancelled.cancel_reason_code == Appointment.CancelReason.NO_DISCHARGE
    on_file = Appointment.CancelReason.NO_DISCHARGE.label  # the clinic's words for the reason she chose
    assert cancelled.cancellation_reason == f"{CANCELLED_BY_PATIENT} ({on_file}): {NOTE}"
    assert Reminder.objects.filter(appointment=amelia, stage=Stage.CANCELLATION).exists()
    told = PatientRequest.objects.get(appointment=amelia)
    assert (told.kind, told.status, told.message) == (PatientRequest.Kind.CANCEL, PatientRequest.Status.DONE, NOTE)
    assert told.handled_note == f"{CANCELLED_BY_PATIENT}: {on_file}."


def test_without_the_tick_her_page_comes_back_at_the_form_saying_so_and_nothing_is_lost(her_page, amelia):
    expect = sync_api.expect
    page = her_page
    fill_in_the_cancel_form(page)
    submit_button(page).tap()

    cancel = page.locator("#cancel")
    said = cancel.get_by_role("alert")
    expect(said).to_have_text("Please check the form below: nothing has been cancelled.")
    expect(said).to_be_in_viewport()  # where she is on the page, not at its top
    tick = tick_box(page)
    expect(tick).not_to_be_checked()
    beside = tick.locator("xpath=ancestor::div[contains(@class, 'has-error')]")  # the box's own words, next to it
    expect(beside.locator(".error-text")).to_have_text("Please tick the box to say you want to cancel.")
    expect(cancel.get_by_label(REASON, exact=True)).to_be_checked()
    expect(cancel.get_by_label("Message to the clinic (optional)")).to_have_value(NOTE)
    expect(page.locator("#appointment-time")).to_have_text("10:30")

    assert Appointment.objects.get(pk=amelia.pk).status == Appointment.Status.BOOKED
    assert not Reminder.objects.filter(appointment=amelia, stage=Stage.CANCELLATION).exists()
    assert not PatientRequest.objects.filter(appointment=amelia).exists()
