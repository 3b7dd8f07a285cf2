"""Email delivery status through django-anymail (issue 18, point 6): emails go through an email provider's API, and
the provider's tracking webhooks (anymail's views under /anymail/, with their own authentication) record on the
reminder row what became of each: delivered, deferred, bounced, rejected, complained, as texts have theirs. A
complaint stops reminders; a bounce goes to the fallback hook (reminders.services.fallbacks.delivery_failed).

Real parts: the emails are sent by anymail's own Postmark and Mailgun backends over HTTP, to a stand-in for each
provider's API on this machine (it answers as the provider documents); the webhooks receive the providers' real
payloads (the shapes of anymail's own tests and the providers' documentation), authenticated as the providers do it
(basic auth in the webhook URL; Mailgun also signs), through Django's test client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings as django_settings

from procedures.models import Patient
from reminders import services
from reminders.models import Reminder
from reminders.services import email_events
from reminders.stages import Stage
from tests.clinic import FAR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

CONF = Stage.BOOKING_CONFIRMATION
WEBHOOK_SECRET = "anymail-hooks:correct-horse-battery-staple"
MAILGUN_SIGNING_KEY = "key-mailgun-webhook-signing"
MAILGUN_DOMAIN = "mg.clinic.example"


class ProviderAPI:
    """A stand-in for an email provider's sending API on 127.0.0.1: it keeps each request and answers as the
    provider does (Postmark: JSON with a MessageID; Mailgun: JSON with an id), or with a given error."""

    def __init__(self):
        self.requests: list[dict] = []
        self.fail_with: tuple[int, dict] | None = None
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                api.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, answer = api.fail_with or api.answer(self.path, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.ids: list[str] = []

    def answer(self, path: str, body: bytes) -> tuple[int, dict]:
        if path == "/email":  # Postmark
            sent = json.loads(body)
            self.ids.append(str(uuid.uuid4()))
            return 200, {
                "To": sent["To"],
                "SubmittedAt": "2030-06-05T11:00:00.0000000Z",
                "MessageID": self.ids[-1],
                "ErrorCode": 0,
                "Message": "OK",
            }
        if path == f"/v3/{MAILGUN_DOMAIN}/messages":  # Mailgun
            self.ids.append(f"<20300605110000.{len(self.ids) + 1}.5F7A2C9E1B3D4A6F@{MAILGUN_DOMAIN}>")
            return 200, {"id": self.ids[-1], "message": "Queued. Thank you."}
        return 404, {"message": f"no such endpoint {path}"}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider_api():
    api = ProviderAPI()
    yield api
    api.stop()


@pytest.fixture
def postmark(settings, provider_api):
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {
        "POSTMARK_SERVER_TOKEN": "server-token-for-tests",
        "POSTMARK_API_URL": provider_api.url,
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    return provider_api


@pytest.fixture
def mailgun(settings, provider_api):
    settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = f"Riverside Breast Clinic <no-reply@{MAILGUN_DOMAIN}>"
    settings.ANYMAIL = {
        "MAILGUN_API_KEY": "key-mailgun-api",
        "MAILGUN_API_URL": f"{provider_api.url}v3",
        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_SIGNING_KEY,
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    return provider_api


@pytest.fixture
def fallbacks(monkeypatch):
    """Each call of the fallback hook (the real one still runs), to see that a bounce reaches it once."""
    calls: list[tuple[int, str]] = []
    real = email_events.delivery_failed

    def spy(reminder, *, reason):
        calls.append((reminder.pk, reason))
        real(reminder, reason=reason)

    monkeypatch.setattr(email_events, "delivery_failed", spy)
    return calls


def basic_auth(secret: str = WEBHOOK_SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def sent_confirmation(appointment) -> Reminder:
    reminder = appointment.reminders.get(stage=CONF, channel="email")
    services.send_reminder(reminder.pk)
    reminder.refresh_from_db()
    return reminder


def still_to_go(patient: Patient) -> int:
    return Reminder.objects.still_to_go().filter(appointment__patient=patient).count()


# Postmark: one JSON event a post, basic auth


def postmark_event(client, event: dict, *, auth: dict | None = None):
    return client.post(
        "/anymail/postmark/tracking/", json.dumps(event), "application/json", **(basic_auth() if auth is None else auth)
    )


def postmark_delivery(message_id: str, recipient: str) -> dict:
    return {
        "RecordType": "Delivery",
        "ServerID": 23,
        "MessageStream": "outbound",
        "MessageID": message_id,
        "Recipient": recipient,
        "Tag": "",
        "DeliveredAt": "2030-06-05T11:00:04.2735393Z",
        "Details": "smtp;250 2.0.0 OK  1717585204 a640c23a62f3a-a6f0a1b2c3d4si",
        "Metadata": {},
    }


def postmark_bounce(message_id: str, recipient: str) -> dict:
    return {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": "HardBounce",
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "",
        "MessageID": message_id,
        "ServerID": 23,
        "MessageStream": "outbound",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": recipient,
        "From": "no-reply@localhost",
        "BouncedAt": "2030-06-05T11:00:05.3963933Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Your appointment",
        "Content": "...",
    }


def postmark_complaint(message_id: str, recipient: str) -> dict:
    return {
        "RecordType": "SpamComplaint",
        "ID": 901542550,
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "Name": "Spam complaint",
        "Tag": "",
        "MessageID": message_id,
        "ServerID": 23,
        "MessageStream": "outbound",
        "Description": "",
        "Details": "Test spam complaint details",
        "Email": recipient,
        "From": "no-reply@localhost",
        "BouncedAt": "2030-06-05T12:28:50.3963933Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": False,
        "Subject": "Your appointment",
    }


def test_an_email_sent_through_postmark_keeps_postmarks_message_id_and_its_headers(book, postmark):
    appointment = book(FAR)

    reminder = sent_confirmation(appointment)

    assert reminder.status == Reminder.Status.SENT, reminder.last_error
    assert reminder.provider_message_id == postmark.ids[-1]
    (request,) = postmark.requests
    assert request["headers"]["X-Postmark-Server-Token"] == "server-token-for-tests"
    headers = {h["Name"]: h["Value"] for h in json.loads(request["body"])["Headers"]}
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith("<") and "/u/" in headers["List-Unsubscribe"]
    assert headers["Auto-Submitted"] == "auto-generated"
    assert headers["Date"].endswith("+0000")
    assert headers["Content-Language"] == "en-gb"  # the language the email is in, through the provider too


def test_postmarks_delivery_webhook_marks_the_email_delivered(client, book, postmark):
    reminder = sent_confirmation(book(FAR))

    response = postmark_event(client, postmark_delivery(reminder.provider_message_id, reminder.recipient))

    assert response.status_code == 200
    reminder.refresh_from_db()
    assert reminder.delivery_status == "delivered"
    assert reminder.status == Reminder.Status.SENT


def test_a_postmark_event_with_a_nul_in_its_id_or_words_answers_and_changes_only_what_is_ours(client, book, postmark):
    reminder = sent_confirmation(book(FAR))
    stranger = postmark_delivery(reminder.provider_message_id + "\x00", reminder.recipient)
    assert postmark_event(client, stranger).status_code == 200
    reminder.refresh_from_db()
    assert reminder.delivery_status == ""  # no email of ours has that id

    words = postmark_delivery(reminder.provider_message_id, reminder.recipient) | {"Details": "smtp;250\x00 OK"}
    assert postmark_event(client, words).status_code == 200
    reminder.refresh_from_db()
    assert reminder.delivery_status == "delivered"


def test_a_postmark_hard_bounce_marks_the_row_and_calls_the_fallback_once_however_often_it_is_posted(
    client, book, postmark, fallbacks, as_scheduler
):
    appointment = book(FAR)
    reminder = sent_confirmation(appointment)
    bounce = postmark_bounce(reminder.provider_message_id, reminder.recipient)

    for _ in range(2):  # Postmark posts again when our answer is slow
        assert postmark_event(client, bounce).status_code == 200

    reminder.refresh_from_db()
    assert reminder.delivery_status == "bounced"
    assert fallbacks == [(reminder.pk, reminder.last_error)]
    assert "The email bounced" in reminder.last_error
    assert "550 5.1.1 The email account that you tried to reach does not exist" in reminder.last_error
    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at is None  # a bounce is not a wish to hear nothing
    # Staff see it on the appointment's reminder table, as they see an undelivered text.
    page = as_scheduler.get(f"/appointments/{appointment.pk}/").content.decode()
    assert "(bounced)" in page


def test_a_postmark_spam_complaint_stops_the_patients_reminders(client, book, postmark):
    appointment = book(FAR)
    reminder = sent_confirmation(appointment)
    assert still_to_go(appointment.patient) > 0

    response = postmark_event(client, postmark_complaint(reminder.provider_message_id, reminder.recipient))

    assert response.status_code == 200
    reminder.refresh_from_db()
    assert reminder.delivery_status == "complained"
    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at is not None
    assert still_to_go(appointment.patient) == 0


def test_an_unsubscribe_at_postmark_stops_reminders_too(client, book, postmark):
    """Postmark's SubscriptionChange (the patient unsubscribed through Postmark's own link or header)."""
    appointment = book(FAR)
    reminder = sent_confirmation(appointment)
    change = {
        "RecordType": "SubscriptionChange",
        "MessageID": reminder.provider_message_id,
        "ServerID": 23,
        "MessageStream": "outbound",
        "ChangedAt": "2030-06-05T12:17:32Z",
        "Recipient": reminder.recipient,
        "Origin": "Recipient",
        "SuppressSending": True,
        "SuppressionReason": "ManualSuppression",
        "Tag": "",
        "Metadata": {},
    }

    assert postmark_event(client, change).status_code == 200

    reminder.refresh_from_db()
    assert reminder.delivery_status == "unsubscribed"
    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at is not None


@pytest.mark.parametrize(
    "auth",
    [{}, basic_auth("anymail-hooks:wrong"), basic_auth("someone:correct-horse-battery-staple")],
    ids=["none", "wrong-password", "wrong-user"],
)
def test_a_postmark_event_without_the_webhook_secret_is_refused_and_changes_nothing(client, book, postmark, auth):
    appointment = book(FAR)
    reminder = sent_confirmation(appointment)

    response = postmark_event(client, postmark_complaint(reminder.provider_message_id, reminder.recipient), auth=auth)

    assert response.status_code == 400
    reminder.refresh_from_db()
    assert reminder.delivery_status == ""
    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at is None


def test_with_no_webhook_secret_configured_the_webhooks_refuse_every_post(client, book, settings):
    """The settings' default: no ANYMAIL_WEBHOOK_SECRET, no webhook (a forged complaint must not stop reminders)."""
    from prepapp import settings as project_settings

    settings.ANYMAIL = {"WEBHOOK_SECRET": project_settings.ANYMAIL["WEBHOOK_SECRET"]}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    appointment = book(FAR)
    reminder = sent_confirmation(appointment)

    for auth in ({}, basic_auth("unset:"), basic_auth()):
        event = postmark_complaint(reminder.provider_message_id, reminder.recipient)
        assert postmark_event(client, event, auth=auth).status_code == 400
    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at is None


