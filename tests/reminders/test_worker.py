"""The reminder path on real parts: a Celery worker subprocess, a redis-server of the test's own, an SMTP sink.

These are the failures peers' trackers keep reporting: a worker killed mid-batch, the broker restarted with tasks
in it. The outbox in the database must make both lose nothing and send nothing twice.
"""

import json
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from procedures import services as booking
from procedures.models import Appointment, Patient
from reminders import services
from reminders.channels.sms import forbidden_words_in
from reminders.models import Reminder
from reminders.stages import Stage
from tests.conftest import use_broker
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    ProcedureTypeFactory,
    RoomFactory,
    clinic_day_after,
    next_clinic_day,
    reminder_rule,
)
from tests.realparts import RedisServer, SMTPSink, Worker, database_url, wait_for, wait_while_progressing, worker_env

# serialized_rollback: the flush after each transactional test must not take the migrations' rows (FAQ, rules).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The worker's limits. Roomy by default, so a loaded machine never trips them: a send cut off by the soft limit is
# retried after the usual minute, which a test waiting for it would take for a loss. The tests of leases and limits
# ask for short ones (short_limits=True): a dead worker's rows come back within 4 s, and a send is cut off at 2.4 s
# (80% of 3). Either way the hard limit stays below the lease and the soft one above the mail and SMS timeouts, as
# the settings require.
ROOMY_LIMITS = {"lease": 60, "task": 30, "send": 10}
SHORT_LIMITS = {"lease": 4, "task": 3, "send": 2}
TASK_TIME_LIMIT = SHORT_LIMITS["task"]
# Batches of 10, not 50: with short limits a batch stops taking rows after 0.4 s (the soft limit less a send's
# timeout) and hands the rest back, so smaller batches keep the hand-backs few.
BATCH_SIZE = 10


class StallingSMSBackend:
    """An SMS provider that never answers: the worker's soft time limit goes off inside the send."""

    def send(self, to: str, body: str, *, reference: str = "") -> str:
        time.sleep(60)
        return "never"


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    use_broker(server.url)
    yield server
    use_broker("memory://localhost/")
    server.stop()


@pytest.fixture
def smtp_sink():
    sink = SMTPSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def make_worker(redis_server, smtp_sink, tmp_path, settings):
    settings.REMINDER_BATCH_SIZE = BATCH_SIZE  # dispatch, here, makes the batches
    settings.SMS_QUIET_HOURS = ""
    settings.EMAIL_URL = smtp_sink.url
    env = worker_env(
        database=database_url(connection.settings_dict),
        redis_url=redis_server.url,
        smtp_url=smtp_sink.url,
        tmp=tmp_path,
        REMINDER_BATCH_SIZE=str(BATCH_SIZE),
        # Started by make run or the tests, both development (a production worker has its SECRET_KEY).
        DEBUG="true",
        # The tests run at any hour; quiet hours have their own unit tests.
        SMS_QUIET_HOURS="",
    )
    started: list[Worker] = []

    def make(concurrency: int = 1, *, short_limits: bool = False, **extra_env: str) -> Worker:
        limits = SHORT_LIMITS if short_limits else ROOMY_LIMITS
        settings.REMINDER_LEASE_SECONDS = limits["lease"]  # dispatch, here, sets the leases
        limits_env = {
            "REMINDER_LEASE_SECONDS": str(limits["lease"]),
            "CELERY_TASK_TIME_LIMIT": str(limits["task"]),
            "EMAIL_TIMEOUT": str(limits["send"]),
            "SMS_HTTP_TIMEOUT": str(limits["send"]),
        }
        log_path = tmp_path / f"worker-{len(started)}.log"
        worker = Worker(env | limits_env | extra_env, concurrency=concurrency, log_path=log_path)
        worker.start()
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.stop()


def _due_email_reminders(count: int) -> list[int]:
    """`count` appointments next week, each with a booking confirmation by email due now."""
    procedure, room = ProcedureTypeFactory(), RoomFactory()
    rule = reminder_rule(Stage.BOOKING_CONFIRMATION)
    now = timezone.now()
    patients = Patient.objects.bulk_create(
        PatientFactory.build(mrn=f"BATCH{i:05d}", channels=["email"]) for i in range(count)
    )
    start = next_clinic_day(days_ahead=8)
    appointments = Appointment.objects.bulk_create(
        AppointmentFactory.build(
            patient=p, procedure_type=procedure, room=room, scheduled_start=start + timedelta(minutes=45 * i)
        )
        for i, p in enumerate(patients)
    )
    reminders = Reminder.objects.bulk_create(
        Reminder(
            appointment=a,
            rule=rule,
            stage=rule.stage,
            channel="email",
            for_start=a.scheduled_start,
            send_at=now,
            content_stages=[rule.stage],
        )
        for a in appointments
    )
    return [r.pk for r in reminders]


