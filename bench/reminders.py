"""Reminder throughput: 10,000 due reminders drained through a real Celery worker and Redis.

    .venv/bin/python bench/reminders.py [--count 10000] [--concurrency 2]

It makes a throwaway database (test_<name> of DATABASE_URL, or a temporary SQLite file), starts its own
redis-server on a free port and a `celery worker` subprocess whose email goes to Django's locmem backend and whose
texts go to the file SMS backend, then claims the reminders with `dispatch_due` as beat would and times the drain.
Dispatch queues the rows in batches of one channel (reminders.tasks.send_batch). It prints reminders per second,
the SQL queries one send alone costs (the event stages' path, measured in-process for an email and a text, with the
FAQ at its usual size and three times it, to show the count does not grow with the FAQ), and the queries per
reminder over a batch of 50 emails and one of 50 texts.
"""

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prepapp.settings")

import django  # noqa: E402

django.setup()

from datetime import timedelta  # noqa: E402

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

from procedures.models import Appointment, FaqEntry, Patient, ProcedureType, Room  # noqa: E402
from reminders import services  # noqa: E402
from reminders.models import Reminder, ReminderRule  # noqa: E402
from tests.conftest import use_broker  # noqa: E402
from tests.realparts import RedisServer, Worker, database_url, worker_env  # noqa: E402


def make_due_reminders(count: int) -> list[int]:
    """Half emails, half texts, each for its own appointment next week, all due now."""
    procedure = ProcedureType.objects.get(code="DUCTOGRAM")
    rooms = Room.objects.bulk_create(Room(name=f"Bench Room {i}") for i in range(10))
    patients = Patient.objects.bulk_create(
        Patient(
            mrn=f"B{i:07d}",
            given_name="Ada",
            family_name=f"Bench{i}",
            date_of_birth="1970-01-01",
            email=f"b{i}@patients.example",
            mobile=f"+447700{i:06d}"[:13],
        )
        for i in range(count)
    )
    start = timezone.now() + timedelta(days=9)
    appointments = Appointment.objects.bulk_create(
        Appointment(
            patient=p,
            procedure_type=procedure,
            room=rooms[i % 10],
            scheduled_start=start + timedelta(minutes=45 * (i // 10)),
            expected_duration=45,
            laterality="left",
            discharge="clear",
        )
        for i, p in enumerate(patients)
    )
    email_rule = ReminderRule.objects.get(procedure_type=procedure, stage="week_before")
    sms_rule = ReminderRule.objects.get(procedure_type=procedure, stage="day_before")
    now = timezone.now()
    rows = [
        Reminder(
            appointment=a,
            rule=rule,
            stage=rule.stage,
            channel=channel,
            for_start=a.scheduled_start,
            send_at=now,
            content_stages=[rule.stage],
        )
        for i, a in enumerate(appointments)
        for rule, channel in [((email_rule, "email"), (sms_rule, "sms"))[i % 2]]
    ]
    return [r.pk for r in Reminder.objects.bulk_create(rows, batch_size=2000)]


def queries_per_send(channel: str) -> int:
    reminder = Reminder.objects.filter(channel=channel, status=Reminder.Status.PENDING).first()
    with CaptureQueriesContext(connection) as ctx:
        sent = services.send_reminder(reminder.pk)
    assert sent.status == Reminder.Status.SENT, sent.last_error
    if os.environ.get("BENCH_SHOW_QUERIES"):
        for q in ctx.captured_queries:
            print("   ", q["sql"][:160])
    return len(ctx.captured_queries)


def queries_per_batched_send(per_channel: int = 50) -> float:
    """SQL queries per reminder over two batches as dispatch makes them: `per_channel` emails, then as many texts."""
    from reminders.queueing import batches_by_channel

    rows = []
    for channel in ("email", "sms"):
        rows += Reminder.objects.filter(channel=channel, status=Reminder.Status.PENDING).values_list("pk", "channel")[
            :per_channel
        ]
    with CaptureQueriesContext(connection) as ctx:
        for batch in batches_by_channel(list(rows)):
            services.send_batch(batch)
    sent = Reminder.objects.filter(pk__in=[pk for pk, _ in rows], status=Reminder.Status.SENT).count()
    assert sent == len(rows), f"{len(rows) - sent} of the batch not sent"
    return len(ctx.captured_queries) / len(rows)


def triple_the_faq() -> int:
    procedure = ProcedureType.objects.get(code="DUCTOGRAM")
    entries = list(FaqEntry.objects.filter(procedure_type=procedure))
    FaqEntry.objects.bulk_create(
        FaqEntry(
            procedure_type=procedure,
            question=f"{e.question} ({copy})",
            answer=e.answer,
            topic=e.topic,
            stages=e.stages,
            order=e.order,
        )
        for copy in (2, 3)
        for e in entries
    )
    return FaqEntry.objects.filter(procedure_type=procedure).count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()

    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "reminders.providers.sms.FileSMSBackend"
    settings.SMS_QUIET_HOURS = ""
    workdir = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    settings.SMS_FILE_PATH = str(workdir / "sms.jsonl")
    old_config = setup_databases(verbosity=0, interactive=False)
    redis = RedisServer(workdir)
    worker = None
    try:
        redis.start()
        use_broker(redis.url)
        ids = make_due_reminders(args.count)
        print(f"database: {connection.vendor}; {len(ids)} due reminders ({len(ids) // 2} email, {len(ids) // 2} SMS)")

        faq_count = FaqEntry.objects.count()
        email_q, sms_q = queries_per_send("email"), queries_per_send("sms")
        bigger_faq = triple_the_faq()
        email_q_big = queries_per_send("email")
        FaqEntry.objects.filter(question__endswith=")").delete()
        print(
            f"SQL queries per reminder sent alone (event stages): email {email_q} (FAQ of {faq_count}), "
            f"{email_q_big} (FAQ of {bigger_faq}); SMS {sms_q}"
        )
        print(f"SQL queries per reminder in batches of 50 emails and 50 texts: {queries_per_batched_send():.2f}")

        env = worker_env(
            database=database_url(connection.settings_dict),
            redis_url=redis.url,
            smtp_url="memorymail://",
            tmp=workdir,
            SMS_QUIET_HOURS="",
            DEBUG="False",
            SECRET_KEY=secrets.token_urlsafe(64),
            SECURE_SSL_REDIRECT="False",
        )
        worker = Worker(env, concurrency=args.concurrency, log_path=workdir / "worker.log")
        worker.start()
        remaining = Reminder.objects.filter(status=Reminder.Status.PENDING).count()
        started = time.perf_counter()
        while services.dispatch_due(limit=2000):
            pass
        while Reminder.objects.filter(status=Reminder.Status.SENT).count() < len(ids):
            if time.perf_counter() - started > 600:
                raise SystemExit("gave up after 10 minutes")
            time.sleep(0.1)
            services.dispatch_due(limit=2000)
        elapsed = time.perf_counter() - started
        print(
            f"drained {remaining} reminders through {args.concurrency} worker processes in {elapsed:.2f} s: "
            f"{remaining / elapsed:.0f} reminders/s"
        )
        failed = Reminder.objects.exclude(status=Reminder.Status.SENT).count()
        print(f"not sent: {failed}")
    finally:
        if worker:
            worker.stop()
        redis.stop()
        use_broker("memory://localhost/")
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
