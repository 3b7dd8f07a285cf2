"""A patient on her phone chooses another time (issue 20): her page, at a phone's width with JavaScript off, shows
free times grouped by day; she taps one, the page confirms it, and the appointment has moved, with the move notice
queued. Headless Chromium through Playwright against the live server, as tests/e2e/test_patient_e2e.py."""

import re
from datetime import time

import pytest

from procedures.links import patient_token
from procedures.models import Appointment
from procedures.services import book_appointment
from reminders.models import Reminder
from reminders.stages import Stage
from tests.e2e.conftest import sync_api
from tests.factories import PatientFactory, ProcedureTypeFactory, RoomFactory, next_clinic_day

PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SMS_BACKEND = "reminders.providers.sms.LocMemSMSBackend"
    return live_server


def test_on_her_phone_a_patient_sees_free_times_picks_one_and_is_told_it_is_done(site, browser):
    expect = sync_api.expect
    appointment = book_appointment(
        patient=PatientFactory(given_name="Amelia"),
        procedure_type=ProcedureTypeFactory(),
        room=RoomFactory(name="Mammo Room 1"),
        scheduled_start=next_clinic_day(days_ahead=20, at=time(10, 30)),
        laterality=Appointment.Laterality.LEFT,
        discharge=Appointment.Discharge.BLOODY,
    )
    Reminder.objects.filter(appointment=appointment, stage=Stage.BOOKING_CONFIRMATION).update(
        status=Reminder.Status.SENT, sent_at=appointment.created_at
    )
    phone = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB", java_script_enabled=False
    )
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{site.url}/p/{patient_token(appointment)}/")

    choose = page.locator("#choose")
    expect(choose.get_by_role("heading", name="Choose another time")).to_be_visible()
    days = choose.locator("fieldset")
    assert days.count() >= 2  # grouped by day
    first = days.first.get_by_role("button").first
    picked = first.inner_text()
    box = first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # within the phone's width
    day = days.first.locator("legend").inner_text()
    first.tap()

    expect(page.get_by_text(re.compile(rf"Done: your appointment is now on {day} at {picked}\."))).to_be_visible()
    expect(page.locator("#appointment-time")).to_have_text(picked)
    expect(page.locator("#appointment-date")).to_have_text(day)
    moved = Appointment.objects.get(pk=appointment.pk)
    assert moved.scheduled_start != appointment.scheduled_start
    assert moved.reminders.filter(stage=Stage.RESCHEDULED, status=Reminder.Status.PENDING).exists()
    phone.close()
