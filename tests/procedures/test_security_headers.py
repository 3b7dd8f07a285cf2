"""What every response says to the browser: a Content-Security-Policy with no inline script or style, no browser
features we do not use, no copy of a page with patient data kept anywhere; staff sessions of a working day; friendly
pages for an expired form and for too many requests."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from prepapp import errors
from prepapp.middleware import UNREADABLE_CHARSET
from procedures.links import patient_token
from procedures.models import Appointment
from tests.clinic import FAR, NOW
from tests.factories import AppointmentFactory, PatientFactory, ProcedureResultFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache")]

PASSWORD = "correct-horse-battery"  # the factories' password
TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Message bodies go by email, where styles must be inline; no page shows them.
NOT_PAGES = {"reminders/email_base.html", "reminders/email.html", "reminders/offer_email.html"}

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def assert_strict_policy(response, where: str) -> None:
    directives = policy(response)
    assert directives, f"{where}: no Content-Security-Policy"
    for name in ("script-src", "style-src", "default-src"):
        assert directives[name] == ["'self'"], f"{where}: {name} {directives.get(name)}"
    assert directives["object-src"] == directives["base-uri"] == directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def assert_not_cached(response, where: str) -> None:
    directives = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, f"{where}: Cache-Control {response.get('Cache-Control')!r}"


def assert_no_inline_code(response, where: str) -> None:
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return
    html = response.content.decode()
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE):
        found = pattern.search(html)
        assert not found, f"{where}: {found.group(0)[:120]}"


def site_urls(appointment: Appointment) -> list[str]:
    """Every URL of the site outside the admin and the email provider's webhooks (django-anymail's views, which
    need that provider's settings: tests/reminders/test_email_tracking.py), its parameters filled in: numbers with
    the appointment's id, anything else with its patient's token."""
    token = patient_token(appointment)

    def walk(patterns, prefix):
        for entry in patterns:
            route = str(entry.pattern)
            if route.startswith(("admin/", "anymail/", "^")):
                continue
            route = re.sub(r"<int:\w+>", str(appointment.pk), route)
            route = re.sub(r"<(?:str|slug|path):\w+>", token, route)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern):
                yield prefix + route

    return sorted(set(walk(get_resolver().url_patterns, "/")))


def admin_urls(superuser) -> list[str]:
    urls = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        obj = model.objects.first()
        if obj is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    return [reverse("admin:index"), *urls]


@pytest.fixture
def appointment(frozen_now):
    result = ProcedureResultFactory()
    AppointmentFactory(scheduled_start=FAR, patient=PatientFactory(given_name="Amelia"))
    return Appointment.objects.exclude(pk=result.appointment_id).get()


@pytest.fixture
def every_page(client, superuser, appointment):
    """(where, response) for every page: the site's as a superuser and anonymously, the admin's, the patient's."""
    anonymous = Client()
    client.force_login(superuser)
    pages = [(f"GET {url} (staff)", client.get(url)) for url in site_urls(appointment)]
    pages += [(f"GET {url} (anonymous)", anonymous.get(url)) for url in site_urls(appointment)]
    pages += [(f"GET {url}", client.get(url)) for url in admin_urls(superuser)]
    booked_day = f"?date={FAR.date().isoformat()}"  # a day and week with a booking on the grid
    pages += [(f"GET {url}", client.get(url + booked_day)) for url in ("/schedule/", "/schedule/week/")]
    assert 'class="booking status-booked"' in pages[-2][1].content.decode()
    pages.append(("the login page", anonymous.get(reverse("login"))))
    pages.append(("a page that is not there", anonymous.get("/no/such/page/")))
    return pages


def test_every_page_sends_a_csp_without_unsafe_inline_scripts(every_page):
    statuses = {response.status_code for _, response in every_page}
    assert 200 in statuses and 404 in statuses
    for where, response in every_page:
        assert_strict_policy(response, where)
        assert_no_inline_code(response, where)


def test_staff_and_patient_pages_are_not_cached(every_page):
    for where, response in every_page:
        assert_not_cached(response, where)


def test_every_page_switches_off_the_browser_features_nobody_uses(every_page):
    for where, response in every_page:
        features = dict(item.split("=", 1) for item in response["Permissions-Policy"].split(", "))
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert features[feature] == "()", where


def test_static_files_stay_cacheable_and_carry_no_page_headers(settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/css/staff.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_no_template_has_an_inline_script_style_or_event_handler():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = str(path.relative_to(TEMPLATES))
        if name in NOT_PAGES:
            continue
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE):
            found = pattern.search(text)
            assert not found, f"{name}: {found.group(0)[:120]}"


# Sessions


