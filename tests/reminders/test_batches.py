"""Batches: the rows dispatch claimed together, sent by one task over one connection, each under the same rules as
a single send (refusals with their reasons, the compare-and-set claim, the outcome recorded by claim token), and a
batch cut short leaves its unsent rows to come back after their lease, to be sent once.

"Now" is frozen at Wednesday 5 June 2030, 12:00 in London; emails go to locmem backends, texts to LocMemSMSBackend.
"""

import uuid
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocMemEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from procedures.models import Appointment, Patient
from procedures.services import cancel_appointment, reschedule_appointment
from reminders import queueing, services
from reminders.models import Reminder
from reminders.providers.sms import BaseSMSBackend
from reminders.services.scheduling import moved_to
from reminders.stages import Stage
from tests.clinic import FAR
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

CONF = Stage.BOOKING_CONFIRMATION


class CountingMailServer(BaseEmailBackend):
    """An SMTP-like backend: open() makes a connection (counted) unless one is open; a send without one opens its
    own and closes it after, as Django's SMTP backend does."""

    opened = 0
    sent: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection = None

    def open(self):
        if self.connection is not None:
            return False
        type(self).opened += 1
        self.connection = object()
        return True

    def close(self):
        self.connection = None

    def send_messages(self, email_messages):
        new = self.open()
        try:
            type(self).sent.extend(email_messages)
        finally:
            if new:
                self.close()
        return len(email_messages)


class DyingMailServer(LocMemEmailBackend):
    """Delivers `survive` emails, then the process dies (SystemExit: no send error, nothing recorded)."""

    survive = 3
    delivered = 0

    def send_messages(self, messages):
        if type(self).delivered >= self.survive:
            raise SystemExit("killed")
        type(self).delivered += 1
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def _reset_backends(mailoutbox, sms_outbox):
    CountingMailServer.opened, CountingMailServer.sent = 0, []
    DyingMailServer.delivered = 0


@pytest.fixture
def claim(django_capture_on_commit_callbacks):
    """claim(**kwargs) -> the batches dispatch would queue (one channel each) once its claim commits."""

    def _claim(**kwargs):
        queued: list[int] = []
        with django_capture_on_commit_callbacks(execute=True):
            services.dispatch_due(queue=queued.extend, **kwargs)
        channels = dict(Reminder.objects.filter(pk__in=queued).values_list("pk", "channel"))
        return queueing.batches_by_channel([(pk, channels[pk]) for pk in queued])

    return _claim


def _emails(appointments) -> list[Reminder]:
    return [a.reminders.get(stage=CONF, channel="email") for a in appointments]


def _reload(reminder: Reminder) -> Reminder:
    reminder.refresh_from_db()
    return reminder


