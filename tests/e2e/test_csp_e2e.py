"""The Content-Security-Policy as a real browser enforces it: every kind of page, staff, admin and patient, loads
without the browser refusing a script or style, and the day grid still places its bookings (its positions come from
data attributes through js/grid.js, not inline styles).

Headless Chromium through Playwright, against pytest-django's live server; skipped, saying why, where either is
missing.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from procedures.links import patient_token
from procedures.models import Appointment, ProcedureResult
from tests.clinic import at
from tests.e2e.conftest import PASSWORD, sync_api
from tests.factories import AppointmentFactory, PatientFactory, ProcedureResultFactory, RadiologistFactory, RoomFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REFUSALS = re.compile(r"Content Security Policy|Permissions-Policy|Refused to", re.IGNORECASE)


@pytest.fixture
def site(live_server, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return live_server


@pytest.fixture
def watched_page(browser):
    """A page whose console errors, warnings and script errors are collected in `page.problems`."""
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.problems = []
    page.on("console", lambda m: m.type in ("error", "warning") and page.problems.append(f"{page.url}: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"{page.url}: {e}"))
    yield page
    context.close()


def visit(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")


def refusals(page) -> list[str]:
    return [problem for problem in page.problems if REFUSALS.search(problem)]


def test_staff_admin_and_patient_pages_run_under_the_policy_without_a_refusal(site, watched_page):
    page, expect = watched_page, sync_api.expect
    day = timezone.localdate() + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    room = RoomFactory(name="Mammo Room 1")
    okafor = RadiologistFactory(first_name="Adaeze", last_name="Okafor")
    booked = AppointmentFactory(room=room, radiologist=okafor, scheduled_start=at(day, "09:30"), expected_duration=45)
    done = ProcedureResultFactory(appointment__scheduled_start=at(day, "08:00") - timedelta(days=14))
    User.objects.create_superuser("boss", "boss@clinic.example", PASSWORD, first_name="Bo", last_name="Ss")

    visit(page, f"{site.url}/accounts/login/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signed-in-as")).to_have_text("Bo Ss")

    # The day grid: the 09:30 booking sits in room 1's column, 18 five-minute rows below the 08:00 start.
    visit(page, f"{site.url}/schedule/?date={day.isoformat()}")
    block = page.locator(".booking")
    expect(block).to_have_count(1)
    placed = block.evaluate("b => [getComputedStyle(b).gridColumnStart, getComputedStyle(b).gridRowStart]")
    assert placed == [block.get_attribute("data-grid-col"), block.get_attribute("data-grid-row")]
    assert block.get_attribute("data-grid-span") == "9"  # 45 minutes
    label = page.locator(".time-label", has_text="09:30").bounding_box()  # a label spans 15 minutes
    box = block.bounding_box()
    assert abs(box["y"] - label["y"]) < 3
    assert abs(box["height"] - 3 * label["height"]) < 4

    pages = [
        f"/schedule/week/?date={day.isoformat()}",
        f"/schedule/print/?date={day.isoformat()}",
        reverse("procedures:book"),
        reverse("procedures:appointment", args=[booked.pk]),
        reverse("procedures:requests"),
        reverse("procedures:calls"),
        reverse("admin:index"),
        reverse("admin:procedures_appointment_changelist"),
        reverse("admin:procedures_appointment_change", args=[done.appointment.pk]),
        reverse("admin:procedures_procedureresult_add"),
        reverse("admin:procedures_patient_add"),
        reverse("admin:reminders_reminder_changelist"),
        f"/p/{patient_token(booked)}/",
        "/no/such/page/",
    ]
    for url in pages:
        visit(page, f"{site.url}{url}")
    # The admin's scripts at work: the date shortcuts and the appointment search open and fill.
    visit(page, f"{site.url}{reverse('admin:procedures_procedureresult_add')}")
    page.locator("#id_started_at_0").locator("xpath=..").get_by_role("link", name="Today").click()
    assert page.locator("#id_started_at_0").input_value() == timezone.localdate().strftime("%d/%m/%Y")
    page.locator(".select2-selection").first.click()
    expect(page.locator(".select2-results__option").first).to_be_visible()

    # The printable list's Print button is wired by js/print.js.
    visit(page, f"{site.url}/schedule/print/?date={day.isoformat()}")
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.printed") is True

    assert refusals(page) == []
    assert ProcedureResult.objects.count() == 1 and Appointment.objects.count() == 2


def test_an_expired_form_on_the_patient_page_shows_the_friendly_page_under_the_policy(site, watched_page):
    page, expect = watched_page, sync_api.expect
    booked = AppointmentFactory(patient=PatientFactory(given_name="Amelia"))
    visit(page, f"{site.url}/p/{patient_token(booked)}/")
    page.context.clear_cookies()  # the CSRF cookie expired while the page sat open

    page.get_by_role("button", name="Yes, I will be there").click()

    expect(page.get_by_role("heading", name="Please try again")).to_be_visible()
    expect(page.get_by_role("link", name="Back to your appointment page")).to_be_visible()
    assert refusals(page) == []
