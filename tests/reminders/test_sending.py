"""Sending: each reminder goes once, at its time, never late, never for a cancelled or moved appointment; failures
are retried with backoff and then given up; dispatch claims due rows and reclaims the ones a dead worker left.

"Now" is frozen at Wednesday 5 June 2030, 12:00 in London (BST) unless a test travels. Emails go to Django's locmem
outbox, texts to LocMemSMSBackend.outbox; the failing providers below stand in for the outside world.
"""

import smtplib
import threading
from datetime import date, timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from procedures.models import Appointment, Patient
from procedures.services import cancel_appointment, confirm_attendance, reschedule_appointment
from reminders import queueing, services
from reminders.channels import PermanentSendError, TransientSendError
from reminders.channels.email import EmailChannel
from reminders.models import Reminder
from reminders.providers.sms import BaseSMSBackend
from reminders.stages import Stage
from tests.clinic import FAR, NOW, at
from tests.factories import AppointmentFactory, PatientFactory, next_clinic_day, reminder_rule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

ELSEWHEN = at(date(2030, 7, 4), "14:00")

CONF, WEEK, TWO_DAYS, DAY = Stage.BOOKING_CONFIRMATION, Stage.WEEK_BEFORE, Stage.TWO_DAYS_BEFORE, Stage.DAY_BEFORE
OPEN = (Reminder.Status.PENDING, Reminder.Status.SENDING)


# The outside world, failing in the ways it does


class BusySMSProvider(BaseSMSBackend):
    """A provider that answers 503 every time."""

    calls: list[str] = []

    def send(self, to, body, *, reference=""):
        self.calls.append(reference)
        raise TransientSendError("The SMS provider answered 503: busy")


class RefusingSMSProvider(BaseSMSBackend):
    """A provider that refuses one number as invalid and accepts the rest."""

    refused = "+447700900999"
    sent: list[str] = []

    def send(self, to, body, *, reference=""):
        if to == self.refused:
            raise PermanentSendError("The SMS provider refused the text (400): invalid number")
        self.sent.append(to)
        return f"ok-{len(self.sent)}"


class BrokenSMSBackend(BaseSMSBackend):
    """A fault nobody classified: retried, but not forever."""

    def send(self, to, body, *, reference=""):
        raise RuntimeError("socket went away")


class DisconnectingMailServer(BaseEmailBackend):
    calls = 0

    def send_messages(self, email_messages):
        type(self).calls += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class RefusingMailServer(BaseEmailBackend):
    calls = 0

    def send_messages(self, email_messages):
        type(self).calls += 1
        raise smtplib.SMTPRecipientsRefused({email_messages[0].to[0]: (550, b"5.1.1 No such user")})


@pytest.fixture(autouse=True)
def _outboxes(mailoutbox, sms_outbox, own_cache):
    BusySMSProvider.calls.clear()
    RefusingSMSProvider.sent.clear()
    DisconnectingMailServer.calls = RefusingMailServer.calls = 0


@pytest.fixture
def dispatch(django_capture_on_commit_callbacks):
    """dispatch(**kwargs) -> (claimed count, ids handed to the queue once the claim committed)."""

    def _dispatch(**kwargs):
        queued: list[int] = []
        with django_capture_on_commit_callbacks(execute=True):
            claimed = services.dispatch_due(queue=queued.extend, **kwargs)
        return claimed, queued

    return _dispatch


@pytest.fixture
def dispatch_and_send(dispatch):
    """One beat tick with the worker in this process: claim what is due and send each claimed reminder."""

    def _run(**kwargs):
        claimed, queued = dispatch(**kwargs)
        for reminder_id in queued:
            services.send_reminder(reminder_id)
        return claimed

    return _run


def the(appointment, stage, channel) -> Reminder:
    return appointment.reminders.get(stage=stage, channel=channel, occasion="")


def reload(reminder: Reminder) -> Reminder:
    reminder.refresh_from_db()
    return reminder


# A reminder whose time has come is sent, once, and what was sent is kept


def test_a_due_email_is_sent_and_what_the_patient_saw_is_frozen_on_the_row(book, mailoutbox):
    appointment = book(FAR)
    reminder = the(appointment, CONF, "email")

    services.send_reminder(reminder.pk)

    reminder = reload(reminder)
    assert reminder.status == Reminder.Status.SENT
    assert reminder.sent_at == NOW
    assert reminder.attempts == 1
    assert (reminder.claim_token, reminder.lease_until, reminder.last_error) == (None, None, "")
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [appointment.patient.email]
    assert reminder.recipient == appointment.patient.email
    assert reminder.subject == email.subject
    assert reminder.body == email.body
    assert reminder.body_html == email.alternatives[0].content
    assert reminder.provider_message_id == email.extra_headers["Message-ID"]
    assert reminder.provider_message_id.startswith(f"<reminder-{reminder.pk}-")