def test_reports_that_cross_never_step_back(client, book, postmark):
    """A delivery reported after the bounce, or a deferral after the delivery, leaves the later word."""
    reminder = sent_confirmation(book(FAR))
    message_id, to = reminder.provider_message_id, reminder.recipient

    postmark_event(client, postmark_bounce(message_id, to))
    postmark_event(client, postmark_delivery(message_id, to))

    reminder.refresh_from_db()
    assert reminder.delivery_status == "bounced"


def test_an_event_for_an_email_we_never_sent_is_accepted_and_changes_nothing(client, book, postmark):
    reminder = sent_confirmation(book(FAR))

    response = postmark_event(client, postmark_bounce(str(uuid.uuid4()), "someone@elsewhere.example"))

    assert response.status_code == 200
    reminder.refresh_from_db()
    assert reminder.delivery_status == ""


def test_postmark_refusing_the_email_fails_it_and_postmark_being_down_retries_it(book, postmark):
    appointment = book(FAR)
    postmark.fail_with = (422, {"ErrorCode": 300, "Message": "Invalid email request"})

    refused = sent_confirmation(appointment)

    assert refused.status == Reminder.Status.FAILED
    assert refused.close_reason == Reminder.CloseReason.REFUSED
    assert "422" in refused.last_error

    other = book(FAR.replace(hour=11))
    postmark.fail_with = (503, {"ErrorCode": 100, "Message": "Service unavailable"})
    retried = sent_confirmation(other)

    assert retried.status == Reminder.Status.PENDING
    assert "503" in retried.last_error