def _dispatch_until_all_sent(ids: list[int], stalled_after: float = 60) -> None:
    """What beat does every 30 seconds, faster: claim due rows and rows whose lease ran out, until every row is sent.
    It waits as long as rows keep changing state, so a slow machine only takes longer; it fails when nothing has
    moved for `stalled_after` seconds (longer than a lease, a retry's wait and a worker's reconnection)."""

    def statuses() -> dict[str, int]:
        rows = Reminder.objects.filter(pk__in=ids).values_list("status").annotate(n=Count("id"))
        return dict(rows) | {"attempts": sum(Reminder.objects.filter(pk__in=ids).values_list("attempts", flat=True))}

    wait_while_progressing(
        statuses,
        done=lambda counts: counts.get(Reminder.Status.SENT) == len(ids),
        stalled_after=stalled_after,
        what="every reminder to be sent",
        nudge=services.dispatch_due,
    )


def _settled(appointment: Appointment) -> bool:
    """Every reminder of the appointment that was due has been dealt with: none is being sent or waiting to go."""
    rows = Reminder.objects.filter(appointment=appointment)
    return not (
        rows.filter(status=Reminder.Status.SENDING).exists()
        or rows.filter(status=Reminder.Status.PENDING, send_at__lte=timezone.now()).exists()
    )


def test_a_booking_gives_the_patient_a_confirmation_email_with_the_faq_within_seconds(make_worker, smtp_sink):
    make_worker(concurrency=1)
    patient = PatientFactory(channels=["email", "sms"])
    appointment = booking.book_appointment(
        patient=patient,
        procedure_type=ProcedureTypeFactory(),
        room=RoomFactory(),
        scheduled_start=next_clinic_day(days_ahead=10),
        laterality="left",
        discharge="bloody",
    )
    # How fast it arrives is bench/reminders.py's measure, not a test's: here, only that it arrives.
    wait_for(lambda: smtp_sink.messages, timeout=60, what="the confirmation email")
    message = smtp_sink.messages[0]
    text = message.get_body(("plain",)).get_content()
    assert message["To"] == patient.email
    assert "ductogram" not in message["Subject"].lower()
    assert "What is a ductogram?" in text
    assert "Should I squeeze out the discharge before the test?" in text
    reminder = Reminder.objects.get(appointment=appointment, stage=Stage.BOOKING_CONFIRMATION, channel="email")
    wait_for(lambda: Reminder.objects.get(pk=reminder.pk).status == Reminder.Status.SENT, 60, what="sent status")
    # The text confirmation went through the same worker to the SMS backend.
    wait_for(
        lambda: Reminder.objects.filter(
            appointment=appointment, channel="sms", stage=Stage.BOOKING_CONFIRMATION, status=Reminder.Status.SENT
        ).exists(),
        60,
        what="the SMS confirmation",
    )


def test_a_worker_killed_mid_batch_loses_no_reminder_and_sends_none_twice(make_worker, smtp_sink, settings):
    ids = _due_email_reminders(200)
    smtp_sink.hold_after = 60  # the 61st message is held unanswered: the worker is stuck in the middle of it
    first = make_worker(concurrency=1, short_limits=True)
    assert services.dispatch_due() == 200
    assert smtp_sink.holding.wait(60), "the worker never reached the 61st message"
    first.kill()
    smtp_sink.released.set()
    smtp_sink.hold_after = None
    assert len(smtp_sink.messages) == 60
    in_flight = Reminder.objects.filter(pk__in=ids, status=Reminder.Status.SENDING, claim_token__isnull=False)
    assert in_flight.count() == 1, "the worker died holding exactly one reminder mid-send"

    make_worker(concurrency=2, short_limits=True, REMINDER_RETRY_BASE_SECONDS="1")
    _dispatch_until_all_sent(ids)

    delivered = smtp_sink.reminder_ids()
    assert set(delivered) == set(ids), "every reminder reached the mail server"
    assert max(delivered.values()) == 1, f"sent twice: {[i for i, n in delivered.items() if n > 1]}"
    assert Reminder.objects.filter(pk__in=ids, status=Reminder.Status.SENT).count() == 200


