"""Where a reminder's send time goes, measured in one process without Celery: the ceiling a worker process can reach.

    .venv/bin/python bench/send_profile.py [--count 2000]

On a throwaway database (bench/throwaway.py) it makes `--count` due reminders (half emails, half texts, as
bench/reminders.py does), claims them with `dispatch_due` as beat would, and sends every batch with `send_batch` in
this process, timing four parts: SQL (every statement, with its round trip and commit), building the message
(templates, FAQ, .ics), handing it to the backend (Django's locmem email backend and the file SMS backend, as the
benchmark's worker uses), and the rest (Python bookkeeping). It prints reminders per second for one process and the
share of each part; bench/reminders.py then shows what Celery and Redis add around it with real worker processes.
"""

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prepapp.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from bench.reminders import make_due_reminders  # noqa: E402
from bench.throwaway import throwaway_database  # noqa: E402
from reminders import queueing, services  # noqa: E402
from reminders.channels.email import EmailChannel  # noqa: E402
from reminders.channels.sms import SmsChannel  # noqa: E402
from reminders.models import Reminder  # noqa: E402

spent: dict[str, float] = defaultdict(float)
statements = 0


@contextmanager
def timed(part: str):
    began = time.perf_counter()
    try:
        yield
    finally:
        spent[part] += time.perf_counter() - began


def sql_timer(execute, sql, params, many, context):
    global statements
    statements += 1
    with timed("SQL"):
        return execute(sql, params, many, context)


def timing(owner, name: str, part: str) -> None:
    real = getattr(owner, name)

    def wrapped(*args, **kwargs):
        with timed(part):
            return real(*args, **kwargs)

    setattr(owner, name, wrapped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "reminders.providers.sms.FileSMSBackend"
    settings.SMS_QUIET_HOURS = ""
    settings.SMS_FILE_PATH = str(Path(tempfile.mkdtemp(prefix="bench-profile-")) / "sms.jsonl")
    with throwaway_database():
        make_due_reminders(args.count)
        claimed: list[int] = []
        while services.dispatch_due(limit=2000, queue=claimed.extend):
            pass
        channels = dict(Reminder.objects.filter(pk__in=claimed).values_list("pk", "channel"))
        batches = queueing.batches_by_channel([(pk, channels[pk]) for pk in claimed])

        timing(EmailChannel, "compose", "building the message")
        timing(SmsChannel, "compose", "building the message")
        timing(EmailChannel, "deliver", "handing it to the backend")
        timing(SmsChannel, "deliver", "handing it to the backend")
        with connection.execute_wrapper(sql_timer):
            began = time.perf_counter()
            for batch in batches:
                services.send_batch(batch)
            total = time.perf_counter() - began

        sent = Reminder.objects.filter(status=Reminder.Status.SENT).count()
        print(f"sent {sent} of {len(claimed)} reminders in {len(batches)} batches in one process in {total:.2f} s:")
        print(f"  {sent / total:.0f} reminders/s, {statements / sent:.2f} SQL statements a reminder")
        # The wrapped parts nest (a deliver runs no SQL; a render none either): the rest is bookkeeping.
        spent["the rest (Python bookkeeping)"] = total - sum(spent.values())
        for part, seconds in sorted(spent.items(), key=lambda item: -item[1]):
            print(f"  {part:32} {seconds:6.2f} s  {100 * seconds / total:3.0f}%  {1000 * seconds / sent:.2f} ms each")


if __name__ == "__main__":
    main()
