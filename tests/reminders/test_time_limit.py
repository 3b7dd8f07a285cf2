"""Celery's soft time limit inside a send: a transient failure recorded on the row, never raised out of the task.

The worker-level check (a real pool process that keeps going) is in test_worker.py; here the limit is raised by a
stub SMS backend, as Celery raises it inside whatever the send is waiting on.
"""

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from reminders import services, tasks
from reminders.channels import channel_for
from reminders.models import Reminder
from reminders.providers.sms import BaseSMSBackend
from tests.clinic import FAR, NOW
from tests.realparts import SMTPSink

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]


class SoftLimitedSMSBackend(BaseSMSBackend):
    """A provider that hangs until Celery's soft time limit goes off inside the send."""

    calls = 0

    def send(self, to: str, body: str, *, reference: str = "") -> str:
        type(self).calls += 1
        raise SoftTimeLimitExceeded()


@pytest.fixture
def text(book, settings):
    settings.SMS_BACKEND = f"{__name__}.SoftLimitedSMSBackend"
    SoftLimitedSMSBackend.calls = 0
    return book(FAR).reminders.get(stage="booking_confirmation", channel="sms")


OVER_TIME = "The send took longer than the task's soft time limit (96 s)."


def test_the_soft_time_limit_is_a_transient_failure_and_the_worker_survives(text, settings):
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT == 96

    outcome = tasks.send.apply(args=[text.pk])  # as the pool process runs it

    assert outcome.successful(), outcome.traceback  # nothing raised: the pool process carries on
    assert outcome.result == Reminder.Status.PENDING
    assert SoftLimitedSMSBackend.calls == 1
    text.refresh_from_db()
    assert (text.status, text.attempts, text.send_at) == (Reminder.Status.PENDING, 1, NOW + timedelta(seconds=60))
    assert text.last_error == OVER_TIME
    assert (text.claim_token, text.lease_until) == (None, None)


def test_a_send_that_keeps_hitting_the_soft_limit_backs_off_and_then_gives_up(text, settings, frozen_now):
    settings.REMINDER_MAX_ATTEMPTS = 3
    waits = []
    for _ in range(3):
        text.refresh_from_db()
        frozen_now.move_to(text.send_at)
        before = text.send_at
        services.send_reminder(text.pk)
        text.refresh_from_db()
        waits.append(text.send_at - before)
    assert waits[:2] == [timedelta(seconds=60), timedelta(seconds=120)]
    assert text.status == Reminder.Status.FAILED
    assert text.last_error == f"Gave up after 3 attempts: {OVER_TIME}"


def test_the_soft_limit_while_the_message_is_made_gives_the_row_back(text, monkeypatch):
    def hangs(channel, draft):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(type(channel_for(text.channel)), "compose", hangs)

    outcome = tasks.send.apply(args=[text.pk])

    assert outcome.successful(), outcome.traceback
    text.refresh_from_db()
    assert (text.status, text.attempts, text.send_at) == (Reminder.Status.PENDING, 0, NOW + timedelta(seconds=60))
    assert text.last_error == OVER_TIME
    assert SoftLimitedSMSBackend.calls == 0


def test_the_soft_limit_anywhere_else_in_the_task_is_not_raised_out_of_it(text, monkeypatch):
    def hangs(reminder_id, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "send_reminder", hangs)

    outcome = tasks.send.apply(args=[text.pk])

    assert outcome.successful(), outcome.traceback
    assert outcome.result is None


@pytest.fixture
def email(book, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return book(FAR).reminders.get(stage="booking_confirmation", channel="email")


def test_a_message_delivered_as_the_soft_limit_goes_off_while_recording_it_is_still_recorded_sent(
    email, monkeypatch, mailoutbox
):
    """The email went; the limit goes off in the write that says so. Unrecorded, its lease would send it again."""
    from reminders.services import delivery

    real_finish, calls = delivery._finish, []

    def limit_during_the_write(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise SoftTimeLimitExceeded()
        return real_finish(*args, **kwargs)

    monkeypatch.setattr(delivery, "_finish", limit_during_the_write)

    outcome = tasks.send.apply(args=[email.pk])

    assert outcome.successful(), outcome.traceback
    email.refresh_from_db()
    assert (email.status, email.attempts, email.claim_token) == (Reminder.Status.SENT, 1, None)
    assert email.sent_at is not None and len(mailoutbox) == 1


def test_the_soft_limit_in_the_goodbye_to_the_mail_server_leaves_a_delivered_email_sent(email, settings, monkeypatch):
    """One email's SMTP connection closes after its outcome is recorded, not inside the send: the server had taken
    the message, so a limit going off at QUIT must not make it look unsent (and go again)."""
    from django.core.mail.backends.smtp import EmailBackend

    sink = SMTPSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    real_close = EmailBackend.close

    def goodbye_cut_off(backend):
        was_open = backend.connection is not None
        real_close(backend)
        if was_open:
            raise SoftTimeLimitExceeded()

    monkeypatch.setattr(EmailBackend, "close", goodbye_cut_off)
    try:
        outcome = tasks.send.apply(args=[email.pk])
    finally:
        sink.stop()

    assert outcome.successful(), outcome.traceback
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Reminder.Status.SENT, 1)
    assert len(sink.messages) == 1