def test_a_due_text_is_sent_with_the_providers_message_id(book, sms_outbox):
    appointment = book(FAR)
    reminder = the(appointment, CONF, "sms")

    services.send_reminder(reminder.pk)

    reminder = reload(reminder)
    assert reminder.status == Reminder.Status.SENT
    assert len(sms_outbox) == 1
    assert sms_outbox[0]["to"] == appointment.patient.mobile.as_e164 == reminder.recipient
    assert sms_outbox[0]["body"] == reminder.body
    assert sms_outbox[0]["reference"] == str(reminder.pk)
    assert reminder.provider_message_id == sms_outbox[0]["id"]
    assert reminder.subject == ""


def test_sending_twice_sends_once(book, mailoutbox, sms_outbox, frozen_now):
    appointment = book(FAR)
    email, text = the(appointment, CONF, "email"), the(appointment, CONF, "sms")
    services.send_reminder(email.pk)
    services.send_reminder(text.pk)
    first = (reload(email).sent_at, reload(text).sent_at)
    frozen_now.shift(timedelta(minutes=10))

    services.send_reminder(email.pk)
    services.send_reminder(text.pk)

    assert len(mailoutbox) == 1 and len(sms_outbox) == 1
    assert (reload(email).sent_at, reload(text).sent_at) == first
    assert reload(email).attempts == reload(text).attempts == 1


def test_a_message_that_cannot_be_built_fails_visibly_instead_of_coming_back_forever(
    book, mailoutbox, settings, tmp_path
):
    appointment = book(FAR)
    reminder = the(appointment, CONF, "email")
    # A deployment that lost the message templates: every render raises TemplateDoesNotExist.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path], "APP_DIRS": False}]

    services.send_reminder(reminder.pk)

    reminder = reload(reminder)
    assert reminder.status == Reminder.Status.FAILED
    assert reminder.last_error.startswith("Could not build the message: TemplateDoesNotExist")
    assert mailoutbox == []


def test_a_reminder_whose_time_has_not_come_is_not_sent(book, mailoutbox):
    appointment = book(FAR)
    week_before = the(appointment, WEEK, "email")

    services.send_reminder(week_before.pk)

    week_before = reload(week_before)
    assert week_before.status == Reminder.Status.PENDING
    assert week_before.attempts == 0
    assert mailoutbox == []


def test_a_timed_reminder_goes_at_its_time(book, mailoutbox, frozen_now, dispatch_and_send):
    appointment = book(FAR)
    the(appointment, CONF, "email").delete()
    the(appointment, CONF, "sms").delete()
    frozen_now.move_to(at(date(2030, 6, 17), "09:59"))
    assert dispatch_and_send() == 0

    frozen_now.move_to(at(date(2030, 6, 17), "10:00"))
    assert dispatch_and_send() == 1

    assert [m.subject for m in mailoutbox] == ["Reminder: your appointment on Mon 24 Jun at 10:00"]
    assert the(appointment, WEEK, "email").status == Reminder.Status.SENT


def test_a_reminder_for_a_missing_row_is_nothing():
    assert services.send_reminder(987654) is None


# Never late, never for a cancelled or moved appointment


def test_a_reminder_for_an_appointment_that_has_begun_is_skipped_not_sent_late(book, frozen_now, mailoutbox):
    appointment = book(FAR)
    day_before = the(appointment, DAY, "sms")
    frozen_now.move_to(FAR + timedelta(minutes=1))  # the worker was down all day

    services.send_reminder(day_before.pk)

    day_before = reload(day_before)
    assert day_before.status == Reminder.Status.SKIPPED
    assert day_before.last_error == "The appointment had begun."
    assert mailoutbox == [] and day_before.sent_at is None


def test_dispatch_skips_every_reminder_of_an_appointment_that_has_begun(
    book, frozen_now, mailoutbox, sms_outbox, dispatch
):
    appointment = book(FAR)
    frozen_now.move_to(FAR)

    claimed, queued = dispatch()

    assert (claimed, queued) == (0, [])
    assert {r.status for r in appointment.reminders.all()} == {Reminder.Status.SKIPPED}
    assert mailoutbox == [] and sms_outbox == []


