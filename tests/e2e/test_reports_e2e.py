"""The reports page in a real browser: a radiologist opens it, every chart image loads (an SVG drawn on the server,
naturalWidth > 0) under the Content-Security-Policy without a refusal, with its table and CSV link; a scheduler's
page has no result charts. With UPDATE_SCREENSHOTS=1 it saves the page to docs/reports.png for the README.

Headless Chromium through Playwright, against pytest-django's live server; skipped, saying why, where either is
missing. The clock is the real one, so the appointments are placed in the weeks before it.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from procedures.models import Appointment, ProcedureResult
from procedures.reports.catalogue import CHARTS
from tests.e2e.conftest import PASSWORD, sync_api
from tests.factories import (
    AppointmentFactory,
    ProcedureResultFactory,
    RadiologistFactory,
    RoomFactory,
    SchedulerFactory,
)

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "reports.png"
REFUSALS = re.compile(r"Content Security Policy|Refused to", re.IGNORECASE)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def site(live_server, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return live_server


def _clinic_days(count: int):
    day, days = timezone.localdate() - timedelta(days=1), []
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days


def _a_month_of_ductograms(radiologist) -> None:
    rooms = [RoomFactory(name="Mammo Room 1"), RoomFactory(name="Mammo Room 2")]
    tz = timezone.get_current_timezone()
    S, Outcome = Appointment.Status, ProcedureResult.Outcome
    for n, day in enumerate(_clinic_days(20)):
        for slot in range(3):
            start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()), tz)
            start += timedelta(hours=9 + slot * 2)
            status = [S.COMPLETED, S.COMPLETED, S.NO_SHOW, S.CANCELLED][(n + slot) % 4]
            appointment = AppointmentFactory(
                room=rooms[slot % 2],
                radiologist=radiologist,
                scheduled_start=start,
                expected_duration=45,
                status=status,
                status_changed_at=start - timedelta(hours=[10, 30, 100][slot]),
                cancellation_reason="Unwell" if status == S.CANCELLED else "",
                cancel_reason_code="unwell" if status == S.CANCELLED else "",
            )
            if status == S.COMPLETED:
                started = start + timedelta(minutes=5)
                ProcedureResultFactory(
                    appointment=appointment,
                    outcome=Outcome.PERFORMED if slot < 2 else Outcome.NO_DISCHARGE,
                    started_at=started,
                    ended_at=started + timedelta(minutes=35 + 7 * ((n + slot) % 4)),
                    birads=["1", "2", "3", "4A"][n % 4],
                )


def _sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/?next=/reports/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _images_loaded(page) -> list[int]:
    widths = []
    for image in page.locator("img.report-chart").all():
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=image.element_handle())
        widths.append(image.evaluate("img => img.naturalWidth"))
    return widths


def test_a_radiologist_sees_every_chart_load_under_the_policy(site, browser, tmp_path):
    expect = sync_api.expect
    okafor = RadiologistFactory(username="okafor", first_name="Adaeze", last_name="Okafor")
    _a_month_of_ductograms(okafor)
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
    try:
        _sign_in(page, site.url, "okafor")
        first = _clinic_days(20)[-1]
        page.goto(f"{site.url}/reports/?period=custom&from={first.isoformat()}&to={timezone.localdate().isoformat()}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Reports")
        expect(page.locator("img.report-chart")).to_have_count(len(CHARTS))
        widths = _images_loaded(page)
        assert all(width > 0 for width in widths), widths
        expect(page.locator("#table-durations caption")).to_contain_text("Expected against actual duration")
        expect(page.locator("#table-results")).to_contain_text("BI-RADS")
        expect(page.locator("a.report-csv")).to_have_count(len(CHARTS))
        assert not [p for p in problems if REFUSALS.search(p)], problems
        page.evaluate("window.scrollTo(0, 0)")
        target = DOCS_SCREENSHOT if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path / "reports.png"
        page.set_viewport_size({"width": 1360, "height": 1500})
        page.screenshot(path=str(target))
    finally:
        context.close()


def test_a_scheduler_gets_the_charts_without_result_data(site, browser):
    expect = sync_api.expect
    _a_month_of_ductograms(RadiologistFactory())
    SchedulerFactory(username="patel")
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        _sign_in(page, site.url, "patel")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Reports")
        shown = len([c for c in CHARTS if not c.results_only])
        expect(page.locator("img.report-chart")).to_have_count(shown)
        assert all(width > 0 for width in _images_loaded(page))
        expect(page.locator("#table-durations")).to_have_count(0)
        expect(page.locator("main")).not_to_contain_text("BI-RADS")
    finally:
        context.close()
