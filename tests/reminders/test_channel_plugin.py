"""A channel is a plug-in: a class named in settings.REMINDER_CHANNELS, and nothing else in the code changes.

The channel here exists only in this test: an app notification that "delivers" by appending to a list, reaching the
patients who have the clinic's app (a list of MRNs here too). Booking, dispatch, sending, recording, the patient's
reachability, consent, the admin's preview and the staff pages all learn of it through the registry alone.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from procedures.models import Patient
from procedures.services import cancel_appointment, reschedule_appointment
from reminders import services
from reminders.channels import Draft, Message, ReminderChannel, SendError, channel_choices, channels
from reminders.models import Reminder, ReminderRule
from reminders.stages import Stage
from reminders.wording import draft_context
from tests.clinic import FAR
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

APP = "tests.reminders.test_channel_plugin.AppNotificationChannel"
DEFAULTS = [
    "reminders.channels.email.EmailChannel",
    "reminders.channels.sms.SmsChannel",
    "reminders.channels.letter.LetterChannel",
]
# What the "app" delivered, and who has it installed.
DELIVERED: list[dict] = []
HAS_THE_APP: set[str] = set()


class AppNotificationChannel(ReminderChannel):
    slug = "app"
    label = "App notification"
    missing = "app installed"

    def why_not(self, patient: Patient) -> str:
        return "" if patient.mrn in HAS_THE_APP else "The patient does not have the app."

    def address(self, patient: Patient) -> str:
        return f"device:{patient.mrn}"

    def compose(self, draft: Draft) -> Message:
        ctx = draft_context(draft, with_faq=False)
        return Message(subject="", text=f"{ctx['stage']}: {ctx['short_date']} {ctx['time']} {ctx['link']}")

    def deliver(self, reminder: Reminder, message: Message, to: str) -> str:
        if to == "device:REFUSED":
            raise SendError("The app service does not know this device.", permanent=True)
        DELIVERED.append({"to": to, "text": message.text, "reminder": reminder.pk})
        return f"app-{len(DELIVERED)}"


@pytest.fixture
def app_channel(settings):
    settings.REMINDER_CHANNELS = [*DEFAULTS, APP]
    DELIVERED.clear()
    HAS_THE_APP.clear()
    # The clinic ticks the new channel on its rules in the admin: data, not code.
    for rule in ReminderRule.objects.filter(procedure_type__code="DUCTOGRAM"):
        rule.channels = [*rule.channels, "app"]
        rule.full_clean()
        rule.save()
    yield
    DELIVERED.clear()
    HAS_THE_APP.clear()


def app_user(**fields) -> Patient:
    patient = PatientFactory(channels=["email", "sms", "app"], **fields)
    HAS_THE_APP.add(patient.mrn)
    return patient


def test_the_registry_is_read_from_settings(app_channel, settings):
    assert list(channels()) == ["email", "sms", "letter", "app"]
    assert ("app", "App notification") in channel_choices()
    settings.REMINDER_CHANNELS = DEFAULTS
    assert list(channels()) == ["email", "sms", "letter"]


def test_a_booking_makes_sends_and_records_the_new_channels_reminders(
    app_channel, book, sms_outbox, mailoutbox, django_capture_on_commit_callbacks
):
    patient = app_user()
    appointment = book(FAR, patient=patient)

    assert patient.reminder_channels() == {"email", "sms", "app"}
    app_rows = appointment.reminders.filter(channel="app")
    assert set(app_rows.values_list("stage", flat=True)) == {
        Stage.BOOKING_CONFIRMATION,
        Stage.WEEK_BEFORE,
        Stage.PREPARATION_STARTS,
        Stage.TWO_DAYS_BEFORE,
        Stage.DAY_BEFORE,
    }

    confirmation = app_rows.get(stage=Stage.BOOKING_CONFIRMATION)
    services.send_reminder(confirmation.pk)
    confirmation.refresh_from_db()
    assert confirmation.status == Reminder.Status.SENT
    assert confirmation.recipient == f"device:{patient.mrn}"
    assert confirmation.provider_message_id == "app-1"
    assert confirmation.body == DELIVERED[0]["text"] and confirmation.body.startswith("booking_confirmation: ")
    assert confirmation.get_channel_display() == "App notification"

    # The timed stages go through dispatch and a batch, like any channel's.
    week = app_rows.get(stage=Stage.WEEK_BEFORE)
    queued: list[list[int]] = []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.dispatch_due(now=week.send_at + timedelta(seconds=1), queue=queued.append) >= 1
    batch = [pk for ids in queued for pk in ids if Reminder.objects.get(pk=pk).channel == "app"]
    assert batch == [week.pk]
    services.send_batch(batch, now=week.send_at + timedelta(seconds=1))
    week.refresh_from_db()
    assert week.status == Reminder.Status.SENT and len(DELIVERED) == 2


def test_a_patient_without_the_app_gets_no_app_rows_and_staff_are_told_why(app_channel, book):
    patient = PatientFactory(channels=["email", "sms", "app"])
    appointment = book(FAR, patient=patient)

    assert "app" not in patient.reminder_channels()
    assert not appointment.reminders.filter(channel="app").exists()
    assert patient.why_unreachable("app") == "The patient does not have the app."


def test_a_move_and_a_cancellation_reach_the_new_channel_too(app_channel, book):
    appointment = book(FAR, patient=app_user())
    services.send_reminder(appointment.reminders.get(channel="app", stage=Stage.BOOKING_CONFIRMATION).pk)
    reschedule_appointment(appointment, new_start=FAR + timedelta(days=7))
    assert appointment.reminders.filter(channel="app", stage=Stage.RESCHEDULED).exists()
    cancel_appointment(appointment, reason="Patient asked", reason_code="patient_request")
    assert appointment.reminders.filter(channel="app", stage=Stage.CANCELLATION).exists()
    assert not appointment.reminders.filter(channel="app", status=Reminder.Status.PENDING).exclude(
        stage=Stage.CANCELLATION
    )


def test_a_permanent_refusal_by_the_new_channel_fails_the_row_at_once(app_channel, book):
    patient = app_user(mrn="REFUSED")
    appointment = book(FAR, patient=patient)
    confirmation = appointment.reminders.get(channel="app", stage=Stage.BOOKING_CONFIRMATION)

    services.send_reminder(confirmation.pk)

    confirmation.refresh_from_db()
    assert confirmation.status == Reminder.Status.FAILED
    assert confirmation.close_reason == Reminder.CloseReason.REFUSED
    assert confirmation.last_error == "The app service does not know this device."


def test_consent_and_rules_accept_only_registered_channels(app_channel, settings):
    patient = PatientFactory(channels=["email", "app"])
    patient.clean_fields(exclude=["mobile", "phone"])
    settings.REMINDER_CHANNELS = DEFAULTS
    with pytest.raises(ValidationError, match="app is not a reminder channel"):
        patient.clean_fields(exclude=["mobile", "phone"])
    rule = ReminderRule.objects.get(procedure_type__code="DUCTOGRAM", stage=Stage.BOOKING_CONFIRMATION)
    rule.channels = ["email", "pigeon"]
    with pytest.raises(ValidationError, match="pigeon is not a reminder channel"):
        rule.full_clean()


def test_staff_see_and_choose_the_new_channel_without_a_template_changed(app_channel, as_scheduler, book, superuser):
    patient = app_user()
    appointment = book(FAR, patient=patient)

    page = as_scheduler.get(reverse("procedures:appointment", args=[appointment.pk])).content.decode()
    assert "Email, SMS and App notification" in page
    page = as_scheduler.get(reverse("procedures:patient", args=[patient.pk])).content.decode()
    assert 'value="app"' in page  # the consent checkboxes come from the registry

    as_scheduler.force_login(superuser)
    preview = as_scheduler.get(reverse("admin:reminders_reminder_preview", args=[appointment.pk])).content.decode()
    assert "Booking confirmation · App notification" in preview


def test_rows_of_a_channel_the_clinic_dropped_are_closed_not_a_traceback(
    app_channel, book, settings, django_capture_on_commit_callbacks
):
    appointment = book(FAR, patient=app_user())
    settings.REMINDER_CHANNELS = DEFAULTS  # the clinic stops the app channel; its rows are still in the outbox

    moved = reschedule_appointment(appointment, new_start=FAR + timedelta(days=7))  # no error for the booking
    week = moved.reminders.get(channel="app", stage=Stage.WEEK_BEFORE)
    queued: list[list[int]] = []
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch_due(now=week.send_at + timedelta(seconds=1), queue=queued.append)
    services.send_batch([pk for ids in queued for pk in ids], now=week.send_at + timedelta(seconds=1))

    week.refresh_from_db()
    assert week.status == Reminder.Status.CANCELLED
    assert week.close_reason == Reminder.CloseReason.UNREACHABLE
    assert DELIVERED == []