def test_a_claimed_reminder_whose_appointment_then_begins_is_skipped(book, frozen_now, mailoutbox, dispatch):
    appointment = book(FAR)
    frozen_now.move_to(at(date(2030, 6, 17), "10:00"))
    _, queued = dispatch()
    week_before = the(appointment, WEEK, "email")
    assert week_before.pk in queued
    frozen_now.move_to(FAR)  # the queue was stuck until the appointment's time

    services.send_reminder(week_before.pk)

    assert reload(week_before).status == Reminder.Status.SKIPPED
    assert mailoutbox == []


def test_a_reminder_claimed_before_the_appointment_was_cancelled_is_not_sent(book, mailoutbox, sms_outbox, dispatch):
    appointment = book(FAR)
    _, queued = dispatch()  # the confirmations are claimed and on their way to a worker
    assert len(queued) == 2

    cancel_appointment(appointment, reason_code="patient_request", reason="Patient asked to cancel")
    for reminder_id in queued:
        services.send_reminder(reminder_id)

    assert mailoutbox == [] and sms_outbox == []
    assert {Reminder.objects.get(pk=pk).status for pk in queued} == {Reminder.Status.CANCELLED}


def test_a_reminder_of_an_appointment_cancelled_behind_the_services_back_is_not_sent(book, mailoutbox):
    appointment = book(FAR)
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED, cancellation_reason="x")
    reminder = the(appointment, CONF, "email")

    services.send_reminder(reminder.pk)

    reminder = reload(reminder)
    assert (reminder.status, reminder.last_error) == (Reminder.Status.CANCELLED, "The appointment is cancelled.")
    assert mailoutbox == []


def test_a_reminder_for_the_old_time_of_a_moved_appointment_is_never_sent(book, frozen_now, mailoutbox, dispatch):
    appointment = book(FAR)
    frozen_now.move_to(at(date(2030, 6, 17), "10:00"))
    _, queued = dispatch()
    week_before = the(appointment, WEEK, "email")
    assert week_before.pk in queued  # claimed for the old time

    reschedule_appointment(appointment, new_start=ELSEWHEN)
    services.send_reminder(week_before.pk)

    week_before = reload(week_before)
    assert (week_before.status, week_before.for_start) == (Reminder.Status.PENDING, ELSEWHEN)
    assert week_before.send_at == at(date(2030, 6, 27), "14:00")
    assert [m for m in mailoutbox if "24 Jun" in m.subject] == []


def test_a_row_for_a_time_the_appointment_no_longer_has_is_closed_not_sent(book, mailoutbox):
    appointment = book(FAR)
    Appointment.objects.filter(pk=appointment.pk).update(scheduled_start=ELSEWHEN)  # moved without the service
    reminder = the(appointment, CONF, "email")

    services.send_reminder(reminder.pk)

    reminder = reload(reminder)
    assert reminder.status == Reminder.Status.CANCELLED
    assert reminder.last_error == "The appointment moved to Thu 4 Jul 2030 14:00."
    assert mailoutbox == []


def test_the_cancellation_notice_is_sent_for_the_cancelled_appointment(book, mailoutbox, sms_outbox, frozen_now):
    appointment = book(FAR)
    frozen_now.shift(timedelta(minutes=5))
    cancel_appointment(appointment, reason_code="patient_request", reason="Patient asked to cancel")

    for notice in appointment.reminders.filter(stage=Stage.CANCELLATION):
        services.send_reminder(notice.pk)

    assert [m.subject for m in mailoutbox] == ["Your appointment on Mon 24 Jun at 10:00 has been cancelled"]
    assert len(sms_outbox) == 1 and "cancelled" in sms_outbox[0]["body"]


