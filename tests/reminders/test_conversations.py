"""Two-way texts (issue 18, point 7): a reply other than STOP/START, posted by the provider with its signature, is
matched to the appointment the last text was about; YES confirms it, MOVE asks staff to move it, anything else
reaches staff on /requests/ in the patient's words; each gets one acknowledgement, once per MessageSid."""

import re
from html import unescape

import pytest

from procedures.models import Appointment, PatientRequest
from procedures.services import cancel_appointment
from reminders import services
from reminders.channels import Draft, channel_for
from reminders.channels.sms import all_forbidden_words, gsm7_length
from reminders.models import InboundText, Reminder
from reminders.providers.http_sms import webhook_signature
from tests.clinic import FAR
from tests.factories import PatientFactory

pytestmark = pytest.mark.usefixtures("frozen_now")

TOKEN = "auth-token-for-conversations"
MOBILE = "+447911123456"


@pytest.fixture
def webhook(client, settings):
    """webhook(body, sid=..., sender=...) posts a reply as the provider does, signed; returns the response."""
    settings.SMS_HTTP_AUTH_TOKEN = TOKEN
    settings.DEBUG = False

    def _post(body, sid="SM100", sender=MOBILE):
        params = {"MessageSid": sid, "AccountSid": "AC1", "From": sender, "To": "+447700900000", "Body": body}
        signature = webhook_signature("http://testserver/sms/inbound/", params, TOKEN)
        return client.post("/sms/inbound/", params, HTTP_X_TWILIO_SIGNATURE=signature)

    return _post


@pytest.fixture
def texted(book, sms_outbox, settings):
    """An appointment on FAR whose booking confirmation went by text to MOBILE: the conversation is about it."""
    settings.SMS_QUIET_HOURS = ""
    appointment = book(FAR, patient=PatientFactory(mobile=MOBILE))
    text = appointment.reminders.get(stage="booking_confirmation", channel="sms")
    services.send_reminder(text.pk)
    assert Reminder.objects.get(pk=text.pk).status == Reminder.Status.SENT
    return appointment