def test_dispatch_queues_batches_of_one_channel_up_to_the_batch_size(
    book, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.REMINDER_BATCH_SIZE = 3
    queued: list[list[int]] = []
    monkeypatch.setattr(queueing, "queue_batches", queued.extend)
    appointments = [book(FAR + timedelta(hours=h)) for h in range(4)]

    with django_capture_on_commit_callbacks(execute=True):
        assert services.dispatch_due() == 8

    channels = dict(Reminder.objects.values_list("pk", "channel"))
    assert sorted(len(b) for b in queued) == [1, 1, 3, 3]
    assert all(len({channels[pk] for pk in batch}) == 1 for batch in queued)
    assert sorted(pk for batch in queued for pk in batch) == sorted(
        r.pk for a in appointments for r in a.reminders.filter(stage=CONF)
    )


def test_a_batch_sends_the_sendable_rows_and_records_why_the_others_were_not_sent(book, mailoutbox, claim):
    sendable, cancelled, moved, opted_out = [book(FAR + timedelta(hours=h)) for h in range(4)]
    batches = claim()
    # Changes behind the services' back after the claim: the batch itself must notice each one.
    Appointment.objects.filter(pk=cancelled.pk).update(status=Appointment.Status.CANCELLED, cancellation_reason="x")
    new_start = moved.scheduled_start + timedelta(days=1)
    Appointment.objects.filter(pk=moved.pk).update(scheduled_start=new_start)
    Patient.objects.filter(pk=opted_out.patient_id).update(reminders_opt_out_at=timezone.now())

    for batch in batches:
        services.send_batch(batch)

    names = ["sendable", "cancelled", "moved", "opted_out"]
    emails = _emails([sendable, cancelled, moved, opted_out])
    rows = {name: _reload(r) for name, r in zip(names, emails, strict=True)}
    assert [m.to for m in mailoutbox] == [[sendable.patient.email]]
    assert rows["sendable"].status == Reminder.Status.SENT
    assert (rows["cancelled"].status, rows["cancelled"].last_error) == (
        Reminder.Status.CANCELLED,
        "The appointment is cancelled.",
    )
    assert (rows["moved"].status, rows["moved"].last_error) == (Reminder.Status.CANCELLED, moved_to(new_start))
    opted_out.patient.refresh_from_db()
    assert (rows["opted_out"].status, rows["opted_out"].last_error) == (
        Reminder.Status.CANCELLED,
        opted_out.patient.why_unreachable("email"),
    )
    assert rows["opted_out"].last_error
    assert all(r.claim_token is None and r.lease_until is None for r in rows.values())


def test_a_batch_run_twice_sends_each_row_once(book, mailoutbox, sms_outbox, claim):
    for h in range(3):
        book(FAR + timedelta(hours=h))
    batches = claim()

    for batch in batches + batches:
        services.send_batch(batch)

    assert len(mailoutbox) == 3 and len(sms_outbox) == 3
    assert set(Reminder.objects.filter(stage=CONF).values_list("status", flat=True)) == {Reminder.Status.SENT}


def test_a_batch_cut_short_leaves_its_unsent_rows_to_their_lease_and_they_are_sent_once(
    book, settings, mailoutbox, claim, frozen_now
):
    appointments = [book(FAR + timedelta(hours=h), patient=PatientFactory(channels=["email"])) for h in range(6)]
    emails = _emails(appointments)
    (batch,) = [b for b in claim() if set(b) == {r.pk for r in emails}]
    settings.EMAIL_BACKEND = f"{__name__}.DyingMailServer"

    with pytest.raises(SystemExit):
        services.send_batch(batch)

    rows = [_reload(r) for r in emails]
    ordered = sorted(rows, key=lambda r: batch.index(r.pk))
    assert [r.status for r in ordered[:3]] == [Reminder.Status.SENT] * 3
    dying = ordered[3]  # claimed by its sender when the process died: in flight, with its lease
    assert dying.status == Reminder.Status.SENDING and dying.claim_token is not None and dying.lease_until
    for untried in ordered[4:]:  # still as dispatch claimed them, with their lease
        assert untried.status == Reminder.Status.SENDING and untried.claim_token is None and untried.lease_until
    assert claim() == []  # nothing comes back while the leases run

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    frozen_now.shift(timedelta(seconds=settings.REMINDER_LEASE_SECONDS + 1))
    again = claim()
    assert sorted(pk for b in again for pk in b) == sorted(r.pk for r in ordered[3:])
    for b in again:
        services.send_batch(b)

    sent = [int(m.extra_headers["X-Reminder-ID"]) for m in mailoutbox]
    assert sent[:3] == [r.pk for r in ordered[:3]]  # before the crash
    assert sorted(sent[3:]) == sorted(r.pk for r in ordered[3:]), "after it, only the unsent rows went"
    assert sorted(sent) == sorted(batch), "each row once"
    assert {_reload(r).status for r in rows} == {Reminder.Status.SENT}


def test_a_batch_costs_one_query_a_reminder_plus_a_fixed_few(book, mailoutbox, sms_outbox, claim):
    for i in range(50):
        book(FAR + timedelta(minutes=45 * (i % 8), days=[0, 1, 2, 3, 4, 7, 8][i // 8]))
    batches = claim(limit=500)
    assert sorted(len(b) for b in batches) == [50, 50]

    with CaptureQueriesContext(connection) as ctx:
        for batch in batches:
            services.send_batch(batch)

    assert len(mailoutbox) == 50 and len(sms_outbox) == 50
    # Per row one UPDATE: its compare-and-set claim, which also records the previous row's outcome. Per batch: the
    # rows with their appointments, for emails the FAQ, and the last row's outcome on its own.
    assert len(ctx.captured_queries) <= 100 + 2 * 3, [q["sql"][:80] for q in ctx.captured_queries]


def test_a_batch_of_emails_opens_one_mail_connection(book, settings, claim):
    settings.EMAIL_BACKEND = f"{__name__}.CountingMailServer"
    appointments = [book(FAR + timedelta(hours=h)) for h in range(5)]
    emails = {r.pk for r in _emails(appointments)}
    (batch,) = [b for b in claim() if set(b) == emails]

    services.send_batch(batch)

    assert CountingMailServer.opened == 1
    assert len(CountingMailServer.sent) == 5
    assert all(m.connection is not None for m in CountingMailServer.sent)


def test_a_single_send_still_opens_its_own_connection(book, settings):
    settings.EMAIL_BACKEND = f"{__name__}.CountingMailServer"
    appointments = [book(FAR + timedelta(hours=h)) for h in range(2)]

    for reminder in _emails(appointments):
        services.send_reminder(reminder.pk)

    assert CountingMailServer.opened == 2 and len(CountingMailServer.sent) == 2


class OverTimeSMSBackend(BaseSMSBackend):
    """The second text hangs until Celery's soft time limit goes off inside it."""

    calls = 0

    def send(self, to, body, *, reference=""):
        type(self).calls += 1
        if type(self).calls == 2:
            raise SoftTimeLimitExceeded()
        return f"ok-{type(self).calls}"


def test_at_the_soft_time_limit_the_row_in_hand_is_retried_and_the_untried_rows_go_back_to_dispatch(
    book, settings, claim
):
    settings.SMS_BACKEND = f"{__name__}.OverTimeSMSBackend"
    OverTimeSMSBackend.calls = 0
    appointments = [book(FAR + timedelta(hours=h), patient=PatientFactory(channels=["sms"])) for h in range(4)]
    texts = [a.reminders.get(stage=CONF, channel="sms") for a in appointments]
    (batch,) = claim()
    assert sorted(batch) == sorted(r.pk for r in texts)

    assert services.send_batch(batch) == 1

    first, in_hand, *untried = [_reload(Reminder.objects.get(pk=pk)) for pk in batch]
    assert first.status == Reminder.Status.SENT
    assert (in_hand.status, in_hand.attempts) == (Reminder.Status.PENDING, 1)
    assert "soft time limit" in in_hand.last_error and in_hand.send_at > timezone.now()
    for row in untried:
        assert (row.status, row.attempts, row.lease_until, row.claim_token) == (Reminder.Status.PENDING, 0, None, None)
    assert sorted(pk for b in claim() for pk in b) == sorted(r.pk for r in untried)  # the next dispatch has them


def test_a_batch_out_of_time_hands_its_untried_rows_back_to_dispatch(book, settings, mailoutbox, claim):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 0  # no time to spare: one send, then the rest go back
    for h in range(3):
        book(FAR + timedelta(hours=h), patient=PatientFactory(channels=["email"]))
    (batch,) = claim()

    assert services.send_batch(batch) == 1

    first, *rest = [Reminder.objects.get(pk=pk) for pk in batch]
    assert first.status == Reminder.Status.SENT and len(mailoutbox) == 1
    assert [(r.status, r.attempts, r.lease_until) for r in rest] == [(Reminder.Status.PENDING, 0, None)] * 2
    assert sorted(pk for b in claim() for pk in b) == sorted(r.pk for r in rest)


class CancellingMailServer(LocMemEmailBackend):
    """While the first email is on its way, a scheduler changes the next patient's appointment through a service
    (which closes or moves its reminders still to go)."""

    change = None

    def send_messages(self, messages):
        if type(self).change is not None:
            change, type(self).change = type(self).change, None
            change()
        return super().send_messages(messages)


def test_an_appointment_cancelled_while_the_batch_sends_is_not_reminded_and_the_row_before_is_recorded(
    book, settings, mailoutbox, claim
):
    settings.EMAIL_BACKEND = f"{__name__}.CancellingMailServer"
    first, second, third = [
        book(FAR + timedelta(hours=h), patient=PatientFactory(channels=["email"])) for h in range(3)
    ]
    (batch,) = claim()
    CancellingMailServer.change = lambda: cancel_appointment(
        second, reason_code=Appointment.CancelReason.PATIENT_REQUEST
    )

    assert services.send_batch(batch) == 2

    rows = [_reload(r) for r in _emails([first, second, third])]
    assert [r.status for r in rows] == [Reminder.Status.SENT, Reminder.Status.CANCELLED, Reminder.Status.SENT]
    assert rows[1].last_error == "The appointment was cancelled."
    assert rows[0].sent_at and rows[0].claim_token is None, "the outcome went in although the next claim failed"
    confirmations = [m for m in mailoutbox if "cancel" not in m.subject.lower()]
    assert [int(m.extra_headers["X-Reminder-ID"]) for m in confirmations] == [rows[0].pk, rows[2].pk]


class HandsChangingMailServer(LocMemEmailBackend):
    """While the first email is on its way, its row changes hands (as if its lease had run out and another sender
    had claimed it)."""

    taken: int | None = None

    def send_messages(self, messages):
        if type(self).taken is not None:
            Reminder.objects.filter(pk=type(self).taken).update(claim_token=uuid.uuid4())
            type(self).taken = None
        return super().send_messages(messages)


def test_a_row_that_changed_hands_mid_send_records_nothing_and_the_next_row_still_goes(
    book, settings, mailoutbox, claim, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}.HandsChangingMailServer"
    appointments = [book(FAR + timedelta(hours=h), patient=PatientFactory(channels=["email"])) for h in range(2)]
    first, second = _emails(appointments)
    (batch,) = claim()
    HandsChangingMailServer.taken = batch[0]

    assert services.send_batch(batch) == 1

    taken, other = (_reload(Reminder.objects.get(pk=pk)) for pk in batch)
    assert taken.status == Reminder.Status.SENDING and taken.sent_at is None, "its new holder records it"
    assert other.status == Reminder.Status.SENT
    assert "changed hands" in caplog.text


def test_an_appointment_moved_while_the_batch_sends_is_reminded_only_for_its_new_time(
    book, settings, mailoutbox, claim
):
    settings.EMAIL_BACKEND = f"{__name__}.CancellingMailServer"
    first, second = [book(FAR + timedelta(hours=h), patient=PatientFactory(channels=["email"])) for h in range(2)]
    (batch,) = claim()
    new_start = second.scheduled_start + timedelta(days=1)
    CancellingMailServer.change = lambda: reschedule_appointment(second, new_start=new_start)

    assert services.send_batch(batch) == 1

    done, moved = _reload(_emails([first])[0]), _reload(Reminder.objects.get(pk=batch[1]))
    assert done.status == Reminder.Status.SENT
    assert (moved.status, moved.for_start) == (Reminder.Status.PENDING, new_start), "moved, not sent for the old time"
    assert [int(m.extra_headers["X-Reminder-ID"]) for m in mailoutbox] == [done.pk]


class UnreachableMailServer(CountingMailServer):
    """A mail server nobody answers for: every attempt to connect is counted, and times out."""

    def open(self):
        type(self).opened += 1
        raise TimeoutError("timed out")

    def send_messages(self, email_messages):  # Django's SMTP backend connects here when it has no connection
        self.open()


def test_with_the_mail_server_away_each_email_of_a_batch_waits_out_one_timeout_not_two(book, settings, claim):
    settings.EMAIL_BACKEND = f"{__name__}.UnreachableMailServer"
    appointments = [book(FAR + timedelta(hours=h), patient=PatientFactory(channels=["email"])) for h in range(2)]
    (batch,) = claim()

    assert services.send_batch(batch) == 0

    assert UnreachableMailServer.opened == 1 + 2, "the batch's connection, then one try for each email"
    for row in (_reload(r) for r in _emails(appointments)):
        assert (row.status, row.attempts) == (Reminder.Status.PENDING, 1)
        assert row.last_error == "Could not reach the mail server to send this email."
