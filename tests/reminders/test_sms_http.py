"""The HTTP SMS backend against a small Twilio-style provider running in the test (a real HTTP server on a free
port, not a mock), and the provider's webhooks: delivery reports and replies, where STOP opts the patient out."""

import base64
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
import time_machine

from procedures.models import Patient
from reminders import services
from reminders.channels import Message, PermanentSendError, TransientSendError
from reminders.channels.sms import SmsChannel
from reminders.models import InboundText, Reminder
from reminders.providers.http_sms import HTTPSMSBackend, webhook_signature
from tests.clinic import FAR, NOW
from tests.factories import PatientFactory

TOKEN = "auth-token-for-tests"
SID = "AC0123456789"


class FakeProvider:
    """A Twilio-style REST endpoint: records each request and answers as the test tells it to."""

    def __init__(self, *, keep_alive: bool = False):
        self.requests: list[dict] = []
        self.status = 201
        self.body: bytes = json.dumps({"sid": "SM123", "status": "queued"}).encode()
        self.stall = False
        self.released = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 keeps a connection open for the next request; HTTP/1.0 closes it after each answer.
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                provider.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "form": form, "client": self.client_address}
                )
                if provider.stall:
                    provider.released.wait(timeout=10)  # longer than the client will wait
                self.send_response(provider.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(provider.body)))
                self.end_headers()
                self.wfile.write(provider.body)

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/2010-04-01"

    def answer(self, status: int, payload) -> None:
        self.status = status
        self.body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()


@pytest.fixture(params=[False], ids=["closing"])
def provider(settings, request):
    fake = FakeProvider(keep_alive=request.param)
    fake.thread.start()
    settings.SMS_BACKEND = "reminders.providers.http_sms.HTTPSMSBackend"
    settings.SMS_HTTP_BASE_URL = fake.base_url
    settings.SMS_HTTP_ACCOUNT_SID = SID
    settings.SMS_HTTP_AUTH_TOKEN = TOKEN
    settings.SMS_FROM = "+447700900000"
    settings.SMS_HTTP_TIMEOUT = 5
    settings.SITE_URL = "https://prep.example.org"
    yield fake
    fake.released.set()
    fake.server.shutdown()
    fake.server.server_close()


def send(to="+447700900123", body="Riverside Hospital: see you tomorrow"):
    return HTTPSMSBackend().send(to, body, reference="42")


# The backend


def test_a_text_the_provider_accepts_returns_its_message_id(provider):
    assert send() == "SM123"

    [request] = provider.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["form"] == {
        "To": "+447700900123",
        "From": "+447700900000",
        "Body": "Riverside Hospital: see you tomorrow",
        "StatusCallback": "https://prep.example.org/sms/status/",
    }
    expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert request["headers"]["Authorization"] == expected
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_an_invalid_number_is_a_permanent_failure_with_the_providers_words(provider):
    provider.answer(400, {"message": "invalid number", "code": 21211})

    with pytest.raises(PermanentSendError, match=r"refused the text \(400\): invalid number"):
        send(to="+15005550001")


@pytest.mark.parametrize("status", [503, 500, 429])
def test_a_busy_or_failing_provider_is_a_transient_failure(provider, status):
    provider.answer(status, {"message": "try later"})

    with pytest.raises(TransientSendError, match=f"answered {status}: try later"):
        send()


def test_an_error_without_json_still_says_what_happened(provider):
    provider.answer(502, b"<html>Bad gateway</html>")

    with pytest.raises(TransientSendError, match="answered 502"):
        send()


