"""The admin's date hierarchy, safe whatever dates are stored.

Django's own drill-down computes the end of the chosen year, month or day in Python (9999-12-31 has no next day),
and lists the years, months and days by converting every row's time to the clinic's zone (0001-01-01 00:00 UTC is
the year 0 in London, whose local mean time was 75 seconds behind). Either is a 500 once one such row exists, however
it got there. Here the chosen period's bounds are worked out so that they never leave the calendar (the last year's
period is open at its end), and the choices offered are taken from the rows whose local time every zone can show.
Rows outside that are still listed, and found by drilling into their year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ChangeList
from django.db import models

from procedures import clinic_time

# Local time anywhere is within a day of UTC (local mean times included), so these show in every zone.
REPRESENTABLE = (datetime(1, 1, 3, tzinfo=UTC), datetime(9999, 12, 29, tzinfo=UTC))
PARTS = ("year", "month", "day")


def period_bounds(year: str, month: str | None, day: str | None, *, aware: bool) -> tuple[object, object]:
    """The first instant of the chosen year, month or day, and of the one after it; None where that would fall
    outside the calendar (the period then runs from, or to, its end). Nonsense is IncorrectLookupParameters, which
    the admin answers with the unfiltered list and an error flag, as for any bad filter: a part that is no number,
    or a number no date holds, however large (past a machine integer it is an OverflowError, not a ValueError)."""
    try:
        start = date(int(year), int(month or 1), int(day or 1))
    except (TypeError, ValueError, OverflowError) as exc:
        raise IncorrectLookupParameters(exc) from exc
    try:
        if day:
            end = start + timedelta(days=1)
        elif month:
            end = (start + timedelta(days=32)).replace(day=1)
        else:
            end = start.replace(year=start.year + 1)
    except (OverflowError, ValueError):
        end = None
    if not aware:
        return start, end
    return _local_midnight(start), _local_midnight(end) if end else None


def _local_midnight(day: date) -> datetime | None:
    """The clinic day `day` starts, in UTC; None when that instant is outside the calendar."""
    try:
        return clinic_time.day_start(day).astimezone(UTC)
    except (OverflowError, ValueError):
        return None


class _Representable:
    """The change list as Django's date_hierarchy() reads it, with only the rows every zone can show."""

    def __init__(self, changelist: ChangeList, field_name: str):
        self._changelist = changelist
        self.queryset = changelist.queryset.filter(**{f"{field_name}__range": REPRESENTABLE})

    def __getattr__(self, name):
        return getattr(self._changelist, name)


class SafeDateChangeList(ChangeList):
    def _hierarchy_is_datetime(self) -> bool:
        field = get_fields_from_path(self.model, self.date_hierarchy)[-1]
        return isinstance(field, models.DateTimeField) and settings.USE_TZ

    def get_filters(self, request):
        field_name = self.date_hierarchy
        if not field_name:
            return super().get_filters(request)
        # Django's own bounds are the ones that overflow: hide the hierarchy from it, then bound the period here.
        self.date_hierarchy = None
        try:
            specs, has_filters, remaining, may_have_duplicates, has_active_filters = super().get_filters(request)
        finally:
            self.date_hierarchy = field_name
        chosen = [remaining.pop(f"{field_name}__{part}", [None])[-1] for part in PARTS]
        if chosen[0] is not None:
            start, end = period_bounds(*chosen, aware=self._hierarchy_is_datetime())
            if start is not None:
                remaining[f"{field_name}__gte"] = [start]
            if end is not None:
                remaining[f"{field_name}__lt"] = [end]
        return specs, has_filters, remaining, may_have_duplicates, has_active_filters

    def date_hierarchy_choices(self) -> dict | None:
        """What Django's date_hierarchy tag shows (the links up and down), from the rows every zone can show."""
        if not self.date_hierarchy:
            return None
        source = _Representable(self, self.date_hierarchy) if self._hierarchy_is_datetime() else self
        return date_hierarchy(source)


class SafeDateHierarchy:
    """For a ModelAdmin with a date_hierarchy: the drill-down and its choices never fail on the dates stored."""

    change_list_template = "admin/safe_date_hierarchy_change_list.html"

    def get_changelist(self, request, **kwargs):
        return SafeDateChangeList