def test_a_cancellation_notice_not_sent_before_the_old_time_is_dropped(book, frozen_now, mailoutbox, dispatch):
    appointment = book(FAR)
    cancel_appointment(appointment, reason_code="patient_request", reason="Patient asked to cancel")
    frozen_now.move_to(FAR + timedelta(minutes=1))

    assert dispatch() == (0, [])

    assert {r.status for r in appointment.reminders.filter(stage=Stage.CANCELLATION)} == {Reminder.Status.SKIPPED}
    assert mailoutbox == []


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"reminders_opt_out_at": NOW}, "The patient opted out of reminders."),
        ({"mobile": ""}, "The patient has no mobile number."),
        ({"channels": ["email"]}, "The patient no longer wants reminders by sms."),
    ],
)
def test_a_text_the_patient_can_no_longer_get_is_closed_saying_why(book, sms_outbox, change, reason):
    appointment = book(FAR)
    Patient.objects.filter(pk=appointment.patient_id).update(**change)
    text = the(appointment, CONF, "sms")

    services.send_reminder(text.pk)

    text = reload(text)
    assert (text.status, text.last_error) == (Reminder.Status.CANCELLED, reason)
    assert sms_outbox == []


def test_one_patient_without_a_phone_number_does_not_stop_the_batch(sms_outbox, dispatch_and_send, book):
    appointments = [book(FAR + timedelta(hours=hour)) for hour in range(3)]
    lost_phone = appointments[1].patient
    Patient.objects.filter(pk=lost_phone.pk).update(mobile="")

    assert dispatch_and_send() == 6

    assert sorted(m["to"] for m in sms_outbox) == sorted(
        a.patient.mobile.as_e164 for a in appointments if a.patient != lost_phone
    )
    closed = the(appointments[1], CONF, "sms")
    assert (closed.status, closed.last_error) == (Reminder.Status.CANCELLED, "The patient has no mobile number.")
    assert the(appointments[1], CONF, "email").status == Reminder.Status.SENT


def test_a_number_the_provider_refuses_fails_that_text_and_the_batch_goes_on(settings, dispatch_and_send, book):
    settings.SMS_BACKEND = "tests.reminders.test_sending.RefusingSMSProvider"
    refused = book(FAR, patient=PatientFactory(mobile=RefusingSMSProvider.refused))
    others = [book(FAR + timedelta(hours=hour)) for hour in (1, 2)]

    dispatch_and_send()

    text = the(refused, CONF, "sms")
    assert text.status == Reminder.Status.FAILED
    assert text.last_error == "The SMS provider refused the text (400): invalid number"
    assert text.attempts == 1
    assert sorted(RefusingSMSProvider.sent) == sorted(a.patient.mobile.as_e164 for a in others)


# Quiet hours at send time: a text that comes due at night waits for 08:00


@pytest.mark.parametrize(
    "clock, waits_until",
    [
        (at(date(2030, 6, 5), "21:30"), at(date(2030, 6, 6), "08:00")),
        (at(date(2030, 6, 6), "03:00"), at(date(2030, 6, 6), "08:00")),
    ],
)
def test_a_text_due_in_quiet_hours_waits_for_8(book, frozen_now, sms_outbox, clock, waits_until):
    appointment = book(FAR)
    text = the(appointment, CONF, "sms")
    frozen_now.move_to(clock)

    services.send_reminder(text.pk)

    text = reload(text)
    assert (text.status, text.send_at, text.attempts) == (Reminder.Status.PENDING, waits_until, 0)
    assert sms_outbox == []

    frozen_now.move_to(waits_until)
    services.send_reminder(text.pk)
    assert reload(text).status == Reminder.Status.SENT
    assert len(sms_outbox) == 1


def test_a_claimed_text_in_quiet_hours_goes_back_to_pending_and_an_email_still_goes(
    book, frozen_now, mailoutbox, sms_outbox, dispatch
):
    appointment = book(FAR)
    frozen_now.move_to(at(date(2030, 6, 5), "21:30"))
    _, queued = dispatch()
    assert len(queued) == 2

    for reminder_id in queued:
        services.send_reminder(reminder_id)

    text = the(appointment, CONF, "sms")
    assert (text.status, text.send_at, text.lease_until) == (
        Reminder.Status.PENDING,
        at(date(2030, 6, 6), "08:00"),
        None,
    )
    assert sms_outbox == []
    assert len(mailoutbox) == 1


# Retry with backoff, then give up; permanent errors fail at once


