"""/metrics for Prometheus, behind a bearer token (METRICS_TOKEN): the figures an on-call person alerts on.

- The outbox, read from the database at each scrape (OutboxCollector): reminders due and overdue, the oldest due
  one's age, and reminders sent and failed in the last hour, per channel; the time of beat's last dispatch, from the
  mark it leaves in the cache for /healthz. Sends happen in the Celery workers, which nobody scrapes, and several web
  processes answer /metrics in turn: the rows are the one account all of them share, so a scrape of any process
  gives the same, true figures, whatever restarted. Sent and failed are counts over the last hour (gauges), not
  counters of all time: an all-time count reads the outbox's whole history at every scrape (about a second over a
  million rows, bench/metrics.py), the last hour's rows come off the `reminder_due` index.
- Request latency, observed in the web process that served the request (RequestMiddleware), by route name, method
  and status class (never the path: patients' links carry tokens). Under gunicorn, several worker processes serve
  requests; with PROMETHEUS_MULTIPROC_DIR set (an empty directory, the same for all of them, emptied before the
  server starts) each writes its figures there and a scrape of any one sums them all (prometheus_client's
  multiprocess mode). Without it, each process answers with its own figures.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from reminders.selectors import outbox_figures
from reminders.services import LAST_DISPATCH_CACHE_KEY

REQUEST_LATENCY = Histogram(
    "ductogram_http_request_duration_seconds",
    "Time from a request reaching Django to its response (to the first byte of a streamed one).",
    ["route", "method", "status"],
)
# Methods named as they are; anything else is one label, so a client cannot make new series at will.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNRESOLVED = "unresolved"  # no URL pattern matched: a 404, a static file, a redirect to HTTPS


def observe_request(request: HttpRequest, response: HttpResponse, seconds: float) -> None:
    match = getattr(request, "resolver_match", None)
    route = match.view_name if match else UNRESOLVED
    method = request.method if request.method in KNOWN_METHODS else "other"
    REQUEST_LATENCY.labels(route=route, method=method, status=f"{response.status_code // 100}xx").observe(seconds)


# Sent and failed are counted over this window.
RECENT = timedelta(hours=1)


def overdue_after() -> timedelta:
    """A due reminder is overdue once it has waited this long: five minutes, or three dispatches when beat runs less
    often than every 100 s. A healthy service sends within one dispatch (30 s by default) and a batch's time."""
    return timedelta(seconds=max(300.0, 3 * settings.REMINDER_DISPATCH_SECONDS))


class OutboxCollector:
    """The outbox's figures, read when Prometheus scrapes (two queries, and a cache read)."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        up = GaugeMetricFamily(
            "ductogram_outbox_readable", "1 when this scrape could read the reminder outbox from the database, else 0."
        )
        try:
            figures = outbox_figures(now=now, overdue_after=overdue_after(), window=RECENT)
        except DatabaseError:
            up.add_metric([], 0)
            yield up
        else:
            up.add_metric([], 1)
            yield up
            yield from self._outbox(figures, now)
        yield self._last_dispatch()

    def _outbox(self, figures, now: datetime) -> Iterable[Metric]:
        labels = ["channel", "delivery"]
        due = GaugeMetricFamily(
            "ductogram_reminders_due",
            "Reminders whose time has come and that have not gone yet (pending, or claimed and being sent).",
            labels=labels,
        )
        overdue = GaugeMetricFamily(
            "ductogram_reminders_overdue",
            f"Due reminders that have waited longer than {int(overdue_after().total_seconds())} s.",
            labels=labels,
        )
        oldest = GaugeMetricFamily(
            "ductogram_reminders_oldest_due_age_seconds",
            "How long the oldest due reminder has waited since its time; 0 when none is due.",
            labels=labels,
        )
        sent = GaugeMetricFamily(
            "ductogram_reminders_sent_last_hour", "Reminders sent in the last hour (by when they went).", labels=labels
        )
        failed = GaugeMetricFamily(
            "ductogram_reminders_failed_last_hour",
            "Reminders that failed for good in the last hour (refused, or given up after the last attempt).",
            labels=labels,
        )
        for row in figures:
            # Letters wait for staff to print and post them, not for a worker: alert on the workers' rows.
            values = [row.channel, "staff" if row.by_hand else "worker"]
            due.add_metric(values, row.due)
            overdue.add_metric(values, row.overdue)
            oldest.add_metric(values, (now - row.oldest_due).total_seconds() if row.oldest_due else 0)
            sent.add_metric(values, row.sent)
            failed.add_metric(values, row.failed)
        return [due, overdue, oldest, sent, failed]

    def _last_dispatch(self) -> Metric:
        gauge = GaugeMetricFamily(
            "ductogram_reminders_last_dispatch_timestamp_seconds",
            "When beat last dispatched due reminders (Unix time); 0 when no dispatch is recorded.",
        )
        try:
            last = cache.get(LAST_DISPATCH_CACHE_KEY)
        except Exception:  # noqa: BLE001 - Redis away: the figure says "never", which alerts
            last = None
        gauge.add_metric([], datetime.fromisoformat(last).timestamp() if last else 0)
        return gauge


class _Scrape:
    """What one scrape reports: the request figures of every web process (multiprocess mode) or of this one, the
    process's own (CPU, memory) when alone, and the outbox."""

    def collect(self) -> Iterator[Metric]:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            yield from registry.collect()
        else:
            yield from REGISTRY.collect()
        yield from OutboxCollector().collect()


def _authorised(request: HttpRequest) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), settings.METRICS_TOKEN.encode())


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """The figures, for a scraper sending `Authorization: Bearer <METRICS_TOKEN>`."""
    if not settings.METRICS_TOKEN:
        return HttpResponse(
            "Metrics are off: set METRICS_TOKEN to turn them on.\n", status=404, content_type="text/plain"
        )
    if not _authorised(request):
        response = HttpResponse(
            "Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    # The format the scraper asks for (Prometheus's text format by default, OpenMetrics when it says so).
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(_Scrape()), content_type=content_type)