# Mailgun: JSON events signed with the webhook signing key, and basic auth


def mailgun_signed(event_data: dict, *, key: str = MAILGUN_SIGNING_KEY) -> str:
    timestamp, token = str(int(event_data["timestamp"])), uuid.uuid4().hex + uuid.uuid4().hex[:18]
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return json.dumps(
        {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": event_data}
    )


def mailgun_event(kind: str, message_id: str, recipient: str, **extra) -> dict:
    """A Mailgun event as its webhooks post it: the message's Message-Id header without its angle brackets."""
    event = {
        "event": kind,
        "id": "hTWCTD81RtiDN-" + uuid.uuid4().hex[:8],
        "timestamp": 1906974004.153125,
        "log-level": "info",
        "recipient": recipient,
        "recipient-domain": recipient.split("@")[1],
        "tags": [],
        "user-variables": {},
        "flags": {"is-routed": False, "is-authenticated": True, "is-system-test": False, "is-test-mode": False},
        "envelope": {"sender": f"no-reply@{MAILGUN_DOMAIN}", "transport": "smtp", "targets": recipient},
        "message": {
            "headers": {
                "to": recipient,
                "message-id": message_id.strip("<>"),
                "from": f"no-reply@{MAILGUN_DOMAIN}",
                "subject": "Your appointment",
            },
            "attachments": [],
            "size": 10703,
        },
    }
    event.update(extra)
    return event


def post_mailgun(client, event_data: dict, *, key: str = MAILGUN_SIGNING_KEY, auth: dict | None = None):
    body = mailgun_signed(event_data, key=key)
    return client.post(
        "/anymail/mailgun/tracking/", body, "application/json", **(basic_auth() if auth is None else auth)
    )


DELIVERY_OK = {
    "tls": True,
    "mx-host": "mx.patients.example",
    "attempt-no": 1,
    "description": "",
    "session-seconds": 1.2,
    "utf8": True,
    "code": 250,
    "message": "OK",
    "certificate-verified": True,
}


def test_an_email_sent_through_mailgun_keeps_mailguns_id_and_its_webhooks_mark_it_delivered(client, book, mailgun):
    reminder = sent_confirmation(book(FAR))
    assert reminder.status == Reminder.Status.SENT, reminder.last_error
    assert reminder.provider_message_id == mailgun.ids[-1]
    (request,) = mailgun.requests
    assert request["path"] == f"/v3/{MAILGUN_DOMAIN}/messages"
    assert b"h:List-Unsubscribe-Post" in request["body"] and b"List-Unsubscribe=One-Click" in request["body"]

    event = mailgun_event(
        "delivered", reminder.provider_message_id, reminder.recipient, **{"delivery-status": DELIVERY_OK}
    )
    response = post_mailgun(client, event)

    assert response.status_code == 200
    reminder.refresh_from_db()
    assert reminder.delivery_status == "delivered"


def test_mailgun_a_temporary_failure_is_deferred_then_a_permanent_one_is_a_bounce(client, book, mailgun, fallbacks):
    reminder = sent_confirmation(book(FAR))
    message_id, to = reminder.provider_message_id, reminder.recipient
    deferred = mailgun_event(
        "failed",
        message_id,
        to,
        severity="temporary",
        reason="generic",
        **{
            "log-level": "warn",
            "delivery-status": {
                "attempt-no": 1,
                "code": 451,
                "retry-seconds": 600,
                "description": "",
                "message": "4.7.1 Greylisted, try again",
            },
        },
    )
    bounced = mailgun_event(
        "failed",
        message_id,
        to,
        severity="permanent",
        reason="bounce",
        **{
            "log-level": "error",
            "delivery-status": {
                "attempt-no": 2,
                "code": 550,
                "description": "",
                "message": "5.1.1 The email account does not exist",
            },
        },
    )

    assert post_mailgun(client, deferred).status_code == 200
    reminder.refresh_from_db()
    assert reminder.delivery_status == "deferred"
    assert fallbacks == []

    assert post_mailgun(client, bounced).status_code == 200
    reminder.refresh_from_db()
    assert reminder.delivery_status == "bounced"
    assert "5.1.1 The email account does not exist" in reminder.last_error
    assert [pk for pk, _ in fallbacks] == [reminder.pk]


def test_a_mailgun_complaint_stops_reminders(client, book, mailgun):
    appointment = book(FAR)
    reminder = sent_confirmation(appointment)

    response = post_mailgun(client, mailgun_event("complained", reminder.provider_message_id, reminder.recipient))

    assert response.status_code == 200
    reminder.refresh_from_db()
    assert reminder.delivery_status == "complained"
    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at is not None
    assert still_to_go(appointment.patient) == 0


def test_a_mailgun_rejection_marks_the_row_and_calls_the_fallback(client, book, mailgun, fallbacks):
    reminder = sent_confirmation(book(FAR))
    rejected = mailgun_event(
        "rejected",
        reminder.provider_message_id,
        reminder.recipient,
        reject={"reason": "Sending to this address is suppressed after an earlier bounce", "description": ""},
    )

    assert post_mailgun(client, rejected).status_code == 200

    reminder.refresh_from_db()
    assert reminder.delivery_status == "rejected"
    assert [pk for pk, _ in fallbacks] == [reminder.pk]


@pytest.mark.parametrize(
    "key, auth", [("not-the-signing-key", None), (MAILGUN_SIGNING_KEY, {})], ids=["signature", "auth"]
)
def test_a_mailgun_event_badly_signed_or_without_the_secret_is_refused(client, book, mailgun, key, auth):
    appointment = book(FAR)
    reminder = sent_confirmation(appointment)

    response = post_mailgun(
        client, mailgun_event("complained", reminder.provider_message_id, reminder.recipient), key=key, auth=auth
    )

    assert response.status_code == 400
    appointment.patient.refresh_from_db()
    assert appointment.patient.reminders_opt_out_at is None


def test_an_email_sent_over_smtp_is_matched_by_its_message_id(client, book, settings, mailgun):
    """Without an anymail backend (SMTP, here Django's locmem) the row keeps our Message-ID, which a provider
    relaying the SMTP mail reports back."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reminder = sent_confirmation(book(FAR))
    assert reminder.provider_message_id.startswith("<reminder-") and reminder.provider_message_id.endswith(">")

    event = mailgun_event(
        "delivered", reminder.provider_message_id, reminder.recipient, **{"delivery-status": DELIVERY_OK}
    )
    assert post_mailgun(client, event).status_code == 200

    reminder.refresh_from_db()
    assert reminder.delivery_status == "delivered"


# Choosing the provider: settings from the environment, read in a fresh process


def settings_in_a_fresh_process(tmp_path, **environment: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYMAIL_") and k != "EMAIL_URL"}
    env |= {"DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", **environment}
    code = (
        "import json, django; from django.conf import settings as s; django.setup(); "
        "print(json.dumps({'backend': s.EMAIL_BACKEND, 'anymail': s.ANYMAIL}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env | {"DJANGO_SETTINGS_MODULE": "prepapp.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_anymail_provider_selects_the_backend_and_anymail_variables_become_its_settings(tmp_path):
    done = settings_in_a_fresh_process(
        tmp_path,
        ANYMAIL_PROVIDER="Postmark",
        ANYMAIL_POSTMARK_SERVER_TOKEN="token-123",
        ANYMAIL_WEBHOOK_SECRET="hooks:secret",
        ANYMAIL_IGNORE_UNSUPPORTED_FEATURES="true",
    )

    assert done.returncode == 0, done.stderr
    chosen = json.loads(done.stdout.splitlines()[-1])
    assert chosen["backend"] == "anymail.backends.postmark.EmailBackend"
    assert chosen["anymail"] == {
        "POSTMARK_SERVER_TOKEN": "token-123",
        "WEBHOOK_SECRET": "hooks:secret",
        "IGNORE_UNSUPPORTED_FEATURES": True,
    }


def test_without_a_provider_email_url_decides_and_the_webhooks_get_a_secret_nobody_knows(tmp_path):
    done = settings_in_a_fresh_process(tmp_path, EMAIL_URL="smtp://mail.hospital.example:25")

    assert done.returncode == 0, done.stderr
    chosen = json.loads(done.stdout.splitlines()[-1])
    assert chosen["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    secret = chosen["anymail"]["WEBHOOK_SECRET"]
    assert secret.startswith("unset:") and len(secret) > 40


def test_an_unknown_provider_is_refused_with_what_to_write(tmp_path):
    done = settings_in_a_fresh_process(tmp_path, ANYMAIL_PROVIDER="postmarkk")

    assert done.returncode != 0
    assert "ANYMAIL_PROVIDER='postmarkk' is not one of django-anymail's providers" in done.stderr
    assert "postmark, mailgun, amazon_ses, sendgrid or brevo" in done.stderr
