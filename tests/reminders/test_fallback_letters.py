"""The fallback chain with the real letter channel (reminders.channels.letter): a text that did not arrive goes as
email, and when that bounces too, as a letter staff print from /letters/ (issue 18, point 4)."""

from datetime import timedelta

import pytest

from reminders import services
from reminders.models import Reminder
from tests.clinic import FAR
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

CONF = "booking_confirmation"
ADDRESS = {"address_line1": "Flat 3, 14 Riverside Court", "town": "London", "postcode": "SE1 7EH"}


@pytest.fixture
def texted(book, sms_outbox, settings):
    """A patient who agreed to texts only, with an email and an address on file: no letter while texts reach."""
    settings.SMS_QUIET_HOURS = ""
    appointment = book(FAR, patient=PatientFactory(channels=["sms"], **ADDRESS))
    assert not appointment.reminders.filter(channel="letter").exists()
    text = appointment.reminders.get(stage=CONF, channel="sms")
    services.send_reminder(text.pk)
    text.refresh_from_db()
    return text


def bounce(email: Reminder) -> None:
    services.send_reminder(email.pk)
    email.refresh_from_db()
    services.record_email_event(provider_message_id=email.provider_message_id, event_type="bounced")


def test_a_failed_text_goes_as_email_then_the_bounced_email_as_a_letter_on_the_letters_page(texted, as_scheduler):
    services.record_delivery_report(provider_message_id=texted.provider_message_id, status="undelivered")
    email = Reminder.objects.get(fallback_of=texted)
    assert email.channel == "email"

    bounce(email)

    letter = Reminder.objects.get(fallback_of=email)
    assert (letter.channel, letter.status, letter.stage) == ("letter", Reminder.Status.PENDING, CONF)
    page = as_scheduler.get("/letters/").content.decode()
    assert texted.appointment.patient.full_name in page
    timeline = as_scheduler.get(f"/appointments/{texted.appointment_id}/").content.decode()
    assert "Sent again by letter after the email bounced." in timeline


def test_a_letter_that_would_arrive_after_the_appointment_is_not_sent_the_patient_is_called(
    texted, frozen_now, client, scheduler
):
    frozen_now.move_to(FAR - timedelta(days=1))
    services.record_delivery_report(provider_message_id=texted.provider_message_id, status="undelivered")
    email = Reminder.objects.get(fallback_of=texted)

    bounce(email)

    email.refresh_from_db()
    assert email.fallback == Reminder.Fallback.CALL
    assert not Reminder.objects.filter(fallback_of=email).exists()
    client.force_login(scheduler)  # after the clock moved: a session from before it has expired
    assert "nothing else reaches the patient" in client.get("/calls/").content.decode()