def test_a_busy_sms_provider_is_retried_with_backoff_then_given_up(book, settings, frozen_now, dispatch_and_send):
    settings.SMS_BACKEND = "tests.reminders.test_sending.BusySMSProvider"
    text = the(book(FAR), CONF, "sms")

    waits = []
    for attempt in range(1, 5):
        services.send_reminder(text.pk)
        text = reload(text)
        assert (text.status, text.attempts) == (Reminder.Status.PENDING, attempt)
        assert text.last_error == "The SMS provider answered 503: busy"
        waits.append(text.send_at - timezone.now())
        frozen_now.move_to(text.send_at)
    assert waits == [timedelta(seconds=s) for s in (60, 120, 240, 480)]

    services.send_reminder(text.pk)  # the fifth attempt

    text = reload(text)
    assert (text.status, text.attempts) == (Reminder.Status.FAILED, 5)
    assert text.last_error == "Gave up after 5 attempts: The SMS provider answered 503: busy"
    assert len(BusySMSProvider.calls) == 5
    frozen_now.shift(timedelta(hours=1))
    services.send_reminder(text.pk)
    dispatch_and_send()
    assert len(BusySMSProvider.calls) == 5  # never tried again


def test_retries_come_back_through_dispatch(book, settings, frozen_now, dispatch_and_send):
    settings.SMS_BACKEND = "tests.reminders.test_sending.BusySMSProvider"
    text = the(book(FAR, patient=PatientFactory(channels=["sms"])), CONF, "sms")

    for _ in range(10):
        dispatch_and_send()
        frozen_now.shift(timedelta(seconds=30))  # beat's interval

    assert len(BusySMSProvider.calls) == 3  # at 0 s, after 60 s, after 60 + 120 s
    assert reload(text).attempts == 3


def test_the_backoff_base_is_a_setting(book, settings):
    settings.SMS_BACKEND = "tests.reminders.test_sending.BusySMSProvider"
    settings.REMINDER_RETRY_BASE_SECONDS = 5
    text = the(book(FAR), CONF, "sms")

    services.send_reminder(text.pk)

    assert reload(text).send_at == NOW + timedelta(seconds=5)


def test_a_disconnecting_mail_server_is_retried_then_given_up(book, settings, frozen_now):
    settings.EMAIL_BACKEND = "tests.reminders.test_sending.DisconnectingMailServer"
    email = the(book(FAR), CONF, "email")

    for _ in range(5):
        services.send_reminder(email.pk)
        frozen_now.move_to(reload(email).send_at)

    email = reload(email)
    assert (email.status, email.attempts) == (Reminder.Status.FAILED, 5)
    assert email.last_error.startswith("Gave up after 5 attempts: Could not reach the mail server")
    assert "SMTPServerDisconnected" in email.last_error
    assert DisconnectingMailServer.calls == 5