def test_a_redis_restart_mid_batch_loses_no_reminder_and_sends_none_twice(make_worker, smtp_sink, redis_server):
    ids = _due_email_reminders(200)
    smtp_sink.delay = 0.01
    # A send a loaded machine stretches past the soft time limit comes back in seconds, not the usual minute.
    make_worker(concurrency=2, short_limits=True, REMINDER_RETRY_BASE_SECONDS="1")
    assert services.dispatch_due() == 200
    wait_for(lambda: len(smtp_sink.messages) >= 40, 60, what="the first 40 messages")
    redis_server.restart()  # every queued task is gone with it

    _dispatch_until_all_sent(ids)

    delivered = smtp_sink.reminder_ids()
    assert set(delivered) == set(ids)
    assert max(delivered.values()) == 1, f"sent twice: {[i for i, n in delivered.items() if n > 1]}"


def test_the_worker_sends_texts_to_the_sms_backend_and_never_after_the_appointment_began(
    make_worker, smtp_sink, tmp_path
):
    patient = PatientFactory(channels=["sms"])
    appointment = AppointmentFactory(patient=patient, scheduled_start=next_clinic_day(days_ahead=3))
    rule = reminder_rule(Stage.DAY_BEFORE)
    now = timezone.now()
    due = Reminder.objects.create(
        appointment=appointment,
        rule=rule,
        stage=rule.stage,
        channel="sms",
        for_start=appointment.scheduled_start,
        send_at=now,
        content_stages=[rule.stage],
    )
    begun = AppointmentFactory(patient=PatientFactory(channels=["sms"]), scheduled_start=now - timedelta(minutes=5))
    late = Reminder.objects.create(
        appointment=begun,
        rule=rule,
        stage=rule.stage,
        channel="sms",
        for_start=begun.scheduled_start,
        send_at=now - timedelta(hours=1),
        content_stages=[rule.stage],
    )
    make_worker(concurrency=1)
    services.dispatch_due()
    wait_for(lambda: Reminder.objects.get(pk=due.pk).status == Reminder.Status.SENT, 60, what="the text to go")
    texts = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert [t["to"] for t in texts] == [patient.mobile.as_e164]
    assert "ductogram" not in texts[0]["body"].lower()
    assert Reminder.objects.get(pk=late.pk).status == Reminder.Status.SKIPPED


@pytest.fixture
def published_with_the_workers_limits(monkeypatch):
    """Celery puts the publishing process's time limits into the message once that process has the task registered
    (this one has, after a test ran the task), and the worker obeys the message: here they must be the worker's."""
    from reminders.tasks import send

    monkeypatch.setattr(send, "time_limit", TASK_TIME_LIMIT)
    monkeypatch.setattr(send, "soft_time_limit", round(TASK_TIME_LIMIT * 0.8, 1))
    monkeypatch.setattr(send, "_exec_options", None)


@pytest.mark.usefixtures("published_with_the_workers_limits")
def test_a_send_past_the_soft_time_limit_is_retried_later_and_the_worker_carries_on(make_worker, smtp_sink):
    rule = reminder_rule(Stage.DAY_BEFORE)
    now = timezone.now()

    def due(channel: str) -> Reminder:
        patient = PatientFactory(channels=["email", "sms"])
        appointment = AppointmentFactory(patient=patient, scheduled_start=next_clinic_day(days_ahead=3))
        return Reminder.objects.create(
            appointment=appointment,
            rule=rule,
            stage=rule.stage,
            channel=channel,
            for_start=appointment.scheduled_start,
            send_at=now,
            content_stages=[rule.stage],
        )

    text = due("sms")
    worker = make_worker(concurrency=1, short_limits=True, SMS_BACKEND=f"{__name__}.StallingSMSBackend")
    assert services.dispatch_due() == 1
    wait_for(lambda: Reminder.objects.get(pk=text.pk).status == Reminder.Status.PENDING, 60, what="the retry")
    text.refresh_from_db()
    assert text.attempts == 1
    assert text.last_error == "The send took longer than the task's soft time limit (2.4 s)."
    assert text.send_at > timezone.now()  # after the backoff, by the next dispatch

    email = due("email")  # the same pool process takes the next send
    assert services.dispatch_due() == 1
    wait_for(lambda: Reminder.objects.get(pk=email.pk).status == Reminder.Status.SENT, 60, what="the next send")
    log = worker.log_path.read_text()
    assert "Hard time limit" not in log
    assert "exited with" not in log and "WorkerLostError" not in log


