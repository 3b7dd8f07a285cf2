"""Signing in: staff only, locked out after repeated wrong passwords, every staff page behind it."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.factories import AppointmentFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("login")
PASSWORD = "correct-horse-battery"  # the factories' password


def staff_pages(appointment_id: int) -> list[tuple[str, str]]:
    return [
        ("get", "/"),
        ("get", reverse("procedures:day")),
        ("get", reverse("procedures:week")),
        ("get", reverse("procedures:day-print")),
        ("get", reverse("procedures:book")),
        ("get", reverse("procedures:appointment", args=[appointment_id])),
        ("get", reverse("procedures:reschedule", args=[appointment_id])),
        ("get", reverse("procedures:cancel", args=[appointment_id])),
        ("post", reverse("procedures:check-in", args=[appointment_id])),
        ("post", reverse("procedures:no-show", args=[appointment_id])),
        ("post", reverse("procedures:confirm", args=[appointment_id])),
    ]


def sign_in(client, username: str, password: str = PASSWORD, *, next: str | None = None, **meta):
    data = {"username": username, "password": password} | ({"next": next} if next else {})
    return client.post(LOGIN_URL, data, **meta)


def test_anonymous_visitors_are_sent_to_sign_in_from_every_staff_page(client):
    appointment = AppointmentFactory()
    for method, url in staff_pages(appointment.pk):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(f"{LOGIN_URL}?next="), url


def test_the_health_check_stays_open_for_the_load_balancer(client):
    assert client.get(reverse("healthz")).status_code in (200, 503)


def test_a_scheduler_signs_in_and_sees_their_name_on_the_schedule(client, scheduler):
    page = client.get(LOGIN_URL)
    assert page.status_code == 200 and "Staff sign in" in page.content.decode()
    response = sign_in(client, scheduler.username, next="/schedule/week/")
    assert response.status_code == 302 and response.url == "/schedule/week/"
    html = client.get("/").content.decode()
    assert '<span class="navbar-text me-3" id="signed-in-as">Sam Patel</span>' in html
    assert 'action="/accounts/logout/"' in html


def test_a_wrong_password_says_so_and_lets_them_try_again(client, scheduler):
    page = sign_in(client, scheduler.username, "wrong")
    assert page.status_code == 200
    assert "Please enter a correct username and password" in page.content.decode()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("length", [151, 256, 10_000])
@pytest.mark.parametrize("login", [LOGIN_URL, reverse("admin:login")], ids=["staff", "admin"])
def test_a_username_longer_than_any_account_is_refused_on_the_form(client, login, length):
    """A username past the accounts' 150 characters (the probe's 256 overflowed django-axes' 255-character column,
    a 500) is a mistake on the form, asked again; no sign-in is tried, so none is counted against anyone."""
    page = client.post(login, {"username": "a" * length, "password": "wrong"})
    assert page.status_code == 200
    assert page.context["form"].errors["username"] == [
        f"Ensure this value has at most 150 characters (it has {length})."
    ]
    assert 'maxlength="150"' in page.content.decode()
    assert not AccessAttempt.objects.exists()
    assert client.get("/").status_code == 302


def test_a_username_of_the_longest_an_account_may_have_still_signs_in(client):
    longest = "s" * 150
    UserFactory(username=longest, is_staff=True, is_superuser=True)
    assert sign_in(client, longest).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_an_account_that_is_not_staff_cannot_sign_in(client):
    UserFactory(username="visitor", is_staff=False)
    page = sign_in(client, "visitor")
    assert "This account is not a clinic staff account." in page.content.decode()
    assert client.get("/").status_code == 302


def test_a_staff_account_without_a_role_is_refused_politely(client):
    UserFactory(username="newstarter")
    sign_in(client, "newstarter")
    page = client.get("/")
    assert page.status_code == 403
    assert "This is not part of your role" in page.content.decode()


def test_signing_out_ends_the_session(as_scheduler):
    response = as_scheduler.post(reverse("logout"))
    assert response.status_code == 302 and response.url == LOGIN_URL
    assert as_scheduler.get("/").status_code == 302


def test_five_wrong_passwords_lock_that_account_out_from_that_computer_for_an_hour(client, scheduler, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert sign_in(client, scheduler.username, "wrong").status_code == 200
    locked = sign_in(client, scheduler.username, "wrong")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Too many wrong passwords" in html and "1:00:00" in html
    assert locked["Retry-After"] == "3600", "a 429 says when to try again"
    # Even the right password is refused now, here and at the admin's door.
    assert sign_in(client, scheduler.username).status_code == 429
    assert (
        client.post(reverse("admin:login"), {"username": scheduler.username, "password": PASSWORD}).status_code == 429
    )
    assert client.get("/").status_code == 302
    # A colleague at another computer is not locked out.
    assert sign_in(Client(), scheduler.username, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_a_successful_sign_in_forgets_earlier_mistakes(client, scheduler):
    for _ in range(4):
        sign_in(client, scheduler.username, "wrong")
    assert sign_in(client, scheduler.username).status_code == 302
    assert not AccessAttempt.objects.filter(username=scheduler.username).exists()


def test_the_admin_is_behind_the_same_accounts(client):
    User.objects.create_superuser("boss", "boss@clinic.example", PASSWORD)
    response = client.post(reverse("admin:login"), {"username": "boss", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get("/").status_code == 200  # and a superuser may use the staff pages
