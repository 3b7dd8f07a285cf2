"""When a reminder goes: offsets in the clinic's wall-clock time, and the quiet hours texts wait out
(SmsChannel.earliest_send)."""

from datetime import UTC, datetime, time, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


def send_time(start: datetime, offset: timedelta) -> datetime:
    """`offset` before `start`. Whole days count on the clinic's calendar, so "7 days before a 10:00
    appointment" is 10:00 a week earlier even across a clock change (168 hours would be 09:00 or 11:00)."""
    if offset % timedelta(days=1):
        # Elapsed time: in UTC, since arithmetic on a London-aware datetime would count wall-clock hours instead.
        return start.astimezone(UTC) - offset
    local = timezone.localtime(start)
    wall = datetime.combine(local.date() - timedelta(days=offset.days), local.time())
    return timezone.make_aware(wall, timezone.get_default_timezone())


@lru_cache(maxsize=4)
def _quiet_span(spec: str) -> tuple[time, time] | None:
    if not spec.strip():
        return None  # no quiet hours at all
    try:
        begins, ends = (time.fromisoformat(part.strip()) for part in spec.split("-"))
    except ValueError as exc:
        raise ImproperlyConfigured(f"SMS_QUIET_HOURS: cannot read {spec!r}; write it like '21:00-08:00'.") from exc
    return begins, ends


def quiet_until(moment: datetime) -> datetime | None:
    """If `moment` falls in the quiet hours (clinic time), the instant they end; otherwise None."""
    span = _quiet_span(settings.SMS_QUIET_HOURS)
    if span is None:
        return None
    begins, ends = span
    local = timezone.localtime(moment)
    now = local.time()
    tz = timezone.get_default_timezone()
    if begins > ends:  # spans midnight, e.g. 21:00-08:00
        if now >= begins:
            return timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), ends), tz)
        if now < ends:
            return timezone.make_aware(datetime.combine(local.date(), ends), tz)
        return None
    if begins <= now < ends:
        return timezone.make_aware(datetime.combine(local.date(), ends), tz)
    return None
