"""Email that inboxes trust (issue 18, point 5): every reminder email says how to stop reminders in one click
(List-Unsubscribe with a signed https URL, and List-Unsubscribe-Post: RFC 8058), that no person wrote it
(Auto-Submitted: RFC 3834), and when it was sent in a known zone (Date in +0000, not "-0000": zone unknown). A POST
to the one-click URL, as a mailbox provider sends it, stops reminders with no page to click through; a person who
opens the link gets one button; a bad token is the patient pages' plain 404.

The headers are read off an email sent over SMTP to a real server (tests/realparts.py's aiosmtpd sink), as an inbox
would receive them. "Now" is Wednesday 5 June 2030, 12:00 in London (11:00 UTC).
"""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlparse

import pytest
from django.core import signing
from django.test import Client

from procedures.links import unsubscribe_token, unsubscribe_url
from procedures.models import Patient
from procedures.services import reschedule_appointment
from reminders import services
from reminders.models import Reminder
from reminders.stages import Stage
from tests.clinic import FAR
from tests.factories import PatientFactory
from tests.realparts import SMTPSink

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

SITE = "https://ductogram.hospital.example"
CONF = Stage.BOOKING_CONFIRMATION


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def smtp_sink(settings):
    """Emails go over SMTP to an aiosmtpd server in this process, which keeps what it receives."""
    sink = SMTPSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield sink
    sink.stop()


def header(message, name: str) -> str:
    """A header's value, unfolded (a long one is folded onto the next line, RFC 5322 2.2.3)."""
    return str(message[name]).strip()


def sent_confirmation(appointment, sink):
    """The booking confirmation email, sent as a worker sends it, as the SMTP server received it."""
    reminder = appointment.reminders.get(stage=CONF, channel="email")
    services.send_reminder(reminder.pk)
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT, reminder.last_error
    (message,) = sink.messages
    return reminder, message


def still_to_go(patient: Patient) -> int:
    return Reminder.objects.still_to_go().filter(appointment__patient=patient).count()


# The headers, as received


def test_an_email_sent_over_smtp_carries_the_one_click_unsubscribe_and_auto_submitted_headers(book, smtp_sink):
    appointment = book(FAR)

    _, message = sent_confirmation(appointment, smtp_sink)

    assert header(message, "List-Unsubscribe") == f"<{SITE}/u/{unsubscribe_token(appointment.patient)}/>"
    assert header(message, "List-Unsubscribe").startswith("<https://")
    assert header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert header(message, "Auto-Submitted") == "auto-generated"


def test_the_date_header_is_in_utc_written_plus_0000_not_the_unknown_zone(book, smtp_sink):
    appointment = book(FAR)

    _, message = sent_confirmation(appointment, smtp_sink)

    date = header(message, "Date")
    assert date.endswith(" +0000"), date
    assert "-0000" not in date
    assert parsedate_to_datetime(date) == datetime(2030, 6, 5, 11, 0, tzinfo=UTC)


def test_every_email_a_patient_gets_names_that_patient_in_its_unsubscribe_link(book, smtp_sink):
    first, second = book(FAR), book(FAR.replace(hour=11))

    sent_confirmation(first, smtp_sink)
    smtp_sink.messages.clear()
    sent_confirmation(second, smtp_sink)

    assert header(smtp_sink.messages[0], "List-Unsubscribe") == f"<{unsubscribe_url(second.patient)}>"
    assert unsubscribe_token(first.patient) != unsubscribe_token(second.patient)


# The one-click POST


