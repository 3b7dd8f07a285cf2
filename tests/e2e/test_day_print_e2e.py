"""The printed day list in a real browser, as printed: on A4 landscape (the print stylesheet's @page), a busy day of
long names, both phone numbers, every safety flag and long notes stays within the page's width, and the PDF
Chromium makes of it has landscape A4 pages.

Headless Chromium through Playwright, against pytest-django's live server; skipped, saying why, where either is
missing. The clock is the real one, so the day is the next weekday but one.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from procedures.patient_page import services as patient_services
from tests.clinic import at
from tests.e2e.conftest import PASSWORD, sync_api
from tests.factories import AppointmentFactory, PatientFactory, RadiologistFactory, RoomFactory, SchedulerFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# A4 landscape less the print stylesheet's 12 mm margins, in CSS pixels (96 to the inch).
PRINTABLE_WIDTH = round((297 - 2 * 12) / 25.4 * 96)
EVERY_FLAG = {
    "discharge_present": "no",
    "pregnant": "unsure",
    "contrast_allergy": "yes",
    "infection": "yes",
    "blood_thinners": "yes",
}


@pytest.fixture
def site(live_server, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return live_server


def _a_busy_day():
    day = timezone.localdate() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    for n, room in enumerate((RoomFactory(name="Mammo Room 1"), RoomFactory(name="Mammo Room 2 (Rose Wing)"))):
        radiologist = RadiologistFactory(first_name="Oluwaseun-Adebayo", last_name=f"Featherstonehaugh{n}")
        for slot in range(10):
            patient = PatientFactory(
                given_name="Maria-Magdalena Alexandrina",
                family_name=f"Cholmondeley-Featherstonehaugh{slot}",
                mobile=f"+4479110{slot:05d}",
                phone=f"+44207946{slot:04d}",
                needs_interpreter=slot % 2 == 0,
                language="pl",
            )
            appointment = AppointmentFactory(
                room=room,
                radiologist=radiologist,
                patient=patient,
                scheduled_start=at(day, "08:00") + timedelta(minutes=60 * slot),
                expected_duration=60,
                duration_reason="Long: a previous attempt failed and the duct is hard to cannulate",
                notes="Needs a chaperone and a wheelchair from the main entrance; bring the previous films " * 2,
            )
            patient_services.answer_safety_questions(appointment, **EVERY_FLAG)
    return day


def test_the_busy_printed_list_fits_a4_landscape(site, browser, tmp_path):
    day = _a_busy_day()
    SchedulerFactory(username="desk")
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{site.url}/accounts/login/?next=/schedule/print/?date={day.isoformat()}")
        page.get_by_label("Username").fill("desk")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        sync_api.expect(page.locator("table.print-table")).to_have_count(2)
        sync_api.expect(page.locator(".print-safety").first).to_contain_text("Pregnancy: not sure")

        page.emulate_media(media="print")
        page.set_viewport_size({"width": PRINTABLE_WIDTH, "height": 900})
        widest = page.evaluate(
            "Math.max(document.documentElement.scrollWidth,"
            " ...[...document.querySelectorAll('table.print-table')].map(t => t.getBoundingClientRect().right))"
        )
        pdf = page.pdf(prefer_css_page_size=True)
        (tmp_path / "day-list.pdf").write_bytes(pdf)  # to look at, when this fails
        assert widest <= PRINTABLE_WIDTH, f"the list is {widest}px wide; A4 landscape prints {PRINTABLE_WIDTH}px"

        boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
        sizes = {tuple(round(float(n)) for n in box) for box in boxes}
        assert sizes == {(842, 595)}, sizes  # A4 landscape in points, every page
    finally:
        context.close()
