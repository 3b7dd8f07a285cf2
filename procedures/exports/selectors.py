"""Appointments as CSV: the columns each role may see, the date range an export covers, and the rows, streamed.

One home for what an export says, used by the download under /reports/export/ (procedures/exports/views.py) and by
`manage.py export_appointments`, so both write the same bytes. `spreadsheet_safe` is the one rule for a cell a
spreadsheet would otherwise read as a formula; the reports page reuses it.

Rows are read with `iterator(chunk_size=2000)` (a server-side cursor on PostgreSQL) and written one line at a time,
so an export of a year's appointments never sits in memory. The result's columns, and the LEFT JOIN that reads them,
are there only for someone who may see results (`procedures.access.can_see_results`): a scheduler's export neither
selects nor prints any of it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import date

from procedures import clinic_time

from ..access import staff_name
from ..models import Appointment
from ..params import FIRST_DAY, LAST_DAY

CHUNK_SIZE = 2000
MAX_DAYS = 366  # a year, leap day included: a longer export is refused, ask for it a year at a time

# Characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (or, for tab and carriage
# return, hide one behind them). A cell starting with one gets a leading apostrophe and is shown as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """`value` as a CSV cell a spreadsheet shows as text: None is empty, and a cell starting with =, +, -, @, tab or
    carriage return gets a leading ' (so "-" or "=SUM(A1)" in a name reads back as typed, and never runs)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class ExportRangeError(ValueError):
    """The dates asked for do not make an export; the message is a sentence to show as it is."""


def parse_range(first: date | None, last: date | None) -> tuple[date, date]:
    """The clinic days from `first` to `last` inclusive (from `procedures.params.parse_day`: None for a missing or
    invalid date), or ExportRangeError with a sentence saying what is wrong."""
    if first is None or last is None:
        missing = " and ".join(name for name, day in (("from", first), ("to", last)) if day is None)
        raise ExportRangeError(
            f"Give the {missing} date{'s' if ' and ' in missing else ''} as YYYY-MM-DD "
            f"(between {FIRST_DAY.year} and {LAST_DAY.year}), e.g. ?from=2030-06-01&to=2030-06-30."
        )
    if last < first:
        raise ExportRangeError(
            f"The 'to' date ({clinic_time.plain_date(last)}) is before "
            f"the 'from' date ({clinic_time.plain_date(first)})."
        )
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise ExportRangeError(
            f"{days:,} days is too long for one export: ask for at most {MAX_DAYS} days (a year) at a time."
        )
    return first, last


def _when(moment) -> str:
    return clinic_time.iso_minute(moment) if moment else ""


def _result(attribute: str) -> Callable[[Appointment], object]:
    def read(appointment: Appointment):
        result = getattr(appointment, "result", None)  # the reverse one-to-one raises when there is none
        return getattr(result, attribute) if result is not None else None

    return read


def _joined(findings) -> str:
    """The findings list as "filling_defect; ductal_ectasia" (anything else the JSON holds, as its text)."""
    if isinstance(findings, list):
        return "; ".join(str(finding) for finding in findings if finding is not None)
    return "" if findings is None else str(findings)


def _yes_no(value) -> str:
    return "" if value is None else ("yes" if value else "no")


# (header, value of an appointment); times in clinic time; choices as their stored codes, stable for pivot tables.
COLUMNS: list[tuple[str, Callable[[Appointment], object]]] = [
    ("date", lambda a: clinic_time.iso_day(a.scheduled_start)),
    ("time", lambda a: clinic_time.time_of_day(a.scheduled_start)),
    ("mrn", lambda a: a.patient.mrn),
    ("family_name", lambda a: a.patient.family_name),
    ("given_name", lambda a: a.patient.given_name),
    ("room", lambda a: a.room.name),
    ("radiologist", lambda a: staff_name(a.radiologist)),
    ("status", lambda a: a.status),
    ("cancel_reason_code", lambda a: a.cancel_reason_code),
    ("cancel_reason", lambda a: a.cancellation_reason),
    ("expected_minutes", lambda a: a.expected_duration),
    ("laterality", lambda a: a.laterality),
    ("discharge", lambda a: a.discharge),
    ("referrer", lambda a: a.referrer),
    ("created_at", lambda a: _when(a.created_at)),
]

