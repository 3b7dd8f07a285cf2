# ruff: noqa: E402 - Django is set up before the project's modules are imported
"""Benchmark: the appointments CSV export (/reports/export/) over 100,000 appointments, streamed.

    .venv/bin/python bench/exports.py                 # SQLite, in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ductogram .venv/bin/python bench/exports.py

Like bench/schedule.py it never touches the data in DATABASE_URL: it creates a throwaway database next to it, fills
it with bulk_create (the same rows as tests/procedures/test_exports.py, every other one with a result), measures,
and drops it, even on failure.

Prints, for a radiologist's export (with results) and a scheduler's: the time to stream the whole download, its
size, and the peak Python memory (tracemalloc) while consuming it; then, for comparison, the peak of holding the
same rows as a list, which is what a non-streamed export would need at least.
"""

import argparse
import os
import sys
import time
import tracemalloc
import warnings
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prepapp.settings")
warnings.filterwarnings("ignore", message="No directory at")

import django

django.setup()

from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from throwaway import throwaway_database  # noqa: E402 - bench/ is the script's own folder

from procedures.access import RADIOLOGISTS, SCHEDULERS
from procedures.exports.selectors import appointments
from tests.procedures.test_exports import seed

MB = 2**20


def stream(client: Client, url: str, *, traced: bool) -> tuple[float, int, int, int]:
    """Seconds, lines, bytes and peak traced bytes (0 when not traced) for consuming the download at `url`."""
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200 and response.streaming, response.status_code
    lines = size = 0
    for chunk in response.streaming_content:
        lines += 1
        size += len(chunk)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    return seconds, lines, size, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appointments", type=int, default=100_000)
    args = parser.parse_args()

    with throwaway_database():
        first = timezone.localdate()
        started = time.perf_counter()
        seed(args.appointments, first, with_results=True)
        last = first + timedelta(days=365)
        print(f"Seeded {args.appointments:,} appointments in {time.perf_counter() - started:.1f} s")
        url = f"/reports/export/?from={first.isoformat()}&to={last.isoformat()}"
        for role in (RADIOLOGISTS, SCHEDULERS):
            user = User.objects.create_user(f"bench.{role.lower()}", is_staff=True)
            user.groups.add(Group.objects.get(name=role))
            client = Client()
            client.force_login(user)
            seconds, lines, size, _ = stream(client, url, traced=False)
            _, _, _, peak = stream(client, url, traced=True)
            print(
                f"{role:<13} {lines - 1:,} rows, {size / MB:.1f} MB of CSV in {seconds:.1f} s "
                f"({(lines - 1) / seconds:,.0f} rows/s); peak while streaming {peak / MB:.1f} MB"
            )
        tracemalloc.start()
        held = list(appointments(first, last, with_results=True))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"For comparison: the {len(held):,} rows held as a list (with results) peak at {peak / MB:.1f} MB")


if __name__ == "__main__":
    main()
