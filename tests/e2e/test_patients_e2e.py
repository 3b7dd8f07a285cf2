"""A scheduler finds a patient in a real browser: by her name typed in odd case, then by her date of birth; opens
her page and reads her history (appointments, messages, safety answers, requests, calls); is shown no results,
and the admin's result page refuses her (403).

Headless Chromium (the Debian `chromium` package) through Playwright, against pytest-django's live server. Skipped,
saying why, where either is missing; `.ci/run` installs both. With UPDATE_SCREENSHOTS=1 it also saves the patient's
page to docs/patient-history.png for the README.
"""

import os
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from procedures.models import Appointment, PatientCall, PatientRequest, SafetyAnswers
from procedures.services import book_appointment, cancel_appointment
from tests.e2e.conftest import PASSWORD, sync_api
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    ProcedureResultFactory,
    ProcedureTypeFactory,
    RadiologistFactory,
    RoomFactory,
    SchedulerFactory,
    next_clinic_day,
)

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "patient-history.png"

# serialized_rollback: the flush after a transactional test must not take the migrations' rows (groups, DUCTOGRAM).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def site(live_server, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SMS_BACKEND = "reminders.providers.sms.LocMemSMSBackend"
    return live_server


def test_a_scheduler_finds_a_patient_reads_her_history_and_is_refused_her_results(site, browser, tmp_path):
    expect = sync_api.expect
    ductogram, room = ProcedureTypeFactory(), RoomFactory(name="Mammo Room 1")
    okafor = RadiologistFactory(first_name="Adaeze", last_name="Okafor")
    SchedulerFactory(username="sam", first_name="Sam", last_name="Patel")
    ama = PatientFactory(
        given_name="Ama",
        family_name="Osei",
        mrn="RX510001",
        date_of_birth=date(1984, 3, 7),
        email="ama.osei@patients.example",
        mobile="+447911000123",
    )
    PatientFactory(given_name="Amara", family_name="Osei-Bonsu", mrn="RX510002", date_of_birth=date(1990, 1, 2))
    PatientFactory(given_name="Kwame", family_name="Osei", mrn="RX510003", date_of_birth=date(1984, 3, 7))
    # Her history: a ductogram done in the spring with a result, one cancelled, one coming with her answers.
    past = next_clinic_day(days_ahead=7, at=time(9, 0)) - timedelta(days=63)
    done = AppointmentFactory(patient=ama, room=room, radiologist=okafor, scheduled_start=past, status="completed")
    result = ProcedureResultFactory(appointment=done, performed_by=okafor)
    details = {"procedure_type": ductogram, "room": room, "laterality": "left", "discharge": "bloody"}
    dropped = book_appointment(patient=ama, scheduled_start=next_clinic_day(days_ahead=3, at=time(11, 0)), **details)
    cancel_appointment(dropped, reason="Had a cold, will rebook", reason_code="unwell")
    coming = book_appointment(patient=ama, scheduled_start=next_clinic_day(days_ahead=9, at=time(10, 30)), **details)
    SafetyAnswers.objects.create(
        appointment=coming,
        discharge_present="yes",
        pregnant="no",
        contrast_allergy="no",
        infection="no",
        blood_thinners="yes",
        note="Aspirin 75 mg every morning.",
    )
    PatientRequest.objects.create(appointment=coming, kind="reschedule", message="An afternoon would be easier.")
    PatientCall.objects.create(appointment=coming, note="Offered Thursday 14:00; she will think about it")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{site.url}/patients/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # By name, in odd case and with stray spaces: Ama first (in name order), then Amara Osei-Bonsu, never Kwame.
    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_label("Name, MRN, NHS number, date of birth or phone").fill("  aMa   oSEI ")
    page.get_by_role("button", name="Find").click()
    rows = page.locator("#patient-results tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#patient-results")).not_to_contain_text("Kwame")
    expect(rows.first).to_contain_text("OSEI, Ama")
    expect(rows.first).to_contain_text("RX510001")
    expect(rows.first).to_contain_text("10:30")  # her next appointment
    expect(rows.first).to_contain_text("Mammo Room 1")

    # By date of birth, written the British way: two patients born that day.
    page.get_by_label("Name, MRN, NHS number, date of birth or phone").fill("07/03/1984")
    page.get_by_role("button", name="Find").click()
    expect(rows).to_have_count(2)
    expect(page.locator("#patient-count")).to_contain_text("2 patients match")

    # Her page: every appointment, the messages sent, her answers, her request, the call.
    page.get_by_role("link", name="OSEI, Ama").click()
    expect(page.locator("#patient-name")).to_contain_text("Ama Osei")
    expect(page.locator(".patient-appointment")).to_have_count(3)
    expect(page.locator("#appointments")).to_contain_text("Completed")
    expect(page.locator("#appointments")).to_contain_text("Unwell or infection: Had a cold, will rebook")
    expect(page.locator("#messages-sent")).to_contain_text("Booking confirmation")
    expect(page.locator("#messages-sent")).to_contain_text("Cancellation")
    expect(page.locator("#safety-answers")).to_contain_text("Aspirin 75 mg every morning.")
    expect(page.locator("#patient-requests")).to_contain_text("An afternoon would be easier.")
    expect(page.locator("#patient-calls")).to_contain_text("Offered Thursday 14:00")
    # A scheduler is never shown results: no section, no BI-RADS, no findings.
    expect(page.locator("#results")).to_have_count(0)
    assert "BI-RADS" not in page.content() and "Filling defect" not in page.content()
    shot = DOCS_SCREENSHOT if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path / "patient-history.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    # From her page to an appointment and back by her name.
    page.locator(f'.patient-appointment a[href="{reverse("procedures:appointment", args=[coming.pk])}"]').click()
    expect(page.locator("#appointment-status")).to_contain_text("Booked")
    page.locator("#patient-link").click()
    expect(page.locator("#patient-name")).to_contain_text("Ama Osei")

    # The admin's result page refuses her outright.
    refused = page.goto(f"{site.url}{reverse('admin:procedures_procedureresult_change', args=[result.pk])}")
    assert refused.status == 403
    assert Appointment.objects.filter(patient=ama).count() == 3
    context.close()