RESULT_COLUMNS: list[tuple[str, Callable[[Appointment], object]]] = [
    ("outcome", _result("outcome")),
    ("started_at", lambda a: _when(_result("started_at")(a))),
    ("ended_at", lambda a: _when(_result("ended_at")(a))),
    ("actual_minutes", _result("actual_duration")),
    ("duct_cannulated", lambda a: _yes_no(_result("duct_cannulated")(a))),
    ("complications", _result("complications")),
    ("complication_details", _result("complication_details")),
    ("birads", _result("birads")),
    ("findings", lambda a: _joined(_result("findings")(a))),
    ("recommendation", _result("recommendation")),
]

# The patient's language and interpreter need, last, after the result columns too: every column a spreadsheet or a
# script already reads stays where it was.
LANGUAGE_COLUMNS: list[tuple[str, Callable[[Appointment], object]]] = [
    ("language", lambda a: a.patient.language),
    ("needs_interpreter", lambda a: _yes_no(a.patient.needs_interpreter)),
]

# The NHS number after those, as NHS numbers are written (3-3-4, "943 476 5919"): so a spreadsheet keeps it as text,
# with any leading zero, rather than reading ten digits as an amount. Empty for a patient with none.
NHS_NUMBER_COLUMNS: list[tuple[str, Callable[[Appointment], object]]] = [
    ("nhs_number", lambda a: a.patient.nhs_number_display),
]

_FIELDS = [
    "scheduled_start",
    "status",
    "cancel_reason_code",
    "cancellation_reason",
    "expected_duration",
    "laterality",
    "discharge",
    "referrer",
    "created_at",
    "patient__mrn",
    "patient__family_name",
    "patient__given_name",
    "patient__language",
    "patient__needs_interpreter",
    "patient__nhs_number",
    "room__name",
    "radiologist__username",
    "radiologist__first_name",
    "radiologist__last_name",
]
_RESULT_FIELDS = [
    f"result__{name}"
    for name in (
        "outcome",
        "started_at",
        "ended_at",
        "duct_cannulated",
        "complications",
        "complication_details",
        "birads",
        "findings",
        "recommendation",
    )
]


def columns(*, with_results: bool) -> list[tuple[str, Callable[[Appointment], object]]]:
    return COLUMNS + (RESULT_COLUMNS if with_results else []) + LANGUAGE_COLUMNS + NHS_NUMBER_COLUMNS


def appointments(first: date, last: date, *, with_results: bool):
    """Appointments starting on the clinic days `first` to `last` (local midnight to local midnight), whatever their
    status, in start order; the patient, room, radiologist (and the result, by a LEFT JOIN) in the same query."""
    start, _ = clinic_time.day_bounds(first)
    _, end = clinic_time.day_bounds(last)
    related = ["patient", "room", "radiologist"] + (["result"] if with_results else [])
    return (
        Appointment.objects.filter(scheduled_start__gte=start, scheduled_start__lt=end)
        .select_related(*related)
        .only(*_FIELDS, *(_RESULT_FIELDS if with_results else ()))
        .order_by("scheduled_start", "room__name", "pk")
    )


BYTE_ORDER_MARK = "\ufeff"


class _Line:
    """A file-like object whose write() hands back what it was given: csv.writer then formats one line at a time."""

    def write(self, line: str) -> str:
        return line


def csv_lines(first: date, last: date, *, with_results: bool) -> Iterator[str]:
    """The export as CSV lines (header first, each ending in CRLF), read from the database in chunks.

    The header starts with a byte-order mark: without it Excel, which most departments open these in, reads the
    file as Windows-1252 and garbles every accented name."""
    cols = columns(with_results=with_results)
    writer = csv.writer(_Line())
    yield BYTE_ORDER_MARK + writer.writerow([header for header, _ in cols])
    rows = appointments(first, last, with_results=with_results).iterator(chunk_size=CHUNK_SIZE)
    for appointment in rows:
        yield writer.writerow([spreadsheet_safe(value(appointment)) for _, value in cols])


def filename(first: date, last: date) -> str:
    return f"appointments-{clinic_time.iso_day(first)}-{clinic_time.iso_day(last)}.csv"
