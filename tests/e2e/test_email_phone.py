"""The booking confirmation email as a patient opens it on a phone: the HTML part of the email that was sent,
rendered by headless Chromium (the Debian `chromium` package, through Playwright) at 390 x 844. One column, no
sideways scrolling, readable type, and the time, place, what to do and the link on the first screen. Staff see the
same email, framed at phone width, in the admin's reminder preview.

Skipped, saying why, where either is missing; `.ci/run` installs both. With UPDATE_SCREENSHOTS=1 it also saves the
first screen to docs/email-phone.png and the whole email to docs/email-phone-full.png for the README.
"""

import os
from datetime import time
from pathlib import Path

import pytest
from django.utils import timezone

from reminders.models import Reminder
from reminders.services import send_reminder
from reminders.stages import Stage
from tests.e2e.conftest import PASSWORD, sync_api
from tests.factories import PatientFactory, next_clinic_day

PHONE = {"width": 390, "height": 844}
DOCS = Path(__file__).resolve().parents[2] / "docs"

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_confirmation(book, mailoutbox, settings):
    """A ductogram booked ten clinic days ahead, and the confirmation email as it was sent."""
    settings.SITE_URL = "https://prep.riverside.nhs.uk"
    patient = PatientFactory(given_name="Amelia", family_name="Hughes", email="amelia.hughes@patients.example")
    appointment = book(next_clinic_day(days_ahead=10, at=time(10, 30)), patient=patient)
    confirmation = Reminder.objects.get(appointment=appointment, stage=Stage.BOOKING_CONFIRMATION, channel="email")
    assert send_reminder(confirmation.pk).status == Reminder.Status.SENT
    (email,) = mailoutbox
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    return appointment, html


# sent_confirmation before browser: the database work is done before Playwright's event loop starts in this thread.
def test_the_confirmation_email_reads_on_a_phone_without_sideways_scrolling(sent_confirmation, browser, tmp_path):
    expect = sync_api.expect
    appointment, html = sent_confirmation
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.set_default_timeout(15_000)

    page.set_content(html)

    widths = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth]")
    assert max(widths) <= PHONE["width"], widths
    local = timezone.localtime(appointment.scheduled_start)
    when = page.locator(".details")
    expect(when).to_contain_text(f"{local:%A} {local.day} {local:%B %Y} at 10:30")
    expect(when).to_contain_text("Please arrive by 10:15")
    expect(when).to_contain_text("Level 2, Rose Wing")
    expect(when).to_contain_text("About 45 minutes")
    expect(page.locator(".points li")).to_have_count(2)
    button = page.get_by_role("link", name="Confirm, prepare, or change your appointment")
    for element in (when, page.locator(".points"), button):
        expect(element).to_be_in_viewport()  # all on the first screen, before any question
        box = element.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert button.bounding_box()["height"] >= 44  # a finger-sized target
    font_size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.sheet')).fontSize)")
    assert font_size >= 16
    expect(page.locator(".more-questions")).to_contain_text("Your page answers 10 more")

    update = os.environ.get("UPDATE_SCREENSHOTS") == "1"
    page.screenshot(path=str(DOCS / "email-phone.png" if update else tmp_path / "email-phone.png"))
    page.screenshot(path=str(DOCS / "email-phone-full.png" if update else tmp_path / "full.png"), full_page=True)
    phone.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_staff_see_the_email_at_phone_width_in_the_admins_preview(live_server, superuser, book, browser):
    expect = sync_api.expect
    appointment = book(next_clinic_day(days_ahead=10, at=time(10, 30)))
    preview = f"/admin/reminders/reminder/preview/{appointment.pk}/"
    desk = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = desk.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/accounts/login/?next={preview}")
    page.get_by_label("Username").fill(superuser.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{preview}")

    email = page.frame_locator("iframe.email-preview").first
    expect(email.locator(".details")).to_contain_text("10:30")
    expect(email.get_by_role("heading", name="What to do")).to_be_visible()
    button = email.get_by_role("link", name="Confirm, prepare, or change your appointment")
    # The email's own inline styles apply inside the frame (its policy allows them, and nothing else).
    assert button.evaluate("a => getComputedStyle(a).backgroundColor") == "rgb(0, 94, 184)"
    assert button.evaluate("a => a.ownerDocument.documentElement.scrollWidth") <= PHONE["width"]
    desk.close()