def test_a_send_that_fails_once_then_succeeds_is_sent_once(book, settings, frozen_now, mailoutbox):
    settings.EMAIL_BACKEND = "tests.reminders.test_sending.DisconnectingMailServer"
    email = the(book(FAR), CONF, "email")
    services.send_reminder(email.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    frozen_now.move_to(reload(email).send_at)

    services.send_reminder(email.pk)

    email = reload(email)
    assert (email.status, email.attempts, email.last_error) == (Reminder.Status.SENT, 2, "")
    assert len(mailoutbox) == 1


def test_an_unexpected_fault_is_retried_and_named(book, settings):
    settings.SMS_BACKEND = "tests.reminders.test_sending.BrokenSMSBackend"
    text = the(book(FAR), CONF, "sms")

    services.send_reminder(text.pk)

    text = reload(text)
    assert (text.status, text.last_error) == (Reminder.Status.PENDING, "RuntimeError: socket went away")


def test_an_address_the_mail_server_refuses_fails_at_once(book, settings, frozen_now, dispatch_and_send):
    settings.EMAIL_BACKEND = "tests.reminders.test_sending.RefusingMailServer"
    appointment = book(FAR)
    email = the(appointment, CONF, "email")

    services.send_reminder(email.pk)

    email = reload(email)
    assert (email.status, email.attempts) == (Reminder.Status.FAILED, 1)
    assert email.last_error == f"The mail server refused the address {appointment.patient.email}."
    frozen_now.shift(timedelta(hours=1))
    dispatch_and_send()
    assert RefusingMailServer.calls == 1


def test_a_number_the_provider_calls_invalid_fails_at_once(book, settings):
    settings.SMS_BACKEND = "tests.reminders.test_sending.RefusingSMSProvider"
    text = the(book(FAR, patient=PatientFactory(mobile=RefusingSMSProvider.refused)), CONF, "sms")

    services.send_reminder(text.pk)

    assert reload(text).status == Reminder.Status.FAILED
    assert reload(text).attempts == 1


# Dispatch: claims, leases, reclaiming


def test_dispatch_claims_the_due_reminders_and_queues_them_once_the_claim_commits(
    book, frozen_now, django_capture_on_commit_callbacks
):
    appointment = book(FAR)
    queued: list[int] = []

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        claimed = services.dispatch_due(queue=queued.extend)
    assert queued == []
    for callback in callbacks:
        callback()

    confirmations = list(appointment.reminders.filter(stage=CONF))
    assert claimed == 2
    assert sorted(queued) == sorted(r.pk for r in confirmations)
    for reminder in confirmations:
        assert reminder.status == Reminder.Status.SENDING
        assert reminder.lease_until == NOW + timedelta(seconds=300)
        assert reminder.claim_token is None  # claimed by dispatch, not yet by a sender
    assert appointment.reminders.filter(status=Reminder.Status.PENDING).count() == 6  # the timed ones wait


def test_dispatch_claims_at_most_its_limit_oldest_first(book, frozen_now, dispatch):
    appointments = [book(FAR + timedelta(hours=hour)) for hour in range(3)]
    frozen_now.move_to(at(date(2030, 6, 17), "13:00"))  # every week-before email is due, the first the earliest

    due = Reminder.objects.filter(status=Reminder.Status.PENDING, send_at__lte=timezone.now())
    oldest = list(due.order_by("send_at", "pk").values_list("pk", flat=True)[:2])
    assert due.count() == 9

    claimed, queued = dispatch(limit=2)

    assert (claimed, queued) == (2, oldest)
    assert the(appointments[0], CONF, "email").pk in queued
    assert due.count() == 7


def test_a_second_dispatch_does_not_claim_rows_the_first_has_queued(book, dispatch):
    book(FAR)
    first = dispatch()

    assert first[0] == 2
    assert dispatch() == (0, [])


def test_a_reminder_stuck_in_sending_after_its_lease_is_reclaimed_and_sent_once(book, frozen_now, mailoutbox, dispatch):
    appointment = book(FAR, patient=PatientFactory(channels=["email"]))
    email = the(appointment, CONF, "email")
    # A worker claimed it to send and died: SIGKILL between the claim and the provider.
    Reminder.objects.filter(pk=email.pk).update(
        status=Reminder.Status.SENDING,
        claim_token="6f1c3a0e-2f43-4f7d-9b0e-3d4f9a1c2b11",
        lease_until=NOW + timedelta(seconds=300),
        attempts=1,
    )
    assert dispatch() == (0, [])  # its lease still runs

    frozen_now.shift(timedelta(seconds=301))
    claimed, queued = dispatch()
    assert (claimed, queued) == (1, [email.pk])
    services.send_reminder(email.pk)
    services.send_reminder(email.pk)

    email = reload(email)
    assert (email.status, email.attempts) == (Reminder.Status.SENT, 2)
    assert len(mailoutbox) == 1
    assert dispatch() == (0, [])


def test_a_reminder_in_flight_is_not_reclaimed_or_sent_again(book, frozen_now, mailoutbox, dispatch):
    appointment = book(FAR, patient=PatientFactory(channels=["email"]))
    email = the(appointment, CONF, "email")
    Reminder.objects.filter(pk=email.pk).update(
        status=Reminder.Status.SENDING,
        claim_token="6f1c3a0e-2f43-4f7d-9b0e-3d4f9a1c2b11",
        lease_until=NOW + timedelta(seconds=300),
    )
    frozen_now.shift(timedelta(seconds=299))

    assert dispatch() == (0, [])
    services.send_reminder(email.pk)

    assert reload(email).status == Reminder.Status.SENDING
    assert mailoutbox == []


def test_a_claimed_reminder_whose_queue_message_was_lost_is_reclaimed_after_the_lease(
    book, frozen_now, mailoutbox, sms_outbox, dispatch_and_send
):
    appointment = book(FAR)
    services.dispatch_due(queue=lambda ids: None)  # claimed, but the broker lost the messages
    frozen_now.shift(timedelta(seconds=299))
    assert dispatch_and_send() == 0

    frozen_now.shift(timedelta(seconds=2))
    assert dispatch_and_send() == 2

    assert {r.status for r in appointment.reminders.filter(stage=CONF)} == {Reminder.Status.SENT}
    assert len(mailoutbox) == len(sms_outbox) == 1


# Two dispatchers at once (two beats by mistake) send each reminder once


def _due_confirmations(count: int) -> list[int]:
    """`count` confirmation emails due now, each for its own appointment (rows written directly: data, not rules)."""
    rule = reminder_rule(CONF)
    start = next_clinic_day(days_ahead=10)
    rows = []
    for _ in range(count):
        appointment = AppointmentFactory(scheduled_start=start, patient=PatientFactory(channels=["email"]))
        rows.append(
            Reminder(
                appointment=appointment,
                rule=rule,
                stage=CONF,
                channel="email",
                for_start=start,
                send_at=timezone.now() - timedelta(minutes=1),
                content_stages=[CONF],
            )
        )
    return [r.pk for r in Reminder.objects.bulk_create(rows)]


def test_two_dispatches_and_a_duplicate_send_still_send_each_reminder_once(frozen_now, mailoutbox, dispatch):
    ids = _due_confirmations(12)

    first_claimed, first = dispatch(limit=5)
    second_claimed, second = dispatch(limit=50)
    assert set(first).isdisjoint(second)
    assert sorted(first + second) == sorted(ids)
    for reminder_id in first + second + first + second:  # every message delivered twice by the broker
        services.send_reminder(reminder_id)

    assert len(mailoutbox) == 12
    sent_ids = [m.extra_headers["X-Reminder-ID"] for m in mailoutbox]
    assert sorted(sent_ids) == sorted(str(i) for i in ids)
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}


