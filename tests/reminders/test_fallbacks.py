"""Fallbacks (issue 18, point 4): a text the provider reports undelivered or failed, or an email that bounced, goes
again by the next channel that reaches the patient (text -> email -> letter), else the patient lands on the call
list with the reason; once per row, never for an appointment passed, moved or cancelled (a cancellation notice
still falls back); every step on the rows and on the appointment's reminder timeline."""

import pytest

from procedures.models import Patient
from procedures.services import cancel_appointment
from reminders import services
from reminders.channels import Draft, Message, ReminderChannel, channels
from reminders.models import Reminder
from reminders.providers.http_sms import webhook_signature
from reminders.wording import draft_context
from tests.clinic import FAR
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

TOKEN = "auth-token-for-fallbacks"
CONF = "booking_confirmation"
DEFAULTS = ["reminders.channels.email.EmailChannel", "reminders.channels.sms.SmsChannel"]
LETTER = "tests.reminders.test_fallbacks.StandInLetterChannel"
POSTED: list[int] = []
HAS_ADDRESS: set[str] = set()


class StandInLetterChannel(ReminderChannel):
    """A stand-in `letter` channel, so the chain is shown to follow the registry, whatever class has the slug (the
    real one: test_fallback_letters.py). As that one, it reaches patients with an address on file (MRNs in
    HAS_ADDRESS) whom nothing else reaches, and "posts" by noting the row."""

    slug = "letter"
    label = "Letter"
    missing = "postal address"

    def why_not(self, patient: Patient) -> str:
        if patient.mrn not in HAS_ADDRESS:
            return "The patient has no postal address."
        if any(channel.reaches(patient) for slug, channel in channels().items() if slug != self.slug):
            return "Something else reaches the patient."
        return ""

    def address(self, patient: Patient) -> str:
        return f"post:{patient.mrn}"

    def compose(self, draft: Draft) -> Message:
        ctx = draft_context(draft, with_faq=False)
        return Message(subject="Your appointment", text=f"{ctx['short_date']} {ctx['time']} {ctx['link']}")

    def deliver(self, reminder: Reminder, message: Message, to: str) -> str:
        POSTED.append(reminder.pk)
        return f"letter-{reminder.pk}"


@pytest.fixture
def letters(settings):
    settings.REMINDER_CHANNELS = [*DEFAULTS, LETTER]
    POSTED.clear()
    HAS_ADDRESS.clear()
    yield
    POSTED.clear()
    HAS_ADDRESS.clear()


@pytest.fixture
def status_webhook(client, settings):
    """status_webhook(sid, status): the SMS provider's signed delivery report."""
    settings.SMS_HTTP_AUTH_TOKEN = TOKEN
    settings.DEBUG = False

    def _post(sid, status, error_code="30003"):
        params = {"MessageSid": sid, "MessageStatus": status, "ErrorCode": error_code, "AccountSid": "AC1"}
        signature = webhook_signature("http://testserver/sms/status/", params, TOKEN)
        response = client.post("/sms/status/", params, HTTP_X_TWILIO_SIGNATURE=signature)
        assert response.status_code == 204
        return response

    return _post


@pytest.fixture
def text_only(book, sms_outbox, settings, queued):
    """A patient who agreed to texts only (but has an email on file), booked on FAR; the confirmation text sent."""
    settings.SMS_QUIET_HOURS = ""
    appointment = book(FAR, patient=PatientFactory(channels=["sms"]))
    text = appointment.reminders.get(stage=CONF, channel="sms")
    services.send_reminder(text.pk)
    text.refresh_from_db()
    assert text.status == Reminder.Status.SENT and not appointment.reminders.filter(channel="email").exists()
    return text


