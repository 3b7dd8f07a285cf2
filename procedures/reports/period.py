"""The period and filters a report covers, as one hashable value: it names the cache entries and the links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from .. import clinic_time

PRESETS = {
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "custom": "From … to …",
}
LONGEST = timedelta(days=3 * 366)  # a custom range longer than this is refused (the figures would be meaningless)


@dataclass(frozen=True)
class Filters:
    preset: str
    first: date  # inclusive, clinic days
    last: date  # inclusive
    room_id: int | None = None
    radiologist_id: int | None = None

    @property
    def start(self) -> datetime:
        return clinic_time.day_start(self.first)

    @property
    def end(self) -> datetime:
        """The instant just after the period (midnight after `last`), exclusive."""
        return clinic_time.day_bounds(self.last)[1]

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def query(self) -> str:
        """The canonical query string for these filters (links to charts and CSVs, and the cache key)."""
        params: dict[str, str | int] = {"period": self.preset}
        if self.preset == "custom":
            params["from"], params["to"] = clinic_time.iso_day(self.first), clinic_time.iso_day(self.last)
        if self.room_id:
            params["room"] = self.room_id
        if self.radiologist_id:
            params["radiologist"] = self.radiologist_id
        return urlencode(params)

    def key(self) -> str:
        return f"{self.first.isoformat()}.{self.last.isoformat()}.r{self.room_id or 0}.d{self.radiologist_id or 0}"


def month_span(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def preset_span(preset: str, today: date) -> tuple[date, date]:
    if preset == "last_month":
        return month_span(today.replace(day=1) - timedelta(days=1))
    if preset == "this_quarter":
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return first, month_span(date(first.year, first.month + 2, 1))[1]
    return month_span(today)
