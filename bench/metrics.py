# ruff: noqa: E402 - Django is set up before the project's modules are imported
"""Benchmark: what one scrape of /metrics costs in the database, over an outbox of 1,000,000 reminders.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ductogram .venv/bin/python bench/metrics.py

PostgreSQL only. As bench/dispatch.py (whose rows it reuses): a throwaway database beside DATABASE_URL, filled,
measured, dropped. Of the rows, 89% were sent and 1% failed over the last three years (an outbox after years of
use: the rows stay), 500 are due (pending, their time between 1 and 20 minutes ago), the rest pending in the
future. Prints the median and 95th percentile of `outbox_figures` (the two queries a scrape runs) and of the whole
authorised /metrics answer, and the plan of each query.
"""

import argparse
import random
import time
from datetime import timedelta

from dispatch import add_pending, future_appointments, summary, timed, vacuum  # sets Django up
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from throwaway import throwaway_database

from prepapp.observability.metrics import RECENT, overdue_after
from reminders.models import Reminder
from reminders.selectors import outbox_figures

DUE = 500


def shape(total: int) -> None:
    """90% sent (over the last three years), 1% failed (as long ago), DUE due in the last 20 minutes, the rest
    pending in the future (untimed)."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reminders_reminder SET status = CASE WHEN id %% 100 = 0 THEN 'failed' ELSE 'sent' END, "
            "send_at = %s - (id %% 1000000) * interval '95 seconds', sent_at = CASE WHEN id %% 100 = 0 THEN NULL "
            "ELSE %s - (id %% 1000000) * interval '95 seconds' END WHERE id %% 10 <> 9",
            [now, now],
        )
    due = list(Reminder.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True)[:DUE])
    for n, pk in enumerate(due):
        Reminder.objects.filter(pk=pk).update(send_at=now - timedelta(seconds=60 + n * 2))
    vacuum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    with throwaway_database(), override_settings(METRICS_TOKEN="bench-token"):
        started = time.perf_counter()
        add_pending(future_appointments(1_000), args.rows, random.Random(7), offset=0)
        shape(args.rows)
        print(f"Filled {Reminder.objects.count():,} reminders in {time.perf_counter() - started:.1f} s")
        figures = outbox_figures(now=timezone.now(), overdue_after=overdue_after(), window=RECENT)
        print("  ", ", ".join(f"{f.channel}: due {f.due}, sent {f.sent:,}, failed {f.failed:,}" for f in figures[:1]))

        def read() -> None:
            outbox_figures(now=timezone.now(), overdue_after=overdue_after(), window=RECENT)

        def scrape() -> None:
            assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer bench-token").status_code == 200

        print(f"outbox_figures (2 queries)   {summary(timed(args.runs, read))}   ({args.runs} runs)")
        print(f"GET /metrics                 {summary(timed(args.runs, scrape))}   ({args.runs} runs)")
        if connection.vendor == "postgresql":
            with CaptureQueriesContext(connection) as ctx:
                read()
            for query in ctx.captured_queries:
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                    print(f"\n{query['sql'][:300]}")
                    for (line,) in cursor.fetchall():
                        print(f"    {line}")


if __name__ == "__main__":
    main()
