"""Reading a FHIR search's parameters: which are known, and what each value means (a date range with its prefix, a
reference, a token, a string). Every problem is a 400 OperationOutcome naming the parameter
(procedures.fhir.errors.bad_parameter).

Unknown parameters: a 400 by default (FHIR's "strict" handling), so a client's typo never widens a search without
anyone noticing; with `Prefer: handling=lenient` they are left out, the Bundle's `self` link shows the search as
run and an OperationOutcome entry (search mode "outcome") warns of each one. `_format` and `_pretty` are read by the
endpoint, `_count` and `_offset` by the paging (procedures.fhir.bundles).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from .. import clinic_time
from ..params import MAX_ID, in_calendar
from .bundles import PAGING_PARAMETERS, base_url
from .errors import bad_parameter

# Read by the endpoint, for every interaction; never part of a search.
FORMAT_PARAMETERS = ("_format", "_pretty")
DATE_PREFIXES = ("eq", "ne", "gt", "ge", "lt", "le")
_DATE = re.compile(
    r"(?P<prefix>[a-z]{2})?(?P<year>[0-9]{4})(-(?P<month>[0-9]{2})(-(?P<day>[0-9]{2})"
    r"(T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(:(?P<second>[0-9]{2})(\.(?P<fraction>[0-9]{1,9}))?)?"
    r"(?P<zone>Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?",
    re.ASCII,
)
_ID = re.compile(r"[0-9]{1,19}", re.ASCII)
LONGEST_VALUE = 200


@dataclass(frozen=True)
class SearchParam:
    """One search parameter a resource type serves: its name, FHIR type (token, reference, date, string) and what
    it matches, as the CapabilityStatement says."""

    name: str
    type: str
    documentation: str
    target: str = ""  # a reference's resource type


class SearchQuery:
    """A search's parameters, as (name, value) pairs in the order given, checked against `allowed`."""

    def __init__(self, resource_type: str, query, allowed: dict[str, SearchParam], *, lenient: bool = False):
        self.resource_type = resource_type
        self.pairs: list[tuple[str, str]] = []
        self.ignored: list[str] = []
        for name, values in query.lists():
            if name in FORMAT_PARAMETERS or name in PAGING_PARAMETERS:
                continue
            if name not in allowed:
                if not lenient:
                    known = ", ".join(sorted(allowed)) or "none"
                    raise bad_parameter(
                        name[:40], f"not a search parameter of {resource_type} here (those served: {known})."
                    )
                self.ignored.append(name[:40])
                continue
            for value in values:
                value = value.strip()
                if not value:
                    raise bad_parameter(name, "give a value.")
                if len(value) > LONGEST_VALUE:
                    raise bad_parameter(name, f"longer than {LONGEST_VALUE} characters.")
                self.pairs.append((name, value))

    def all(self, name: str) -> list[str]:
        """Every value given for `name` (a parameter repeated means AND)."""
        return [value for given, value in self.pairs if given == name]

    def warnings(self) -> list[str]:
        return [
            f"Search parameter '{name}' is not served for {self.resource_type}; it was ignored."
            for name in self.ignored
        ]


# --- Values --------------------------------------------------------------------------------------------------------


def split(value: str) -> list[str]:
    """A value's comma-separated alternatives (OR), with "\\," for a comma inside one."""
    return [part.replace("\\,", ",").strip() for part in re.split(r"(?<!\\),", value)]


def ids(name: str, value: str, resource_type: str) -> list[int]:
    """The database ids a reference (or `_id`) value names, OR-ed: `Patient/12`, `12`, or the absolute
    `<base>/Patient/12`. A reference to another type is a 400; an id that cannot be ours matches nothing."""
    found = []
    for part in split(value):
        for prefix in (f"{base_url()}/{resource_type}/", f"{resource_type}/"):
            if part.startswith(prefix):
                part = part.removeprefix(prefix)
                break
        else:
            if "/" in part:
                raise bad_parameter(name, f"'{part[:40]}' is not a {resource_type} reference ({resource_type}/<id>).")
        if _ID.fullmatch(part) and 1 <= int(part) <= MAX_ID:
            found.append(int(part))
    return found


