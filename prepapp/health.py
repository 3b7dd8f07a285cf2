"""/healthz, for a load balancer or a person at 3 a.m.: is the database there, does the broker answer, and is beat
dispatching reminders? 200 when all three hold, 503 with what failed otherwise."""

from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from reminders.services import LAST_DISPATCH_CACHE_KEY


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _redis() -> str:
    redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    return "ok"


def _beat() -> str:
    """Beat records each dispatch; three missed dispatches in a row mean reminders are not going out."""
    last = cache.get(LAST_DISPATCH_CACHE_KEY)
    if not last:
        return "error: no dispatch recorded yet"
    age = timezone.now() - datetime.fromisoformat(last)
    if age > timedelta(seconds=3 * settings.REMINDER_DISPATCH_SECONDS + 30):
        return f"error: last dispatch {int(age.total_seconds())} s ago"
    return "ok"


CHECKS = {"database": _database, "redis": _redis, "beat": _beat}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure is a failed check
            checks[name] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
