from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from reminders.services import LAST_DISPATCH_CACHE_KEY


def _beat_check() -> str:
    """Beat records each dispatch; three missed dispatches in a row mean reminders are not going out."""
    try:
        last = cache.get(LAST_DISPATCH_CACHE_KEY)
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}"
    if not last:
        return "error: no dispatch recorded yet"
    age = timezone.now() - datetime.fromisoformat(last)
    if age > timedelta(seconds=3 * settings.REMINDER_DISPATCH_SECONDS + 30):
        return f"error: last dispatch {int(age.total_seconds())} s ago"
    return "ok"


@never_cache
def healthz(request):
    """For a load balancer or a person: are the database and the broker reachable, and is beat dispatching?"""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is a failed check
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = f"error: {exc.__class__.__name__}"
    checks["beat"] = _beat_check()
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