def test_the_session_ends_after_a_working_day_and_at_browser_close(client, scheduler, frozen_now):
    assert settings.SESSION_COOKIE_AGE == 10 * 60 * 60
    signed_in = client.post(reverse("login"), {"username": scheduler.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    cookie = signed_in.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # gone when the browser closes
    assert client.session.get_expire_at_browser_close()

    frozen_now.shift(timedelta(hours=9, minutes=59))
    assert client.get(reverse("procedures:day")).status_code == 200
    frozen_now.shift(timedelta(minutes=2))
    after = client.get(reverse("procedures:day"))
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("login"))


# An expired form


def test_an_expired_csrf_cookie_on_the_patient_page_gets_a_friendly_page(appointment):
    browser = Client(enforce_csrf_checks=True)
    page = f"/p/{patient_token(appointment)}/"
    assert browser.get(page).status_code == 200
    browser.cookies.pop(settings.CSRF_COOKIE_NAME, None)  # the cookie expired while the page sat open

    response = browser.post(f"{page}confirm/", {})

    assert response.status_code == 403
    text = response.content.decode()
    assert "Please try again" in text
    assert "Go back to your appointment page, reload it, and send your answer again." in text
    assert f'href="{page}"' in text
    assert "patient/patient.css" in text and "bootstrap" not in text
    assert_strict_policy(response, "the patient's CSRF page")
    assert_not_cached(response, "the patient's CSRF page")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_an_expired_csrf_cookie_on_a_staff_form_says_to_go_back_and_reload(scheduler):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("login"), {"username": scheduler.username, "password": PASSWORD})
    assert response.status_code == 403
    text = response.content.decode()
    assert "Your form was not sent" in text
    assert "Go back, reload the page, and send the form again." in text
    assert_strict_policy(response, "the staff CSRF page")


# Too many requests


def test_a_429_says_when_to_retry(client, appointment, settings, frozen_now):
    settings.PATIENT_PAGE_RATE_LIMIT = 1
    settings.PATIENT_PAGE_RATE_WINDOW = 600
    page = f"/p/{patient_token(appointment)}/"
    assert client.get(page).status_code == 200

    refused = client.get(page)

    assert refused.status_code == 429
    elapsed = int(NOW.timestamp()) % 600
    assert refused["Retry-After"] == str(600 - elapsed)
    frozen_now.shift(timedelta(seconds=600 - elapsed))
    assert client.get(page).status_code == 200  # when it said


# A form the site cannot read

UNREADABLE_CHARSETS = ["utf-16", "utf-32", "cp500", "utf-7", "latin-1", "no-such-charset"]


def assert_our_headers(response, where: str) -> None:
    assert_strict_policy(response, where)
    assert_not_cached(response, where)
    assert "camera=()" in response["Permissions-Policy"], where
    assert response["X-Frame-Options"] == "DENY", where
    assert response["X-Content-Type-Options"] == "nosniff", where


def forms_anyone_can_post(appointment) -> list[str]:
    """The sign-in form, a staff form, the patient's confirm button and the SMS gateway's two webhooks."""
    return [
        reverse("login"),
        reverse("procedures:book"),
        f"/p/{patient_token(appointment)}/confirm/",
        reverse("reminders:sms-status"),
        reverse("reminders:sms-inbound"),
    ]


@pytest.mark.parametrize("charset", UNREADABLE_CHARSETS)
def test_a_form_in_a_charset_we_do_not_read_is_refused_with_our_headers(appointment, scheduler, charset):
    """A prober's POST says its form is in UTF-16 (or EBCDIC, or a made-up charset), with a CSRF cookie of its own:
    a short 400 with every header a page carries, and the appointment is untouched."""
    browser = Client(enforce_csrf_checks=True)
    browser.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32
    form = f"username={scheduler.username}&password={PASSWORD}&csrfmiddlewaretoken={'a' * 32}".encode()
    for url in forms_anyone_can_post(appointment):
        where = f"POST {url} in {charset}"
        response = browser.generic(
            "POST", url, form, content_type=f"application/x-www-form-urlencoded; charset={charset}"
        )
        assert response.status_code == 400, where
        assert response.content.decode() == UNREADABLE_CHARSET
        assert_our_headers(response, where)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert "_auth_user_id" not in browser.session


def test_utf8_spelled_another_way_still_signs_in(scheduler):
    browser = Client()
    for charset in ("UTF8", "utf_8", "us-ascii"):
        form = f"username={scheduler.username}&password={PASSWORD}".encode()
        response = browser.generic(
            "POST", reverse("login"), form, content_type=f"application/x-www-form-urlencoded; charset={charset}"
        )
        assert response.status_code == 302, charset
        browser.logout()


def test_the_error_pages_never_read_the_form_again(rf):
    """Whatever made a form unreadable (here a charset Django refuses, should one ever get past the middleware),
    the 400, 403, 404 and 500 pages answer without reading it: Django's own ran the CSRF check first, which read the
    form, raised again and turned the page into a bare 500."""
    request = rf.generic(
        "POST", "/accounts/login/", b"a=b", content_type="application/x-www-form-urlencoded; charset=utf-16"
    )
    request.COOKIES[settings.CSRF_COOKIE_NAME] = "a" * 32
    with pytest.raises(BadRequest):
        request.POST  # noqa: B018 - the form cannot be read
    for status, answer in (
        (400, lambda: errors.bad_request(request, BadRequest())),
        (403, lambda: errors.permission_denied(request, PermissionDenied())),
        (404, lambda: errors.page_not_found(request, Http404())),
        (500, lambda: errors.server_error(request)),
    ):
        assert answer().status_code == status