def test_a_one_click_post_to_the_headers_url_stops_reminders_with_no_page_and_no_csrf_token(book, smtp_sink):
    appointment = book(FAR)
    _, message = sent_confirmation(appointment, smtp_sink)
    url = urlparse(header(message, "List-Unsubscribe").strip("<>"))
    assert still_to_go(appointment.patient) > 0
    mailbox_provider = Client(enforce_csrf_checks=True)  # no cookie, no token: as Gmail or Yahoo post it

    response = mailbox_provider.post(url.path, "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert len(response.content) < 100
    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at is not None
    assert still_to_go(appointment.patient) == 0
    closed = Reminder.objects.filter(appointment=appointment, status=Reminder.Status.CANCELLED)
    assert closed.exists() and {r.close_reason for r in closed} == {Reminder.CloseReason.OPTED_OUT}


def test_a_one_click_post_as_multipart_form_data_works_too_and_a_repeat_changes_nothing(book):
    appointment = book(FAR)
    url = urlparse(unsubscribe_url(appointment.patient)).path
    mailbox_provider = Client(enforce_csrf_checks=True)

    assert mailbox_provider.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    appointment.patient.refresh_from_db()
    stopped_at = appointment.patient.reminders_opt_out_at
    assert stopped_at is not None

    assert mailbox_provider.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at == stopped_at


def test_opening_the_link_only_asks_and_the_button_stops_reminders(book):
    appointment = book(FAR)
    url = urlparse(unsubscribe_url(appointment.patient)).path
    person = Client(enforce_csrf_checks=True)

    asked = person.get(url)

    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Yes, stop reminders" in page and f'action="{url}"' in page
    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at is None
    assert still_to_go(appointment.patient) > 0

    done = person.post(url)

    assert done.status_code == 200
    assert "Reminders stopped" in done.content.decode()
    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at is not None
    assert still_to_go(appointment.patient) == 0
    assert "Reminders stopped" in person.get(url).content.decode()  # opened again: says so, no button


def test_one_patients_unsubscribe_leaves_every_other_patient_alone(book):
    stopping, other = book(FAR), book(FAR.replace(hour=11))

    Client().post(urlparse(unsubscribe_url(stopping.patient)).path, {"List-Unsubscribe": "One-Click"})

    other.patient.refresh_from_db()
    assert other.patient.reminders_opt_out_at is None
    assert still_to_go(other.patient) > 0


# Bad tokens


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "12.tampered-signature",
        signing.Signer(salt="procedures.patient-page", sep=".").sign("1"),  # a patient-page token is not one
        signing.Signer(salt="procedures.unsubscribe", sep=".").sign("999999"),  # no such patient
        signing.Signer(salt="procedures.unsubscribe", sep=".").sign("x1"),
    ],
)
def test_a_bad_token_gives_the_same_404_as_a_bad_patient_link_and_stops_nothing(client, book, token):
    appointment = book(FAR)
    patient_link_404 = client.get("/p/not-a-real-link/")

    for response in (client.get(f"/u/{token}/"), client.post(f"/u/{token}/", {"List-Unsubscribe": "One-Click"})):
        assert response.status_code == 404
        assert response.content == patient_link_404.content

    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at is None


def test_a_patient_page_token_does_not_unsubscribe_even_for_the_same_number(client):
    patient = PatientFactory()
    forged = signing.Signer(salt="procedures.patient-page", sep=".").sign(str(patient.pk))

    assert client.post(f"/u/{forged}/", {"List-Unsubscribe": "One-Click"}).status_code == 404
    patient.refresh_from_db()
    assert patient.reminders_opt_out_at is None


def test_a_one_click_unsubscribe_stops_reminders_but_not_the_news_of_a_move(book):
    appointment = book(FAR)
    Client().post(urlparse(unsubscribe_url(appointment.patient)).path, {"List-Unsubscribe": "One-Click"})
    assert still_to_go(appointment.patient) == 0

    moved = reschedule_appointment(appointment, new_start=FAR + timedelta(days=1))

    notices = moved.reminders.filter(stage=Stage.RESCHEDULED, status=Reminder.Status.PENDING)
    assert set(notices.values_list("channel", flat=True)) == {"email", "sms"}
    assert not moved.reminders.filter(status=Reminder.Status.PENDING).exclude(stage=Stage.RESCHEDULED).exists()
