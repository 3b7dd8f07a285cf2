"""Every staff and patient page, checked with axe-core in headless Chromium against WCAG 2.0, 2.1 and 2.2 A and AA.

Each page is its own test id, visited as the role that uses it (scheduler, radiologist, administrator, patient),
blank and, for forms, showing their errors. Any violation fails with the rule, the element and the page. axe-core
comes bundled in the `axe-playwright-python` package (axe 4.12). Around it: the skip link is the first tab stop and
lands in <main>; at 640 px wide (200% zoom of a 1280 px screen) the main actions stay on screen with no sideways
scrolling; and every staff page, resized to a phone (390 px), has no sideways scroll and its header whole.
Skipped, saying why, without Playwright or Chromium (tests/e2e/conftest.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from procedures.calendar_feeds.services import create_feed
from procedures.links import patient_token, unsubscribe_token
from procedures.models import Appointment, FollowUp, PatientRequest, ProcedureResult, SafetyAnswers
from procedures.services import book_appointment, cancel_appointment, confirm_attendance, mark_no_show, record_result
from reminders.channels import default_consent
from reminders.services import opt_out
from tests.e2e.conftest import PASSWORD, sync_api
from tests.e2e.layout import phone_misfits
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    ProcedureResultFactory,
    ProcedureTypeFactory,
    RadiologistFactory,
    RoomFactory,
    SchedulerFactory,
    offer_of_an_earlier_time,
)

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # skipped below, saying why
    Axe = None

# serialized_rollback: the flush after a transactional test must not take the migrations' rows (groups, FAQ, rules).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 664}
ZOOMED = {"width": 640, "height": 450}  # a 1280 x 900 screen at 200% zoom


@dataclass
class Clinic:
    """One clinic day's worth of people and bookings for the pages to show."""

    scheduler: User
    radiologist: User
    admin: User
    coming: Appointment  # booked, not confirmed: its patient page asks "are you coming?"
    confirmed: Appointment
    stopped: Appointment  # its patient stopped reminders from the page
    awaiting_result: Appointment  # this morning's, done, no result yet
    with_result: Appointment
    started: Appointment  # began half an hour ago, nobody checked in: check-in and did-not-attend are offered