def _beats_at_once(dispatchers: int, mailoutbox) -> None:
    """`dispatchers` threads, each a beat dispatching with a worker in-process, race over 100 due reminders."""
    ids = _due_confirmations(100)
    start = threading.Barrier(dispatchers)
    lock = threading.Lock()
    claimed_by: dict[int, list[int]] = {}
    errors: list[BaseException] = []

    def beat(number: int) -> None:
        claimed_by[number] = []

        def send_here(batch: list[int]) -> None:
            with lock:
                claimed_by[number].extend(batch)
            for reminder_id in batch:
                services.send_reminder(reminder_id)

        try:
            start.wait(timeout=10)
            while services.dispatch_due(limit=7, queue=send_here):
                pass
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat, args=(n,)) for n in range(dispatchers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    everything_claimed = [i for batch in claimed_by.values() for i in batch]
    assert sorted(everything_claimed) == sorted(ids)  # every reminder claimed by exactly one beat
    sent_ids = [int(m.extra_headers["X-Reminder-ID"]) for m in mailoutbox]
    assert len(sent_ids) == 100
    assert sorted(sent_ids) == sorted(ids)
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("dispatchers", [2, 4])
def test_two_beats_dispatching_at_once_send_each_reminder_once(dispatchers, mailoutbox):
    assert connection.features.has_select_for_update_skip_locked
    _beats_at_once(dispatchers, mailoutbox)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_beats_dispatching_at_once_on_sqlite_send_each_reminder_once(mailoutbox):
    """SQLite is the one-machine default; its IMMEDIATE transactions must let one dispatcher claim at a time."""
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL version of this race is the test above")
    _beats_at_once(2, mailoutbox)


# Staff actions and the cron command


def test_send_now_brings_a_pending_reminder_forward(book, frozen_now, mailoutbox, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(queueing, "queue_sends", queued.extend)
    appointment = book(FAR)
    week_before = the(appointment, WEEK, "email")
    confirmation = the(appointment, CONF, "email")
    services.send_reminder(confirmation.pk)
    frozen_now.shift(timedelta(minutes=3))

    with transaction.atomic():
        count = services.send_now(Reminder.objects.filter(pk__in=[week_before.pk, confirmation.pk]))

    assert count == 1
    assert reload(week_before).send_at == timezone.now()
    services.send_reminder(week_before.pk)
    assert reload(week_before).status == Reminder.Status.SENT
    assert [m.subject for m in mailoutbox][-1] == "Reminder: your appointment on Mon 24 Jun at 10:00"
    assert reload(confirmation).attempts == 1  # the sent one was left alone


def test_send_now_queues_the_reminders_when_it_commits(book, monkeypatch, django_capture_on_commit_callbacks):
    queued: list[int] = []
    monkeypatch.setattr(queueing, "queue_sends", queued.extend)
    week_before = the(book(FAR), WEEK, "email")

    with django_capture_on_commit_callbacks(execute=True):
        services.send_now([week_before])

    assert queued == [week_before.pk]


def test_retry_failed_tries_a_failed_reminder_again_from_scratch(
    book, settings, frozen_now, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    queued: list[int] = []
    monkeypatch.setattr(queueing, "queue_sends", queued.extend)
    settings.EMAIL_BACKEND = "tests.reminders.test_sending.RefusingMailServer"
    appointment = book(FAR)
    email = the(appointment, CONF, "email")
    services.send_reminder(email.pk)
    assert reload(email).status == Reminder.Status.FAILED
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the address was corrected
    frozen_now.shift(timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        count = services.retry_failed(appointment.reminders.all())

    assert count == 1
    assert queued == [email.pk]
    email = reload(email)
    assert (email.status, email.attempts, email.send_at) == (Reminder.Status.PENDING, 0, timezone.now())
    services.send_reminder(email.pk)
    assert reload(email).status == Reminder.Status.SENT
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_cron_command_sends_the_due_reminders_in_process(book, mailoutbox, sms_outbox, own_cache):
    appointment = book(FAR)  # its queued confirmations went to a broker nobody reads

    out = _call("send_due_reminders")

    assert out == "Claimed 2 due reminder(s); sent 2.\n"
    assert {r.status for r in appointment.reminders.filter(stage=CONF)} == {Reminder.Status.SENT}
    assert len(mailoutbox) == 1 and len(sms_outbox) == 1
    assert _call("send_due_reminders") == "Claimed 0 due reminder(s); sent 0.\n"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_cron_command_goes_on_past_a_patient_it_cannot_reach(book, mailoutbox, sms_outbox, own_cache):
    appointments = [book(FAR + timedelta(hours=hour)) for hour in range(2)]
    Patient.objects.filter(pk=appointments[0].patient_id).update(mobile="")

    out = _call("send_due_reminders")

    assert out == "Claimed 4 due reminder(s); sent 3.\n"
    assert len(mailoutbox) == 2 and len(sms_outbox) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_cron_command_can_queue_to_the_workers_instead(book, monkeypatch, own_cache):
    queued: list[int] = []
    monkeypatch.setattr(queueing, "queue_sends", queued.extend)
    appointment = book(FAR)
    queued.clear()  # the booking's own on-commit queueing

    out = _call("send_due_reminders", "--queue")

    assert out == "Queued 2 reminder(s) for the workers.\n"
    assert sorted(queued) == sorted(appointment.reminders.filter(stage=CONF).values_list("pk", flat=True))


def _call(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# Reminder bookkeeping never writes the appointment


def test_sending_and_dispatching_never_change_the_appointments_status(
    book, settings, frozen_now, mailoutbox, dispatch_and_send
):
    settings.SMS_BACKEND = "tests.reminders.test_sending.BusySMSProvider"
    appointment = confirm_attendance(book(FAR))
    before = Appointment.objects.filter(pk=appointment.pk).values().get()
    history = appointment.history.count()

    for moment in (NOW, at(date(2030, 6, 17), "10:00"), at(date(2030, 6, 22), "10:00"), FAR + timedelta(hours=1)):
        frozen_now.move_to(moment)
        dispatch_and_send()
        for reminder in appointment.reminders.all():
            services.send_reminder(reminder.pk)

    assert Appointment.objects.filter(pk=appointment.pk).values().get() == before
    assert appointment.history.count() == history
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.CONFIRMED
    assert appointment.reminders.filter(status=Reminder.Status.SENT).exists()


def test_a_confirmation_moved_while_its_sender_was_rendering_is_not_sent_for_the_old_time(
    book, frozen_now, mailoutbox, monkeypatch
):
    """Staff move the appointment seconds after booking, while a worker is already sending the confirmation: the
    worker loaded the row before the move committed. It must not send the old time on the moved row."""
    appointment = book(FAR, patient=PatientFactory(channels=["email"]))
    confirmation = the(appointment, CONF, "email")
    compose = EmailChannel.compose

    def compose_while_staff_reschedule(channel, draft):
        message = compose(channel, draft)
        if draft.stage == CONF and draft.for_start == FAR:
            reschedule_appointment(appointment, new_start=ELSEWHEN)  # commits between the worker's load and claim
        return message

    monkeypatch.setattr(EmailChannel, "compose", compose_while_staff_reschedule)

    services.send_reminder(confirmation.pk)
    services.send_reminder(confirmation.pk)  # the send the reschedule queued on commit

    confirmation = reload(confirmation)
    assert confirmation.for_start == ELSEWHEN
    assert [m.subject for m in mailoutbox] == ["Your appointment on Thu 4 Jul at 14:00"]
    assert confirmation.subject == "Your appointment on Thu 4 Jul at 14:00"