def codes(name: str, value: str, allowed: dict[str, object]) -> list:
    """A token parameter whose codes are `allowed` (FHIR code -> what it matches here), OR-ed; an unknown code is
    a 400 listing the known ones."""
    found = []
    for part in split(value):
        code = part.rsplit("|", 1)[-1]
        if code not in allowed:
            raise bad_parameter(name, f"'{code[:40]}' is not one of {', '.join(allowed)}.")
        found.append(allowed[code])
    return found


def identifier(name: str, value: str) -> list[tuple[str | None, str | None]]:
    """(system, value) pairs, OR-ed: `system|value`, `|value` (no system), `value` (any system), `system|`."""
    pairs = []
    for part in split(value):
        if "|" in part:
            system, _, code = part.partition("|")
            pairs.append((system or "", code or None))
        else:
            pairs.append((None, part))
    return pairs


def _bounds(name: str, match: re.Match) -> tuple[datetime, datetime]:
    """The instant range [low, high) a date or dateTime value covers at its precision; dates and times without a
    zone are the clinic's."""
    parts = match.groupdict()
    try:
        year = int(parts["year"])
        if parts["month"] is None:
            low_day, high_day = date(year, 1, 1), date(year + 1, 1, 1)
        elif parts["day"] is None:
            low_day = date(year, int(parts["month"]), 1)
            high_day = (low_day + timedelta(days=32)).replace(day=1)
        elif parts["hour"] is None:
            low_day = date(year, int(parts["month"]), int(parts["day"]))
            high_day = low_day + timedelta(days=1)
        else:
            moment = datetime(
                year,
                int(parts["month"]),
                int(parts["day"]),
                int(parts["hour"]),
                int(parts["minute"]),
                int(parts["second"] or 0),
                int((parts["fraction"] or "0")[:6].ljust(6, "0")),
            )
            if not in_calendar(moment.date()):
                raise ValueError("out of range")
            if parts["zone"]:
                moment = datetime.fromisoformat(f"{moment.isoformat()}{parts['zone'].replace('Z', '+00:00')}")
            else:
                moment = timezone.make_aware(moment, clinic_time.zone())
            step = (
                timedelta(minutes=1)
                if parts["second"] is None
                else timedelta(seconds=1)
                if parts["fraction"] is None
                else timedelta(microseconds=1)
            )
            return moment, moment + step
    except (ValueError, OverflowError):
        raise bad_parameter(name, f"'{match.group(0)[:40]}' is not a date or time that exists.") from None
    if not (in_calendar(low_day) and in_calendar(high_day)):
        raise bad_parameter(name, "a date from 1900 to 2199.")
    return clinic_time.day_start(low_day), clinic_time.day_start(high_day)


def date_q(name: str, field: str, value: str) -> Q:
    """The condition a date parameter puts on `field` (an instant): prefix eq (the default), ne, gt, ge, lt or le,
    then a date (YYYY, YYYY-MM, YYYY-MM-DD) or a dateTime (with or without seconds and zone)."""
    value = value.replace(" ", "+")  # a "+01:00" sent unencoded in a query string arrives as " 01:00"
    match = _DATE.fullmatch(value)
    if not match:
        raise bad_parameter(name, f"'{value[:40]}' is not a date or dateTime (e.g. ge2030-06-10, lt2030-06-17T00:00Z).")
    prefix = match.group("prefix") or "eq"
    if prefix not in DATE_PREFIXES:
        raise bad_parameter(name, f"the prefix '{prefix}' is not served here (use {', '.join(DATE_PREFIXES)}).")
    low, high = _bounds(name, match)
    within = Q(**{f"{field}__gte": low, f"{field}__lt": high})
    return {
        "eq": within,
        "ne": ~within,
        "gt": Q(**{f"{field}__gte": high}),
        "ge": Q(**{f"{field}__gte": low}),
        "lt": Q(**{f"{field}__lt": low}),
        "le": Q(**{f"{field}__lt": high}),
    }[prefix]


def date_range(name: str, value: str) -> tuple[str, datetime, datetime]:
    """A date parameter as (prefix, low, high), for searches over computed times (slots) rather than a column."""
    value = value.replace(" ", "+")
    match = _DATE.fullmatch(value)
    if not match or (match.group("prefix") or "eq") not in DATE_PREFIXES:
        raise bad_parameter(
            name, f"'{value[:40]}' is not a date or dateTime with a prefix of {', '.join(DATE_PREFIXES)}."
        )
    return match.group("prefix") or "eq", *_bounds(name, match)