def answer(response) -> str:
    """The acknowledgement in the TwiML answer ("" for none)."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    found = re.search(r"<Message>(.*)</Message>", response.content.decode())
    return unescape(found.group(1)) if found else ""


def assert_short_and_private(text):
    assert gsm7_length(text) is not None and gsm7_length(text) <= 160, text
    for word in all_forbidden_words():
        assert word not in text.lower()


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["YES", "yes", "Y", "c.", " Confirm! "])
def test_yes_confirms_the_appointment_the_last_text_was_about_and_says_so(webhook, texted, body):
    reply = answer(webhook(body))

    texted.refresh_from_db()
    assert texted.status == Appointment.Status.CONFIRMED
    assert "confirmed" in reply and "24 Jun" in reply
    assert_short_and_private(reply)
    assert InboundText.objects.get().outcome == InboundText.Outcome.CONFIRMED


@pytest.mark.django_db
def test_yes_confirms_the_appointment_of_the_latest_text_not_another_booking(webhook, texted, book, sms_outbox):
    later = book(FAR.replace(day=27), patient=texted.patient)
    services.send_reminder(later.reminders.get(stage="booking_confirmation", channel="sms").pk)

    answer(webhook("YES"))

    texted.refresh_from_db()
    later.refresh_from_db()
    assert (texted.status, later.status) == (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED)


@pytest.mark.django_db
def test_move_asks_staff_to_move_it_and_shows_on_the_requests_page(webhook, texted, as_scheduler):
    reply = answer(webhook("Move"))

    request = PatientRequest.objects.get(appointment=texted)
    assert (request.kind, request.status) == (PatientRequest.Kind.RESCHEDULE, PatientRequest.Status.OPEN)
    assert "we will be in touch within two working days to find you a new time" in reply  # how soon, not "soon"
    assert_short_and_private(reply)
    texted.refresh_from_db()
    assert texted.status == Appointment.Status.BOOKED
    page = as_scheduler.get("/requests/").content.decode()
    assert f"request-{request.pk}" in page and "Change the date or time" in page


@pytest.mark.django_db
def test_free_text_reaches_staff_in_the_patients_words_escaped(webhook, texted, as_scheduler):
    words = "Can't make it <b>Monday</b>, what time again?"

    reply = answer(webhook(words))

    message = PatientRequest.objects.get(appointment=texted)
    assert (message.kind, message.message) == (PatientRequest.Kind.MESSAGE, words)
    assert "passed to our team" in reply
    assert_short_and_private(reply)
    page = as_scheduler.get("/requests/").content.decode()
    assert "Can&#x27;t make it &lt;b&gt;Monday&lt;/b&gt;, what time again?" in page
    assert "<b>Monday</b>" not in page
    assert texted.patient.full_name in page


@pytest.mark.django_db
def test_a_message_does_not_block_a_later_move_request_and_both_wait(webhook, texted):
    answer(webhook("Running late", sid="SM1"))
    answer(webhook("CHANGE", sid="SM2"))
    answer(webhook("thanks", sid="SM3"))

    kinds = sorted(PatientRequest.objects.awaiting_staff().filter(appointment=texted).values_list("kind", flat=True))
    assert kinds == ["message", "message", "reschedule"]


@pytest.mark.django_db
def test_a_replayed_webhook_acts_once_and_answers_once(webhook, texted):
    first = answer(webhook("What should I wear?", sid="SMreplay"))
    again = answer(webhook("What should I wear?", sid="SMreplay"))

    assert first and again == ""
    assert PatientRequest.objects.filter(appointment=texted).count() == 1
    assert InboundText.objects.count() == 1


@pytest.mark.django_db
def test_a_replayed_yes_confirms_once_and_acknowledges_once(webhook, texted):
    assert answer(webhook("YES", sid="SMyes"))
    assert answer(webhook("YES", sid="SMyes")) == ""
    texted.refresh_from_db()
    assert texted.status == Appointment.Status.CONFIRMED


@pytest.mark.django_db
def test_a_number_we_do_not_know_is_asked_to_call(webhook, texted, settings):
    reply = answer(webhook("YES", sender="+447911999999"))

    assert "could not match this number" in reply and settings.CLINIC_PHONE in reply
    assert_short_and_private(reply)
    texted.refresh_from_db()
    assert texted.status == Appointment.Status.BOOKED
    assert not PatientRequest.objects.exists()
    assert InboundText.objects.get().outcome == InboundText.Outcome.UNMATCHED


@pytest.mark.django_db
def test_stop_and_start_are_not_conversations(webhook, texted):
    assert answer(webhook("STOP", sid="SMstop")) == ""
    stop = InboundText.objects.get()  # kept by its id only, so a replay does nothing
    assert (stop.provider_message_id, stop.outcome, stop.appointment, stop.reply) == ("SMstop", "stopped", None, "")
    assert not PatientRequest.objects.exists()


@pytest.mark.django_db
def test_yes_for_an_appointment_that_cannot_be_confirmed_reaches_staff_instead(webhook, texted):
    cancel_appointment(texted, reason="Clinic closed")

    reply = answer(webhook("YES"))

    assert "passed to our team" in reply
    assert PatientRequest.objects.get().kind == PatientRequest.Kind.MESSAGE


@pytest.mark.django_db
def test_the_text_that_asks_for_confirmation_says_reply_yes(texted):
    text = channel_for("sms").compose(Draft(texted, "two_days_before", texted.scheduled_start, ("two_days_before",)))
    assert "Reply YES to confirm" in text.text
    assert_short_and_private(text.text)


@pytest.mark.django_db
def test_an_unmatched_numbers_text_can_be_read_in_the_admin(webhook, client, superuser):
    answer(webhook("Who is this?", sender="+447911999999"))

    client.force_login(superuser)
    page = client.get("/admin/reminders/inboundtext/").content.decode()
    assert "Who is this?" in page and "+447911999999" in page
    inbound = InboundText.objects.get()
    assert client.get(f"/admin/reminders/inboundtext/{inbound.pk}/change/").status_code == 200
