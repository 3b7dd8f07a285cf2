"""The right-to-left patient page (Urdu) in headless Chromium at phone width (390 px): axe finds no WCAG 2.2 AA
violation in each state, and the page reads in the right order: from the right, top to bottom in the order of the
document, the answer boxes mirrored, nothing scrolling sideways. One page load per state. Skipped, saying why,
without Playwright, Chromium or axe (tests/e2e/conftest.py)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from procedures.links import patient_token
from procedures.models import Appointment
from tests.e2e.conftest import sync_api
from tests.e2e.test_accessibility import PHONE, WCAG_AA, no_sideways_scroll, signed_in, violations_report
from tests.factories import AppointmentFactory, PatientFactory, next_clinic_day

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # skipped below, saying why
    Axe = None

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def site(live_server, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SITE_URL = live_server.url
    return live_server


@pytest.fixture
def shazia(site) -> Appointment:
    """A patient who reads Urdu, booked in nine days."""
    patient = PatientFactory(given_name="Shazia", language="ur")
    return AppointmentFactory(patient=patient, scheduled_start=next_clinic_day(days_ahead=9))


def on_a_phone(browser, site):
    return signed_in(browser, site.url, None, viewport=PHONE, device_scale_factor=2, is_mobile=True)


def page_of(appointment: Appointment) -> str:
    return f"/p/{patient_token(appointment)}/"


def safety_errors(page, url, appointment):
    page.goto(url + page_of(appointment))
    page.evaluate("document.querySelectorAll('form').forEach(form => { form.noValidate = true; })")
    page.locator("#safety button[type=submit]").click()
    page.wait_for_load_state()


STATES = {
    "page": lambda page, url, a: page.goto(url + page_of(a)),
    "safety-errors": safety_errors,
    "stop": lambda page, url, a: page.goto(url + page_of(a) + "stop/"),
    "not-found": lambda page, url, a: page.goto(url + "/p/12345.not-a-real-link/"),  # her cookie: Urdu
}


@pytest.mark.parametrize("state", list(STATES))
def test_the_urdu_patient_page_passes_axe_at_phone_width(state, site, shazia, browser):
    if Axe is None:
        pytest.skip("needs the axe-playwright-python package (pip install axe-playwright-python)")
    context, page = on_a_phone(browser, site)
    context.add_cookies([{"name": "patient_language", "value": "ur", "url": site.url}])
    try:
        STATES[state](page, site.url, shazia)
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ur", "rtl"]
        results = Axe().run(
            page, options={"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
        )
        violations = results.response["violations"]
        assert not violations, violations_report(f"ur {state}", page, violations)
        no_sideways_scroll(page)
    finally:
        context.close()


def test_the_urdu_page_reads_from_the_right_in_the_documents_order_on_a_phone(site, shazia, browser):
    expect = sync_api.expect
    context, page = on_a_phone(browser, site)
    try:
        page.goto(site.url + page_of(shazia))
        no_sideways_scroll(page)
        width = PHONE["width"]
        heading = page.locator("h1")
        expect(heading).to_have_text("السلام علیکم Shazia")
        # Right to left: the heading's text starts at the right edge of the content and leaves room on the left.
        box = page.evaluate(
            """() => { const range = document.createRange(); range.selectNodeContents(document.querySelector('h1'));
                       const r = range.getBoundingClientRect(); return {left: r.left, right: r.right}; }"""
        )
        assert box["right"] > width - 40 and box["left"] > 40, box
        # The order read (the document's) is the order seen, top to bottom: greeting, date, the one tap, sections.
        order = [
            "h1",
            ".summary",
            "#coming button",
            "#when-heading",
            "#safety-heading",
            "#prepare-heading",
            "#faq-heading",
            "#change-heading",
            "#reminders-heading",
            "#language-heading",
        ]
        tops = [page.locator(selector).first.bounding_box()["y"] for selector in order]
        assert tops == sorted(tops), dict(zip(order, tops, strict=True))
        # The clinic's number reads left to right inside the Urdu sentence: its "+" comes first, on the left.
        plus_left_of_end = page.evaluate(
            """() => { const text = document.querySelector('footer span[dir=ltr]').firstChild;
                       const at = (i) => { const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1);
                                           return r.getBoundingClientRect().left; };
                       return text.data.startsWith('+') && at(0) < at(text.data.length - 1); }"""
        )
        assert plus_left_of_end
        # The confirm button is on the first screen, as in English.
        button = page.get_by_role("button", name="جی ہاں، میں آؤں گی")
        assert button.bounding_box()["y"] + button.bounding_box()["height"] <= PHONE["height"]
        # Each answer box is mirrored: the radio button on the right of its words.
        choice = page.locator("#safety label.choice").first
        radio, words = choice.locator("input").bounding_box(), choice.locator("span").bounding_box()
        assert radio["x"] > words["x"] + words["width"] - 1, (radio, words)
        # The coloured edge of a notice is on the side the text starts from (the right).
        page.locator("#safety button[type=submit]").click()
        edges = page.evaluate(
            "(() => { const s = getComputedStyle(document.querySelector('.question.has-error'));"
            " return [s.borderRightWidth, s.borderLeftWidth]; })()"
        )
        assert edges == ["5px", "0px"], edges
        assert page.evaluate("document.documentElement.dir") == "rtl"
    finally:
        context.close()


def test_switching_to_urdu_on_the_page_turns_it_right_to_left(site, browser):
    expect = sync_api.expect
    amelia = AppointmentFactory(patient=PatientFactory(given_name="Amelia"), scheduled_start=next_clinic_day(9))
    context, page = on_a_phone(browser, site)
    try:
        page.goto(site.url + page_of(amelia))
        assert page.evaluate("document.documentElement.dir") == ""
        page.get_by_label("The language of this page and of our messages to you").select_option("ur")
        page.get_by_role("button", name="Change language").click()
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("h1")).to_have_text("السلام علیکم Amelia")
        amelia.patient.refresh_from_db()
        assert amelia.patient.language == "ur"
        assert "ur" in django_settings.PATIENT_LANGUAGES
    finally:
        context.close()