def _book(patient: Patient, *, days_ahead: int) -> Appointment:
    return booking.book_appointment(
        patient=patient,
        procedure_type=ProcedureTypeFactory(),
        room=RoomFactory(),
        scheduled_start=next_clinic_day(days_ahead=days_ahead),
        laterality="left",
        discharge="bloody",
    )


def test_a_patient_who_stopped_reminders_and_is_moved_receives_the_move_notice(make_worker, smtp_sink):
    make_worker(concurrency=1)
    patient = PatientFactory(channels=["email"])
    appointment = _book(patient, days_ahead=10)
    wait_for(lambda: smtp_sink.messages, timeout=60, what="the confirmation email")
    services.opt_out(patient)

    booking.reschedule_appointment(appointment, new_start=clinic_day_after(appointment.scheduled_start))

    wait_for(lambda: len(smtp_sink.messages) == 2, timeout=60, what="the move notice")
    notice = smtp_sink.messages[1]
    assert notice["To"] == patient.email
    assert notice["Subject"].startswith("Your appointment has moved to ")
    notices = Reminder.objects.filter(appointment=appointment, stage=Stage.RESCHEDULED, status=Reminder.Status.SENT)
    wait_for(lambda: notices.filter(channel="email").count() == 1, timeout=60, what="the notice recorded as sent")
    # ...and no reminder for the new time: she stopped those (the notice also goes by text: news, not a reminder).
    pending = Reminder.objects.filter(appointment=appointment, status=Reminder.Status.PENDING)
    assert not pending.exclude(stage=Stage.RESCHEDULED).exists()


def test_a_move_she_missed_after_a_stop_reply_is_texted_once_when_she_replies_start(make_worker, tmp_path):
    make_worker(concurrency=1)
    patient = PatientFactory(email="", channels=["sms"], mobile="+447911123456")
    appointment = _book(patient, days_ahead=10)
    sms_file = tmp_path / "sms.jsonl"
    wait_for(lambda: sms_file.exists(), timeout=60, what="the confirmation text")
    services.opt_out_by_number("+447911123456")  # she replied STOP

    booking.reschedule_appointment(appointment, new_start=clinic_day_after(appointment.scheduled_start))
    wait_for(lambda: _settled(appointment), timeout=60, what="the move notice to be dealt with")
    assert len(sms_file.read_text().splitlines()) == 1  # nothing may reach a number that replied STOP

    services.opt_in_by_number("+447911123456")  # START: the missed notice goes, once
    services.opt_in_by_number("+447911123456")
    wait_for(lambda: len(sms_file.read_text().splitlines()) == 2, timeout=60, what="the missed move notice")
    services.dispatch_due()
    wait_for(lambda: _settled(appointment), timeout=60, what="every due text to be dealt with")
    texts = [json.loads(line) for line in sms_file.read_text().splitlines()]
    assert len(texts) == 2
    assert "moved" in texts[1]["body"]
    assert Reminder.objects.filter(appointment=appointment, stage=Stage.RESCHEDULED, status="sent").count() == 1


def test_a_text_only_patient_booked_ten_days_ahead_gets_the_preparation_rule_by_text_before_the_window(
    make_worker, tmp_path
):
    patient = PatientFactory(email="", channels=["sms"])
    appointment = _book(patient, days_ahead=10)
    window_opens = appointment.scheduled_start - timedelta(days=appointment.procedure_type.preparation_lead_days)
    preparation = Reminder.objects.get(appointment=appointment, stage=Stage.PREPARATION_STARTS, channel="sms")
    assert preparation.send_at == appointment.scheduled_start - timedelta(days=4) < window_opens
    # The worker's clock cannot be moved: bring the row's time to now, as the day before the window would.
    Reminder.objects.filter(pk=preparation.pk).update(send_at=timezone.now())
    make_worker(concurrency=1)

    services.dispatch_due()
    wait_for(lambda: Reminder.objects.get(pk=preparation.pk).status == Reminder.Status.SENT, 60, what="the text")

    texts = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    (sent,) = [t for t in texts if t["reference"] == str(preparation.pk)]
    assert sent["to"] == patient.mobile.as_e164
    assert "squeeze" in sent["body"] and len(sent["body"]) <= 160
    assert not forbidden_words_in(sent["body"])
    assert Reminder.objects.get(pk=preparation.pk).sent_at < window_opens