def test_a_provider_nobody_listens_for_is_a_transient_failure(provider, settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.SMS_HTTP_BASE_URL = f"http://127.0.0.1:{port}/2010-04-01"  # bound once, now refused

    with pytest.raises(TransientSendError, match="Could not reach the SMS provider"):
        send()


def test_a_provider_that_hangs_is_given_up_after_the_timeout_as_transient(provider, settings):
    settings.SMS_HTTP_TIMEOUT = 0.5
    provider.stall = True

    with pytest.raises(TransientSendError, match="Could not reach the SMS provider"):
        send()
    assert len(provider.requests) == 1


@pytest.mark.parametrize("payload", [b"not json", {"status": "queued"}])
def test_an_answer_without_a_message_id_is_transient(provider, payload):
    provider.answer(201, payload)

    with pytest.raises(TransientSendError):
        send()


def test_an_unconfigured_provider_fails_permanently_without_calling_anyone(provider, settings):
    settings.SMS_HTTP_ACCOUNT_SID = ""

    with pytest.raises(PermanentSendError, match="SMS is not configured"):
        send()
    assert provider.requests == []


# Through send_reminder


@pytest.mark.django_db
def test_a_reminder_sent_over_http_records_the_providers_id(provider, book, frozen_now):
    appointment = book(FAR)
    text = appointment.reminders.get(stage="booking_confirmation", channel="sms")

    services.send_reminder(text.pk)

    text.refresh_from_db()
    assert (text.status, text.provider_message_id) == (Reminder.Status.SENT, "SM123")
    assert provider.requests[0]["form"]["Body"] == text.body
    assert provider.requests[0]["form"]["To"] == appointment.patient.mobile.as_e164


@pytest.mark.django_db
def test_a_reminder_the_provider_is_too_busy_for_waits_a_minute(provider, book, frozen_now):
    provider.answer(503, {"message": "Service unavailable"})
    text = book(FAR).reminders.get(stage="booking_confirmation", channel="sms")

    services.send_reminder(text.pk)

    text.refresh_from_db()
    assert (text.status, text.attempts, text.send_at) == (Reminder.Status.PENDING, 1, NOW + timedelta(seconds=60))
    assert text.last_error == "The SMS provider answered 503: Service unavailable"


@pytest.mark.django_db
def test_a_reminder_to_a_number_the_provider_calls_invalid_fails_at_once(provider, book, frozen_now):
    provider.answer(400, {"message": "invalid number", "code": 21211})
    text = book(FAR).reminders.get(stage="booking_confirmation", channel="sms")

    services.send_reminder(text.pk)

    text.refresh_from_db()
    assert (text.status, text.attempts) == (Reminder.Status.FAILED, 1)
    assert text.last_error == "The SMS provider refused the text (400): invalid number"


# Webhooks: signed by the provider


@pytest.fixture
def webhook(client, settings):
    """webhook(path, params, signature=<correct>) posts as the provider does."""
    settings.SMS_HTTP_AUTH_TOKEN = TOKEN
    settings.DEBUG = False

    def _post(path, params, signature=None):
        if signature is None:
            signature = webhook_signature(f"http://testserver{path}", params, TOKEN)
        headers = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature else {}
        return client.post(path, params, **headers)

    return _post


@pytest.fixture
def patient(db):
    return PatientFactory(mobile="+447911123456")


def inbound(body, sender="+447911123456"):
    return {"MessageSid": "SM999", "AccountSid": SID, "From": sender, "To": "+447700900000", "Body": body}


@pytest.mark.django_db
def test_a_signed_reply_is_accepted(webhook, patient):
    response = webhook("/sms/inbound/", inbound("See you then"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert b"<Response>" in response.content  # and the acknowledgement (tests/reminders/test_conversations.py)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/sms/inbound/", "/sms/status/"])
@pytest.mark.parametrize("signature", ["", "bm90IHRoZSByaWdodCBzaWduYXR1cmU="])
def test_a_request_with_a_bad_or_missing_signature_is_refused(webhook, patient, path, signature, book):
    with time_machine.travel(NOW, tick=False):
        book(FAR, patient=patient)

    response = webhook(path, inbound("STOP") | {"MessageStatus": "delivered"}, signature=signature)

    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.reminders_opt_out_at is None
    assert not Reminder.objects.exclude(delivery_status="").exists()


@pytest.mark.django_db
def test_a_signature_for_other_words_is_refused(webhook, patient):
    signed_for = webhook_signature("http://testserver/sms/inbound/", inbound("Thanks"), TOKEN)

    response = webhook("/sms/inbound/", inbound("STOP"), signature=signed_for)

    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.reminders_opt_out_at is None


@pytest.mark.django_db
def test_without_a_token_only_a_development_machine_takes_unsigned_webhooks(client, settings, patient):
    settings.SMS_HTTP_AUTH_TOKEN = ""
    settings.DEBUG = False
    assert client.post("/sms/inbound/", inbound("Hello")).status_code == 403

    settings.DEBUG = True
    assert client.post("/sms/inbound/", inbound("Hello")).status_code == 200


@pytest.mark.django_db
def test_webhooks_take_only_posts(client):
    assert client.get("/sms/inbound/").status_code == 405
    assert client.get("/sms/status/").status_code == 405


# Delivery reports


@pytest.fixture
def sent_texts(db, book):
    """Two sent texts with the provider's ids SM-A and SM-B."""
    with time_machine.travel(NOW, tick=False):
        texts = [
            book(FAR + timedelta(hours=h)).reminders.get(stage="booking_confirmation", channel="sms") for h in (0, 1)
        ]
    for text, sid in zip(texts, ("SM-A", "SM-B"), strict=True):
        Reminder.objects.filter(pk=text.pk).update(
            status=Reminder.Status.SENT, sent_at=NOW, provider_message_id=sid, body="Riverside Hospital: ..."
        )
    return texts


def test_a_delivery_report_updates_that_texts_delivery_status(webhook, sent_texts):
    response = webhook("/sms/status/", {"MessageSid": "SM-A", "MessageStatus": "delivered", "AccountSid": SID})

    assert response.status_code == 204
    first, second = (Reminder.objects.get(pk=t.pk) for t in sent_texts)
    assert (first.delivery_status, first.last_error, first.status) == ("delivered", "", Reminder.Status.SENT)
    assert second.delivery_status == ""


@pytest.mark.parametrize("status", ["undelivered", "failed"])
def test_an_undelivered_report_says_why_on_the_reminder(webhook, sent_texts, status):
    webhook("/sms/status/", {"MessageSid": "SM-B", "MessageStatus": status, "ErrorCode": "30003"})

    second = Reminder.objects.get(pk=sent_texts[1].pk)
    assert second.delivery_status == status
    assert second.last_error == f"The provider reports the text {status} (code 30003)."
    assert Reminder.objects.get(pk=sent_texts[0].pk).last_error == ""


def test_a_report_for_an_unknown_message_changes_nothing(webhook, sent_texts):
    response = webhook("/sms/status/", {"MessageSid": "SM-UNKNOWN", "MessageStatus": "delivered"})

    assert response.status_code == 204
    assert not Reminder.objects.exclude(delivery_status="").exists()


# Replies: STOP opts the patient out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reply",
    ["STOP", "Stop.", "stop", "stop texting me", "STOP TEXTING ME", "Please stop the messages", " Unsubscribe "],
)
def test_a_stop_reply_opts_the_patient_out_and_cancels_what_is_pending(webhook, patient, book, reply):
    with time_machine.travel(NOW, tick=False):
        appointment = book(FAR, patient=patient)
        other = book(FAR + timedelta(hours=1))

        response = webhook("/sms/inbound/", inbound(reply))

    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.reminders_opt_out_at == NOW
    assert not appointment.reminders.filter(status=Reminder.Status.PENDING).exists()
    assert set(appointment.reminders.values_list("last_error", flat=True)) == {"The patient opted out of reminders."}
    assert other.reminders.filter(status=Reminder.Status.PENDING).count() == 8  # someone else's are untouched


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reply",
    [
        "I can't stop worrying",
        "Yes I'll be there",
        "Can I stop my tablets before?",
        "I can't stop worrying about the text you sent",
    ],
)
def test_a_reply_that_is_not_an_opt_out_changes_nothing(webhook, patient, book, reply):
    with time_machine.travel(NOW, tick=False):
        appointment = book(FAR, patient=patient)

        webhook("/sms/inbound/", inbound(reply))

    patient.refresh_from_db()
    assert patient.reminders_opt_out_at is None
    assert appointment.reminders.filter(status=Reminder.Status.PENDING).count() == 8


@pytest.mark.django_db
def test_a_stop_from_a_number_no_patient_has_opts_nobody_out(webhook, patient):
    response = webhook("/sms/inbound/", inbound("STOP", sender="+447700900999"))

    assert response.status_code == 200
    assert not Patient.objects.filter(reminders_opt_out_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_stop_from_an_unreadable_number_is_answered_and_ignored(webhook, patient):
    response = webhook("/sms/inbound/", inbound("STOP", sender="not-a-number"))

    assert response.status_code == 200
    assert not Patient.objects.filter(reminders_opt_out_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_stop_from_a_number_we_text_but_the_phone_library_calls_invalid_still_opts_out(webhook, book, sms_outbox):
    """07700 900xxx is Ofcom's range for drama (the factories use it); metadata also lags new ranges. If we send
    texts to a number, STOP from it must work."""
    patient = PatientFactory(mobile="+447700900321")
    with time_machine.travel(NOW, tick=False):
        appointment = book(FAR, patient=patient)
        services.send_reminder(appointment.reminders.get(stage="booking_confirmation", channel="sms").pk)
        assert sms_outbox[0]["to"] == "+447700900321"

        webhook("/sms/inbound/", inbound("STOP", sender="+447700900321"))

    patient.refresh_from_db()
    assert patient.reminders_opt_out_at == NOW
    assert not appointment.reminders.filter(status=Reminder.Status.PENDING).exists()


# Malformed signatures and repeated posts


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/sms/inbound/", "/sms/status/"])
@pytest.mark.parametrize("signature", ["sïgnature", "✓✓✓", "é" * 28], ids=["latin-1", "symbols", "same-length"])
def test_a_non_ascii_signature_is_refused_with_403(webhook, patient, path, signature):
    response = webhook(path, inbound("STOP") | {"MessageStatus": "delivered"}, signature=signature)

    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.reminders_opt_out_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/sms/inbound/", "/sms/status/"])
def test_a_missing_signature_header_is_refused_with_403(client, settings, patient, path):
    settings.SMS_HTTP_AUTH_TOKEN = TOKEN
    settings.DEBUG = False

    assert client.post(path, inbound("STOP")).status_code == 403
    patient.refresh_from_db()
    assert patient.reminders_opt_out_at is None


def test_a_delivery_report_posted_twice_is_recorded_once(webhook, sent_texts):
    report = {"MessageSid": "SM-B", "MessageStatus": "undelivered", "ErrorCode": "30003", "AccountSid": SID}
    assert webhook("/sms/status/", report).status_code == 204

    assert services.record_delivery_report(provider_message_id="SM-B", status="undelivered", error_code="30003") == 0
    assert webhook("/sms/status/", report).status_code == 204
    assert webhook("/sms/status/", report | {"ErrorCode": "30008"}).status_code == 204  # a retry, reworded

    again = Reminder.objects.get(pk=sent_texts[1].pk)
    assert (again.delivery_status, again.last_error) == (
        "undelivered",
        "The provider reports the text undelivered (code 30003).",
    )


def test_a_late_report_of_an_earlier_step_does_not_undo_the_final_one(webhook, sent_texts):
    webhook("/sms/status/", {"MessageSid": "SM-A", "MessageStatus": "delivered"})
    webhook("/sms/status/", {"MessageSid": "SM-A", "MessageStatus": "sent"})  # crossed in the post

    assert Reminder.objects.get(pk=sent_texts[0].pk).delivery_status == "delivered"
    webhook("/sms/status/", {"MessageSid": "SM-B", "MessageStatus": "sent"})
    webhook("/sms/status/", {"MessageSid": "SM-B", "MessageStatus": "failed", "ErrorCode": "30005"})
    assert Reminder.objects.get(pk=sent_texts[1].pk).delivery_status == "failed"


@pytest.mark.django_db
def test_a_stop_reply_posted_twice_opts_out_once_and_keeps_the_first_time(webhook, patient, book):
    with time_machine.travel(NOW, tick=False):
        appointment = book(FAR, patient=patient)
        assert webhook("/sms/inbound/", inbound("STOP")).status_code == 200
    closed = set(appointment.reminders.values_list("pk", "status", "last_error"))

    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        assert services.opt_out_by_number("+447911123456") == 0
        assert webhook("/sms/inbound/", inbound("STOP")).status_code == 200

    patient.refresh_from_db()
    assert patient.reminders_opt_out_at == NOW
    assert set(appointment.reminders.values_list("pk", "status", "last_error")) == closed


@pytest.mark.django_db
@pytest.mark.parametrize("provider", [True, False], ids=["keep-alive", "closing"], indirect=True)
def test_a_batch_of_texts_shares_one_connection_where_the_provider_keeps_it_open(
    provider, book, frozen_now, django_capture_on_commit_callbacks
):
    appointments = [book(FAR + timedelta(hours=h), patient=PatientFactory(channels=["sms"])) for h in range(4)]
    texts = [a.reminders.get(stage="booking_confirmation", channel="sms") for a in appointments]
    claimed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch_due(queue=claimed.extend)

    assert services.send_batch(claimed) == 4

    assert {r.status for r in Reminder.objects.filter(pk__in=[t.pk for t in texts])} == {Reminder.Status.SENT}
    connections = {request["client"] for request in provider.requests}
    assert len(provider.requests) == 4
    assert len(connections) == (1 if provider.server.RequestHandlerClass.protocol_version == "HTTP/1.1" else 4)


@pytest.mark.parametrize("provider", [True], ids=["keep-alive"], indirect=True)
def test_a_text_sent_on_its_own_closes_its_connection(provider, monkeypatch):
    closed = []
    real_close = HTTPSMSBackend.close

    def spied_close(backend):
        closed.append(backend._connection is not None)
        real_close(backend)

    monkeypatch.setattr(HTTPSMSBackend, "close", spied_close)
    reminder = SimpleNamespace(pk=42)

    assert SmsChannel().deliver(reminder, Message(subject="", text="Riverside Hospital: see you"), "+447700900123")

    assert closed == [True], "the open connection was closed once the text had gone"
    assert len(provider.requests) == 1


@pytest.mark.parametrize("field", ["MessageSid", "MessageStatus", "ErrorCode", "AccountSid", "Extra\x00Name"])
def test_a_signed_delivery_report_with_a_nul_anywhere_is_refused_and_changes_nothing(webhook, sent_texts, field):
    report = {"MessageSid": "SM-A", "MessageStatus": "undelivered", "ErrorCode": "30003", "AccountSid": SID}
    report[field] = report.get(field, "x") + "\x00"

    response = webhook("/sms/status/", report)

    assert response.status_code == 400
    assert not Reminder.objects.exclude(delivery_status="").exists()


@pytest.mark.parametrize("field", ["MessageSid", "From", "To", "Body", "AccountSid"])
def test_a_signed_stop_or_reply_with_a_nul_anywhere_is_refused_and_changes_nothing(webhook, patient, field):
    for body in ("STOP", "START", "Can I bring my sister?"):
        text = inbound(body)
        text[field] = text[field][:3] + "\x00" + text[field][3:]

        response = webhook("/sms/inbound/", text)

        assert response.status_code == 400, (body, field)
    patient.refresh_from_db()
    assert patient.sms_stopped_at is None and patient.reminders_opt_out_at is None
    assert not InboundText.objects.exists()


def test_a_stop_replayed_after_a_start_stops_nobody_again(webhook, patient):
    """She texts STOP, then START; someone posts her signed STOP again (the same MessageSid): her texts keep going."""
    stop = inbound("STOP") | {"MessageSid": "SM-STOP-1"}
    assert webhook("/sms/inbound/", stop).status_code == 200
    patient.refresh_from_db()
    assert patient.sms_stopped_at is not None
    assert webhook("/sms/inbound/", inbound("START") | {"MessageSid": "SM-START-1"}).status_code == 200

    assert webhook("/sms/inbound/", stop).status_code == 200

    patient.refresh_from_db()
    assert patient.sms_stopped_at is None
    kept = InboundText.objects.order_by("pk").values_list("provider_message_id", "outcome")
    assert list(kept) == [("SM-STOP-1", "stopped"), ("SM-START-1", "started")]
    assert webhook("/sms/inbound/", inbound("STOP") | {"MessageSid": "SM-STOP-2"}).status_code == 200
    patient.refresh_from_db()
    assert patient.sms_stopped_at is not None  # a new STOP still stops
