"""Clinic opening hours, read from CLINIC_OPENING_HOURS ("Mon-Fri 08:00-18:00; Sat 09:00-12:00")."""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@lru_cache(maxsize=8)
def parse_opening_hours(spec: str) -> dict[int, tuple[time, time]]:
    """Weekday (0 = Monday) to (opening, closing), clinic time."""
    hours: dict[int, tuple[time, time]] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        try:
            days, span = part.split()
            opens, closes = (time.fromisoformat(t) for t in span.split("-"))
            first, _, last = days.lower().partition("-")
            start, end = DAYS.index(first[:3]), DAYS.index((last or first)[:3])
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"CLINIC_OPENING_HOURS: cannot read {part!r}; write it like 'Mon-Fri 08:00-18:00'."
            ) from exc
        if opens >= closes:
            raise ImproperlyConfigured(f"CLINIC_OPENING_HOURS: {part!r} closes before it opens.")
        if start > end:
            raise ImproperlyConfigured(
                f"CLINIC_OPENING_HOURS: {part!r} names its days backwards; write the earlier day first."
            )
        for weekday in range(start, end + 1):
            hours[weekday] = (opens, closes)
    return hours


def opening_hours() -> dict[int, tuple[time, time]]:
    return parse_opening_hours(settings.CLINIC_OPENING_HOURS)


def hours_on(day: date) -> tuple[datetime, datetime] | None:
    """The aware opening and closing instants of a clinic day, or None when closed."""
    span = opening_hours().get(day.weekday())
    if span is None:
        return None
    tz = timezone.get_default_timezone()
    return (
        timezone.make_aware(datetime.combine(day, span[0]), tz),
        timezone.make_aware(datetime.combine(day, span[1]), tz),
    )


def describe_opening_hours() -> str:
    return settings.CLINIC_OPENING_HOURS


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight, as aware instants (normalised, for zones that change at 00:00)."""
    tz = timezone.get_default_timezone()
    start, end = (datetime.combine(d, time.min, tzinfo=tz) for d in (day, day + timedelta(days=1)))
    return start.astimezone(UTC).astimezone(tz), end.astimezone(UTC).astimezone(tz)