def test_an_undelivered_text_goes_again_by_email_and_the_timeline_says_so(
    text_only, status_webhook, queued, mailoutbox, as_scheduler, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        status_webhook(text_only.provider_message_id, "undelivered")

    text_only.refresh_from_db()
    again = Reminder.objects.get(fallback_of=text_only)
    assert (text_only.fallback, text_only.delivery_status) == (Reminder.Fallback.SENT_AGAIN, "undelivered")
    assert text_only.undelivered_at is not None
    assert (again.channel, again.stage, again.for_start) == ("email", CONF, FAR)
    assert queued == [again.pk]  # it goes at once
    services.send_reminder(again.pk)
    again.refresh_from_db()
    assert again.status == Reminder.Status.SENT
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [text_only.appointment.patient.email]
    page = as_scheduler.get(f"/appointments/{text_only.appointment_id}/").content.decode()
    assert "Sent again by email after the text was undelivered." in page


def test_a_text_reported_failed_then_undelivered_falls_back_once(text_only, status_webhook):
    status_webhook(text_only.provider_message_id, "failed")
    status_webhook(text_only.provider_message_id, "failed")  # posted again
    status_webhook(text_only.provider_message_id, "undelivered")  # another final word

    assert Reminder.objects.filter(fallback_of=text_only).count() == 1
    assert services.delivery_failed(text_only, reason="again") == ""
    assert Reminder.objects.filter(fallback_of=text_only).count() == 1


def test_a_bounced_fallback_email_goes_on_as_a_letter_when_the_patient_has_an_address(
    letters, text_only, status_webhook, queued
):
    HAS_ADDRESS.add(text_only.appointment.patient.mrn)
    status_webhook(text_only.provider_message_id, "undelivered")
    email = Reminder.objects.get(fallback_of=text_only)
    services.send_reminder(email.pk)
    email.refresh_from_db()

    services.record_email_event(provider_message_id=email.provider_message_id, event_type="bounced")

    letter = Reminder.objects.get(fallback_of=email)
    assert letter.channel == "letter"
    services.send_reminder(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Reminder.Status.SENT and POSTED == [letter.pk]


def test_then_with_no_letter_the_patient_lands_on_the_call_list_with_the_reason(
    text_only, status_webhook, as_scheduler
):
    status_webhook(text_only.provider_message_id, "undelivered")
    email = Reminder.objects.get(fallback_of=text_only)
    services.send_reminder(email.pk)
    email.refresh_from_db()

    services.record_email_event(provider_message_id=email.provider_message_id, event_type="bounced")

    email.refresh_from_db()
    assert email.fallback == Reminder.Fallback.CALL
    assert not Reminder.objects.filter(fallback_of=email).exists()
    calls = as_scheduler.get("/calls/").content.decode()
    assert text_only.appointment.patient.full_name in calls
    assert "nothing else reaches the patient" in calls
    assert "The email bounced" in calls
    page = as_scheduler.get(f"/appointments/{email.appointment_id}/").content.decode()
    assert "nothing else reaches the patient: they are on the call list" in page


def test_a_call_logged_since_takes_the_patient_off_the_call_list(text_only, status_webhook, as_scheduler):
    Patient.objects.filter(pk=text_only.appointment.patient_id).update(email="")
    status_webhook(text_only.provider_message_id, "undelivered")
    assert "nothing else reaches the patient" in as_scheduler.get("/calls/").content.decode()

    as_scheduler.post(f"/appointments/{text_only.appointment_id}/calls/", {"note": "Told her the time"})

    calls = as_scheduler.get("/calls/").content.decode()
    assert "nothing else reaches the patient" not in calls and 'id="no-calls"' in calls


def test_a_text_only_patient_with_no_email_goes_straight_to_the_call_list(text_only, status_webhook):
    Patient.objects.filter(pk=text_only.appointment.patient_id).update(email="")

    status_webhook(text_only.provider_message_id, "undelivered")

    text_only.refresh_from_db()
    assert text_only.fallback == Reminder.Fallback.CALL
    assert not Reminder.objects.filter(fallback_of=text_only).exists()


def test_a_bounced_email_falls_back_to_the_letter(letters, book, queued):
    appointment = book(FAR, patient=PatientFactory(channels=["email"], mobile=""))
    HAS_ADDRESS.add(appointment.patient.mrn)
    email = appointment.reminders.get(stage=CONF, channel="email")
    services.send_reminder(email.pk)
    email.refresh_from_db()

    services.record_email_event(provider_message_id=email.provider_message_id, event_type="bounced")

    assert Reminder.objects.get(fallback_of=email).channel == "letter"


def test_nothing_is_sent_again_when_another_channel_already_carries_the_message(book, sms_outbox, settings):
    settings.SMS_QUIET_HOURS = ""
    appointment = book(FAR)  # email and texts
    text = appointment.reminders.get(stage=CONF, channel="sms")
    services.send_reminder(text.pk)
    text.refresh_from_db()

    services.record_delivery_report(provider_message_id=text.provider_message_id, status="undelivered")

    text.refresh_from_db()
    assert text.fallback == Reminder.Fallback.COVERED
    assert appointment.reminders.filter(channel="email", stage=CONF).count() == 1


def test_no_fallback_for_an_appointment_cancelled_since_but_the_cancellation_notice_falls_back(
    text_only, sms_outbox, as_scheduler
):
    Patient.objects.filter(pk=text_only.appointment.patient_id).update(email="")
    appointment = cancel_appointment(text_only.appointment, reason="Clinic closed")
    notice = appointment.reminders.get(stage="cancellation", channel="sms")
    services.send_reminder(notice.pk)
    notice.refresh_from_db()
    assert notice.status == Reminder.Status.SENT

    services.record_delivery_report(provider_message_id=text_only.provider_message_id, status="undelivered")
    services.record_delivery_report(provider_message_id=notice.provider_message_id, status="undelivered")

    text_only.refresh_from_db()
    notice.refresh_from_db()
    assert text_only.fallback == Reminder.Fallback.NOT_NEEDED
    assert not Reminder.objects.filter(fallback_of=text_only).exists()
    # Nothing else reaches her: staff phone to say it is cancelled, though the appointment is no longer upcoming.
    assert notice.fallback == Reminder.Fallback.CALL
    assert appointment.patient.full_name in as_scheduler.get("/calls/").content.decode()


def test_a_cancellation_notice_falls_back_to_a_letter(letters, text_only, queued):
    Patient.objects.filter(pk=text_only.appointment.patient_id).update(email="")
    HAS_ADDRESS.add(text_only.appointment.patient.mrn)
    appointment = cancel_appointment(text_only.appointment, reason="Clinic closed")
    notice = appointment.reminders.get(stage="cancellation", channel="sms")
    services.send_reminder(notice.pk)
    notice.refresh_from_db()
    assert not appointment.reminders.filter(stage="cancellation", channel="letter").exists()

    services.record_delivery_report(provider_message_id=notice.provider_message_id, status="failed")

    letter = Reminder.objects.get(fallback_of=notice)
    assert letter.channel == "letter"
    services.send_reminder(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Reminder.Status.SENT


def test_no_fallback_once_the_appointment_has_passed(text_only, frozen_now):
    frozen_now.move_to(FAR)

    services.record_delivery_report(provider_message_id=text_only.provider_message_id, status="undelivered")

    text_only.refresh_from_db()
    assert text_only.fallback == Reminder.Fallback.NOT_NEEDED
    assert not Reminder.objects.filter(fallback_of=text_only).exists()