@pytest.fixture
def site(live_server, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SMS_BACKEND = "reminders.providers.sms.LocMemSMSBackend"
    settings.SITE_URL = live_server.url
    return live_server


@pytest.fixture
def clinic(site) -> Clinic:
    ductogram = ProcedureTypeFactory()
    room1, room2 = RoomFactory(name="Mammo Room 1"), RoomFactory(name="Mammo Room 2")
    okafor = RadiologistFactory(username="okafor", first_name="Adaeze", last_name="Okafor")
    details = {"procedure_type": ductogram, "radiologist": okafor, "laterality": "left", "discharge": "bloody"}
    start = next_weekday(days_ahead=5, at=time(10, 0))

    def booking(given_name: str, *, hours: int, room=room1) -> Appointment:
        patient = PatientFactory(given_name=given_name)
        return book_appointment(patient=patient, room=room, scheduled_start=start + timedelta(hours=hours), **details)

    confirmed = booking("Grace", hours=2, room=room2)
    confirm_attendance(confirmed)
    stopped = booking("Fatima", hours=4)
    opt_out(stopped.patient)
    # What staff pages flag: answers that need a call, a request waiting, a cancelled and a missed booking.
    worried = booking("Helen", hours=6)
    SafetyAnswers.objects.create(
        appointment=worried,
        discharge_present="no",
        pregnant="unsure",
        contrast_allergy="yes",
        infection="no",
        blood_thinners="yes",
        note="Aspirin every morning.",
    )
    PatientRequest.objects.create(appointment=worried, kind="reschedule", message="An afternoon would be easier.")
    missed = {"room": room2, "radiologist": okafor, "status": "no_show"}
    AppointmentFactory(scheduled_start=start + timedelta(hours=3), **missed)
    cancel_appointment(booking("Olivia", hours=1, room=room2), reason="Had a cold", reason_code="unwell")
    earlier = timezone.now() - timedelta(days=1)
    awaiting = AppointmentFactory(room=room2, radiologist=okafor, scheduled_start=earlier, status="checked_in")
    done = ProcedureResultFactory(
        appointment__room=room1,
        appointment__radiologist=okafor,
        appointment__scheduled_start=earlier - timedelta(hours=2),  # one radiologist is in one place at a time
        performed_by=okafor,
    ).appointment
    # Patients who need an interpreter: the badge on the schedules, the printed and call lists, and the worklist.
    for patient, language in ((worried.patient, "pl"), (awaiting.patient, "ro")):
        patient.language, patient.needs_interpreter = language, True
        patient.save()
    return Clinic(
        scheduler=SchedulerFactory(username="sam", first_name="Sam", last_name="Patel"),
        radiologist=okafor,
        admin=User.objects.create_superuser("boss", "boss@clinic.example", PASSWORD),
        coming=booking("Amelia", hours=0),
        confirmed=confirmed,
        stopped=stopped,
        awaiting_result=awaiting,
        with_result=done,
        started=AppointmentFactory(room=room1, scheduled_start=timezone.now() - timedelta(minutes=30)),
    )


def next_weekday(*, days_ahead: int, at: time):
    day = timezone.localdate() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return timezone.make_aware(timezone.datetime.combine(day, at))


def signed_in(browser, base_url: str, user: User | None, *, viewport=DESKTOP, **options):
    """A browser context with `user`'s session cookie (none for a patient), so no test waits on the sign-in page."""
    context = browser.new_context(viewport=viewport, locale="en-GB", **options)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def submit_without_browser_checks(page, button_name: str) -> None:
    """Post the form as typed, so the server's error messages show (the browser's own checks are tested elsewhere)."""
    page.evaluate("document.querySelectorAll('form').forEach(form => { form.noValidate = true; })")
    page.get_by_role("button", name=button_name, exact=True).last.click()
    page.wait_for_load_state()


# --- The pages --------------------------------------------------------------------------------------------------
# Each: who visits it, and how to get it on screen (page, the site's address, the clinic).

Visit = Callable[[object, str, Clinic], None]


def goto(path: str | Callable[[Clinic], str]) -> Visit:
    return lambda page, url, c: page.goto(url + (path(c) if callable(path) else path))


def patient_page(which: str) -> Visit:
    return lambda page, url, c: page.goto(f"{url}/p/{patient_token(getattr(c, which))}/")


def book_with_errors(page, url, c):
    page.goto(f"{url}/appointments/new/")
    submit_without_browser_checks(page, "Book")


def book_free_times(page, url, c):
    """The free times listed before any booking is tried: a date chosen, then "Show free times"."""
    page.goto(f"{url}/appointments/new/")
    page.locator("#id_start_date").fill(f"{timezone.localtime(c.coming.scheduled_start):%Y-%m-%d}")
    page.get_by_role("button", name="Show free times").click()
    page.locator(".free-time").first.wait_for()


def reschedule_with_errors(page, url, c):
    page.goto(f"{url}/appointments/{c.coming.pk}/reschedule/")
    page.locator("#reschedule-form input[type=date], #reschedule-form input[name$=date]").first.fill("")
    submit_without_browser_checks(page, "Move the appointment")


def cancel_with_errors(page, url, c):
    page.goto(f"{url}/appointments/{c.coming.pk}/cancel/")
    submit_without_browser_checks(page, "Cancel the appointment")


def contact_with_errors(page, url, c):
    page.goto(f"{url}/patients/{c.coming.patient.pk}/")
    page.get_by_role("textbox", name="Email").fill("not an address")
    submit_without_browser_checks(page, "Save contact details")


def login_with_errors(page, url, c):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def result_with_errors(page, url, c):
    page.goto(f"{url}/admin/procedures/procedureresult/add/?appointment={c.awaiting_result.pk}")
    page.locator("#id_started_at_1").fill("")
    page.locator('input[name="_save"]').click()
    page.wait_for_load_state()


def safety_with_errors(page, url, c):
    page.goto(f"{url}/p/{patient_token(c.coming)}/")
    submit_without_browser_checks(page, "Send my answers")


def stop_reminders(page, url, c):
    page.goto(f"{url}/p/{patient_token(c.coming)}/stop/")
    page.get_by_role("button", name="Yes, stop reminders").click()
    page.wait_for_load_state()


def letters_due(page, url, c):
    """A patient only a letter reaches, booked a week after Amelia: her confirmation letter is due at once; another
    in large print."""
    for hours, large in ((0, False), (1, True)):
        patient = PatientFactory(
            email="",
            mobile="",
            channels=default_consent(),
            address_line1="14 Riverside Court",
            town="London",
            postcode="SE1 7EH",
            needs_large_print=large,
        )
        details = {"laterality": "left", "discharge": "bloody", "procedure_type": c.coming.procedure_type}
        start = c.coming.scheduled_start + timedelta(days=7, hours=hours)
        book_appointment(patient=patient, room=c.coming.room, scheduled_start=start, **details)
    page.goto(f"{url}/letters/")


def unsubscribe_by_the_button(page, url, c):
    page.goto(f"{url}/u/{unsubscribe_token(c.coming.patient)}/")
    page.get_by_role("button", name="Yes, stop reminders").click()
    page.wait_for_load_state()


def feed_made(page, url, c):
    """Dr Okafor makes a feed of her own ductograms: its address is shown this once."""
    page.goto(f"{url}/calendar/")
    page.get_by_role("button", name="Make a feed of my ductograms").click()
    page.locator("#feed-url").wait_for()


def feed_with_errors(page, url, c):
    """The administrator's "Make the feed" with nobody chosen."""
    page.goto(f"{url}/calendar/")
    submit_without_browser_checks(page, "Make the feed")


def feed_revoke_asked(page, url, c):
    """The question before a feed is revoked."""
    create_feed(by=c.radiologist, kind="radiologist", user=c.radiologist)
    page.goto(f"{url}/calendar/")
    page.get_by_role("link", name=re.compile("^Revoke")).first.click()
    page.locator("#revoke-form").wait_for()


def result_change(page, url, c):
    page.goto(f"{url}/admin/procedures/procedureresult/{c.with_result.result.pk}/change/")


def with_followups(c: Clinic) -> None:
    """Once: a suspicious result for the radiologist to act on, and a missed appointment for the schedulers to
    rebook (the one that started half an hour ago)."""
    if FollowUp.objects.exists():
        return
    start = c.awaiting_result.scheduled_start + timedelta(minutes=5)
    result = ProcedureResult(
        appointment=c.awaiting_result,
        started_at=start,
        ended_at=start + timedelta(minutes=40),
        duct_cannulated=True,
        birads="4B",
        recommendation="surgical_referral",
        performed_by=c.radiologist,
    )
    record_result(result, by=c.radiologist)
    mark_no_show(c.started, reason="not_known", next_step="rebook")


def followups_open(path: str | Callable[[Clinic], str]) -> Visit:
    def visit(page, url, c):
        with_followups(c)
        page.goto(url + (path(c) if callable(path) else path))

    return visit


SCHEDULER, RADIOLOGIST, ADMIN, PATIENT = "scheduler", "radiologist", "admin", None
PAGES: dict[str, tuple[str | None, Visit]] = {
    "day": (SCHEDULER, goto(lambda c: f"/schedule/?date={timezone.localtime(c.coming.scheduled_start):%Y-%m-%d}")),
    "week": (
        SCHEDULER,
        goto(lambda c: f"/schedule/week/?date={timezone.localtime(c.coming.scheduled_start):%Y-%m-%d}"),
    ),
    "day-print": (
        SCHEDULER,
        goto(lambda c: f"/schedule/print/?date={timezone.localtime(c.coming.scheduled_start):%Y-%m-%d}"),
    ),
    "book": (SCHEDULER, goto("/appointments/new/")),
    "book-errors": (SCHEDULER, book_with_errors),
    "book-free-times": (SCHEDULER, book_free_times),
    "appointment": (SCHEDULER, goto(lambda c: f"/appointments/{c.coming.pk}/")),
    "reschedule": (SCHEDULER, goto(lambda c: f"/appointments/{c.coming.pk}/reschedule/")),
    "reschedule-errors": (SCHEDULER, reschedule_with_errors),
    "cancel": (SCHEDULER, goto(lambda c: f"/appointments/{c.coming.pk}/cancel/")),
    "cancel-errors": (SCHEDULER, cancel_with_errors),
    "requests": (SCHEDULER, goto("/requests/")),
    "calls": (SCHEDULER, goto("/calls/")),
    "patients": (SCHEDULER, goto("/patients/")),
    "letters": (SCHEDULER, letters_due),
    "letters-none": (SCHEDULER, goto("/letters/")),
    "patients-found": (SCHEDULER, goto("/patients/?q=Amelia")),
    # A typo: on PostgreSQL Amelia spelled alike, marked "Similar spelling"; on SQLite the sentence saying it is not.
    "patients-similar": (SCHEDULER, goto("/patients/?q=Ameliaa")),
    "patient": (SCHEDULER, goto(lambda c: f"/patients/{c.coming.patient.pk}/")),
    "patient-contact-errors": (SCHEDULER, contact_with_errors),
    "patient-interpreter": (SCHEDULER, goto(lambda c: f"/patients/{c.awaiting_result.patient_id}/")),
    "reports-scheduler": (SCHEDULER, goto("/reports/")),
    "worklist": (RADIOLOGIST, goto("/worklist/")),
    "appointment-started": (SCHEDULER, goto(lambda c: f"/appointments/{c.started.pk}/")),
    "appointment-with-result": (RADIOLOGIST, goto(lambda c: f"/appointments/{c.with_result.pk}/")),
    "reports": (RADIOLOGIST, goto("/reports/")),
    "not-allowed": (SCHEDULER, goto("/worklist/")),
    "login": (PATIENT, goto("/accounts/login/")),
    "login-errors": (PATIENT, login_with_errors),
    "admin-index": (ADMIN, goto("/admin/")),
    "admin-appointments": (ADMIN, goto("/admin/procedures/appointment/")),
    "admin-patients-interpreter": (ADMIN, goto("/admin/procedures/patient/?needs_interpreter__exact=1")),
    "admin-patient-change": (
        ADMIN,
        goto(lambda c: f"/admin/procedures/patient/{c.awaiting_result.patient_id}/change/"),
    ),
    "admin-appointment-change": (
        RADIOLOGIST,
        goto(lambda c: f"/admin/procedures/appointment/{c.awaiting_result.pk}/change/"),
    ),
    "admin-results": (RADIOLOGIST, goto("/admin/procedures/procedureresult/")),
    "admin-result-add": (
        RADIOLOGIST,
        goto(lambda c: f"/admin/procedures/procedureresult/add/?appointment={c.awaiting_result.pk}"),
    ),
    "admin-result-errors": (RADIOLOGIST, result_with_errors),
    "admin-result-change": (RADIOLOGIST, result_change),
    "patient-page": (PATIENT, patient_page("coming")),
    "patient-page-errors": (PATIENT, safety_with_errors),
    "patient-page-confirmed": (PATIENT, patient_page("confirmed")),
    "patient-page-stopped": (PATIENT, patient_page("stopped")),
    "patient-stopped-now": (PATIENT, stop_reminders),
    "patient-stop": (PATIENT, goto(lambda c: f"/p/{patient_token(c.coming)}/stop/")),
    "patient-offer": (
        PATIENT,
        goto(lambda c: f"/p/{patient_token(c.coming)}/offer/{offer_of_an_earlier_time(c.coming).pk}/"),
    ),
    "waitlist": (SCHEDULER, goto("/waitlist/")),
    "referrals": (SCHEDULER, goto("/referrals/")),
    "patient-restart": (PATIENT, goto(lambda c: f"/p/{patient_token(c.stopped)}/restart/")),
    "not-found": (PATIENT, goto("/p/not-a-real-link/")),
    "unsubscribe": (PATIENT, goto(lambda c: f"/u/{unsubscribe_token(c.coming.patient)}/")),
    "unsubscribed": (PATIENT, unsubscribe_by_the_button),
    "calendar-feeds": (RADIOLOGIST, goto("/calendar/")),
    "calendar-feeds-admin": (ADMIN, goto("/calendar/")),
    "calendar-feed-errors": (ADMIN, feed_with_errors),
    "calendar-feed-made": (RADIOLOGIST, feed_made),
    "calendar-feed-revoke": (RADIOLOGIST, feed_revoke_asked),
    "followups-none": (RADIOLOGIST, goto("/followups/")),
    "end-of-day": (SCHEDULER, goto("/end-of-day/")),
    "followups": (RADIOLOGIST, followups_open("/followups/")),
    "followups-scheduler": (SCHEDULER, followups_open("/followups/")),
    "appointment-follow-up": (RADIOLOGIST, followups_open(lambda c: f"/appointments/{c.awaiting_result.pk}/")),
}


def violations_report(name: str, page, violations: list[dict]) -> str:
    lines = [f"{name} ({page.url}): {len(violations)} axe violation(s)"]
    for violation in violations:
        for node in violation["nodes"]:
            lines.append(f"  {violation['id']} [{violation['impact']}] {' '.join(map(str, node['target']))}")
            lines.append(f"      {node['html'][:200]}")
            lines.append(f"      {node.get('failureSummary', '').replace(chr(10), ' ')[:300]}")
    return "\n".join(lines)


# The pages are checked in groups that share one clinic: building a browser test's clinic and flushing it after costs
# about a second and a half, more than checking a page. Each page still gets its own browser context and its own axe
# run, and a failure names every page that failed. A visit that changes the clinic (books letters, stops reminders,
# posts a failed sign-in) comes last in its group, so every page is seen in the state it was written for.
GROUPS: dict[str, list[str]] = {
    "schedule-and-booking": [
        "day",
        "week",
        "day-print",
        "book",
        "book-errors",
        "book-free-times",
        "appointment",
        "reschedule",
        "reschedule-errors",
        "cancel",
        "cancel-errors",
    ],
    "lists-and-patients": [
        "requests",
        "calls",
        "patients",
        "patients-found",
        "patients-similar",
        "waitlist",
        "referrals",
        "patient",
        "patient-contact-errors",
        "patient-interpreter",
        "letters-none",
        "letters",
    ],
    "worklist-reports-sign-in": [
        "reports-scheduler",
        "worklist",
        "appointment-started",
        "appointment-with-result",
        "reports",
        "not-allowed",
        "login",
        "login-errors",
    ],
    "admin": [
        "admin-index",
        "admin-appointments",
        "admin-patients-interpreter",
        "admin-patient-change",
        "admin-appointment-change",
        "admin-results",
        "admin-result-add",
        "admin-result-errors",
        "admin-result-change",
    ],
    "patient-page": [
        "patient-page",
        "patient-page-errors",
        "patient-page-confirmed",
        "patient-page-stopped",
        "patient-stop",
        "patient-offer",
        "patient-restart",
        "not-found",
        "patient-stopped-now",
    ],
    "unsubscribe": ["unsubscribe", "unsubscribed"],
    "followups-end-of-day": [
        "followups-none",
        "end-of-day",
        "followups",
        "followups-scheduler",
        "appointment-follow-up",
    ],
    "calendar-feeds": [
        "calendar-feeds",
        "calendar-feeds-admin",
        "calendar-feed-errors",
        "calendar-feed-made",
        "calendar-feed-revoke",
    ],
}


def test_every_page_is_checked_in_exactly_one_group():
    grouped = [name for names in GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(PAGES)
    assert len(grouped) == len(set(grouped))


# Every staff page also on a phone, 390 px wide: nothing scrolls sideways (a wide table or the day grid scrolls inside
# its own box) and the header shows whole, the clinic's name and the menu button on the screen.
STAFF_PAGES = {name for name, (role, _) in PAGES.items() if role is not None} | {"login", "login-errors"}


@pytest.mark.parametrize("group", list(GROUPS))
def test_every_page_passes_axe_at_wcag_22_aa_and_each_staff_page_fits_a_phone(group, site, clinic, browser):
    failures = []
    for name in GROUPS[group]:
        role, visit = PAGES[name]
        user = {SCHEDULER: clinic.scheduler, RADIOLOGIST: clinic.radiologist, ADMIN: clinic.admin}.get(role)
        context, page = signed_in(browser, site.url, user)
        try:
            visit(page, site.url, clinic)
            if Axe is not None:
                options = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
                violations = Axe().run(page, options=options).response["violations"]
                if violations:
                    failures.append(violations_report(name, page, violations))
            if name in STAFF_PAGES:
                page.set_viewport_size(PHONE)  # the same page on a phone: the layout follows, no second visit
                failures.extend(phone_misfits(name, page))
        finally:
            context.close()
    assert not failures, "\n".join(failures)
    if Axe is None:
        pytest.skip("axe not run: needs the axe-playwright-python package (pip install axe-playwright-python)")


# --- Keyboard, phone and zoom -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["scheduler", "patient"])
def test_the_skip_link_is_the_first_tab_stop_and_jumps_to_the_main_content(who, site, clinic, browser):
    expect = sync_api.expect
    user = clinic.scheduler if who == "scheduler" else None
    context, page = signed_in(browser, site.url, user)
    try:
        page.goto(site.url + ("/schedule/" if user else f"/p/{patient_token(clinic.coming)}/"))
        skip = page.get_by_role("link", name="Skip to main content")
        expect(skip).not_to_be_in_viewport()  # out of sight until a keyboard user reaches it
        page.keyboard.press("Tab")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
        # The next Tab goes into the page's own content, past the navigation.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('main') !== null")
    finally:
        context.close()


def test_the_navigation_bar_passes_the_contrast_check_on_every_link(site, clinic, browser):
    """The issue's 2.36:1: axe's colour-contrast rule over the navigation alone, every link and the sign-out."""
    if Axe is None:
        pytest.skip("needs the axe-playwright-python package (pip install axe-playwright-python)")
    context, page = signed_in(browser, site.url, clinic.admin)
    try:
        page.goto(f"{site.url}/schedule/")
        options = {"runOnly": ["color-contrast"], "resultTypes": ["passes", "violations"]}
        results = Axe().run(page, context="nav.staff-navbar", options=options).response
        assert not results["violations"], violations_report("navigation", page, results["violations"])
        checked = [node["html"] for rule in results["passes"] for node in rule["nodes"]]
        links = page.locator("nav.staff-navbar a, nav.staff-navbar button[type=submit]").count()
        assert links >= 10 and len([html for html in checked if "nav-link" in html]) == links - 2  # brand, sign-out
    finally:
        context.close()


def test_yes_i_will_be_there_is_on_the_first_screen_of_a_phone(site, clinic, browser):
    expect = sync_api.expect
    context, page = signed_in(
        browser, site.url, None, viewport=PHONE, device_scale_factor=2, is_mobile=True, java_script_enabled=False
    )
    try:
        page.goto(f"{site.url}/p/{patient_token(clinic.coming)}/")
        button = page.get_by_role("button", name="Yes, I will be there")
        box = button.bounding_box()
        assert box is not None and box["y"] >= 0
        assert box["y"] + box["height"] <= PHONE["height"], f"the button ends at {box['y'] + box['height']}px"
        # Date and time are on that screen too: the patient sees what they are confirming.
        for detail in ("#appointment-date", "#appointment-time"):
            expect(page.locator(detail)).to_be_in_viewport()
        button.click()
        expect(page.locator("#confirmed-notice")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("script", [True, False], ids=["with-javascript", "without-javascript"])
def test_the_error_summary_takes_focus_and_each_link_reaches_its_question(site, clinic, browser, script):
    """GOV.UK's pattern: the summary has focus when the page comes back, so a screen reader starts there (the form
    posts to the summary's own address, so no script is needed for that); a link focuses its question's first answer,
    and the script also brings the question itself (its legend) into sight."""
    expect = sync_api.expect
    context, page = signed_in(browser, site.url, None, viewport=PHONE, is_mobile=True, java_script_enabled=script)
    try:
        page.goto(f"{site.url}/p/{patient_token(clinic.coming)}/")
        page.get_by_role("button", name="Send my answers").click()  # novalidate: the server's errors come back
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_be_in_viewport()
        expect(page).to_have_title(re.compile(r"^Error: "))
        summary.get_by_role("link", name="Do you take medicine that thins the blood? Please choose an answer.").click()
        expect(page.locator("#id_blood_thinners_0")).to_be_focused()
        if script:
            question = page.get_by_role("group", name="Do you take medicine that thins the blood?")
            expect(question.locator("legend")).to_be_in_viewport()
    finally:
        context.close()


def no_sideways_scroll(page) -> None:
    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width, f"{page.url} scrolls sideways: {scroll_width}px of content in {client_width}px"


def test_at_200_percent_zoom_the_patient_page_fits_and_its_actions_are_reachable(site, clinic, browser):
    expect = sync_api.expect
    context, page = signed_in(browser, site.url, None, viewport=ZOOMED)
    try:
        page.goto(f"{site.url}/p/{patient_token(clinic.coming)}/")
        no_sideways_scroll(page)
        for name in ("Yes, I will be there", "Send my answers", "I have read how to get ready", "Send my request"):
            button = page.get_by_role("button", name=name)
            button.scroll_into_view_if_needed()
            expect(button).to_be_in_viewport()
        page.get_by_role("link", name="Stop reminder messages").click()
        no_sideways_scroll(page)
        expect(page.get_by_role("button", name="Yes, stop reminders")).to_be_in_viewport()
    finally:
        context.close()


def test_at_200_percent_zoom_the_book_form_fits_and_the_menu_still_opens(site, clinic, browser):
    expect = sync_api.expect
    context, page = signed_in(browser, site.url, clinic.scheduler, viewport=ZOOMED)
    try:
        page.goto(f"{site.url}/appointments/new/")
        no_sideways_scroll(page)
        book = page.locator("#booking-form").get_by_role("button", name="Book", exact=True).last
        book.scroll_into_view_if_needed()
        expect(book).to_be_in_viewport()
        expect(page.get_by_label("MRN or name")).to_be_visible()
        # The navigation folds into a menu button at this width; it opens and reaches every page.
        page.get_by_role("button", name="Menu").click()
        expect(page.get_by_role("link", name="Patients", exact=True)).to_be_visible()
        page.get_by_role("link", name="Week", exact=True).click()
        expect(page).to_have_url(f"{site.url}/schedule/week/")
    finally:
        context.close()
