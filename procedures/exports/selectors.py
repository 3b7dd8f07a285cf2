"""Appointments as CSV: the columns each role may see, the date range an export covers, and the rows, streamed.

One home for what an export says, used by the download under /reports/export/ (procedures/exports/views.py) and by
`manage.py export_appointments`, so both write the same bytes. `spreadsheet_safe` is the one rule for a cell a
spreadsheet would otherwise read as a formula; the reports page reuses it.

Each row starts with the appointment's id (the one in its page's address, /appointments/<id>/). A choice is written
as the pages name it ("Did not attend", "Filling defect"), or as its stored code ("no_show", "filling_defect") when
asked (`codes`: ?codes=1, --codes), which scripts and pivot tables may prefer. Every instant (the start, when it was
booked, the result's times) is written in the clinic's zone (CLINIC_TIME_ZONE, Europe/London by default) with its
seconds and its offset from UTC, ISO 8601: "2030-06-06T09:00:00+01:00" in summer, "...+00:00" in winter.

Rows are read with `iterator(chunk_size=2000)` (a server-side cursor on PostgreSQL) and written one line at a time,
so an export of a year's appointments never sits in memory. The result's columns, and the LEFT JOIN that reads them,
are there only for someone who may see results (`procedures.access.can_see_results`): a scheduler's export neither
selects nor prints any of it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from procedures import clinic_time

from ..access import staff_name
from ..languages import english_name
from ..models import Appointment, ProcedureResult
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
    return clinic_time.iso_instant(moment) if moment else ""


Value = Callable[[Appointment], object]


@dataclass(frozen=True)
class Column:
    """One column of the export: its header, the value as stored (`code`: "no_show", "filling_defect"), and, where
    a person reads it differently, the value as the pages write it (`label`: "Did not attend", "Filling defect")."""

    header: str
    code: Value
    label: Value | None = None

    def value(self, *, codes: bool) -> Value:
        return self.code if codes or self.label is None else self.label


def _result(attribute: str) -> Value:
    def read(appointment: Appointment):
        result = getattr(appointment, "result", None)  # the reverse one-to-one raises when there is none
        return getattr(result, attribute) if result is not None else None

    return read


def _labelled(read: Value, choices) -> Value:
    """`read`'s code as its choice's label ("no_show" -> "Did not attend"); a code the choices lack, as it is."""
    labels = dict(choices)

    def label(appointment: Appointment):
        code = read(appointment)
        return labels.get(code, code)

    return label


def _choice(header: str, read: Value, choices) -> Column:
    return Column(header, read, _labelled(read, choices))


def _joined(findings, labels: dict | None = None) -> str:
    """The findings list as "filling_defect; ductal_ectasia", or with `labels` as "Filling defect; Ductal ectasia"
    (anything else the JSON holds, as its text)."""
    if isinstance(findings, list):
        named = (labels.get(f, f) if labels else f for f in findings if f is not None)
        return "; ".join(str(finding) for finding in named)
    return "" if findings is None else str(findings)


def _yes_no(value) -> str:
    return "" if value is None else ("yes" if value else "no")


_FINDINGS = dict(ProcedureResult.Finding.choices)

# (header, value of an appointment): the clinic day, then instants in clinic time with seconds and offset (ISO 8601);
# choices as the pages name them, or as their stored codes when asked (`codes=True`, stable for scripts).
COLUMNS: list[Column] = [
    Column("appointment_id", lambda a: a.pk),
    Column("date", lambda a: clinic_time.iso_day(a.scheduled_start)),
    Column("start", lambda a: _when(a.scheduled_start)),
    Column("mrn", lambda a: a.patient.mrn),
    Column("family_name", lambda a: a.patient.family_name),
    Column("given_name", lambda a: a.patient.given_name),
    Column("room", lambda a: a.room.name),
    Column("radiologist", lambda a: staff_name(a.radiologist)),
    _choice("status", lambda a: a.status, Appointment.Status.choices),
    _choice("cancel_reason_code", lambda a: a.cancel_reason_code, Appointment.CancelReason.choices),
    Column("cancel_reason", lambda a: a.cancellation_reason),
    Column("expected_minutes", lambda a: a.expected_duration),
    _choice("laterality", lambda a: a.laterality, Appointment.Laterality.choices),
    _choice("discharge", lambda a: a.discharge, Appointment.Discharge.choices),
    Column("referrer", lambda a: a.referrer),
    Column("created_at", lambda a: _when(a.created_at)),
]

RESULT_COLUMNS: list[Column] = [
    _choice("outcome", _result("outcome"), ProcedureResult.Outcome.choices),
    Column("started_at", lambda a: _when(_result("started_at")(a))),
    Column("ended_at", lambda a: _when(_result("ended_at")(a))),
    Column("actual_minutes", _result("actual_duration")),
    Column("duct_cannulated", lambda a: _yes_no(_result("duct_cannulated")(a))),
    _choice("complications", _result("complications"), ProcedureResult.Complication.choices),
    Column("complication_details", _result("complication_details")),
    _choice("birads", _result("birads"), ProcedureResult.BiRads.choices),
    Column(
        "findings",
        lambda a: _joined(_result("findings")(a)),
        lambda a: _joined(_result("findings")(a), _FINDINGS),
    ),
    _choice("recommendation", _result("recommendation"), ProcedureResult.Recommendation.choices),
]

# The patient's language and interpreter need, after the result columns.
LANGUAGE_COLUMNS: list[Column] = [
    Column("language", lambda a: a.patient.language, lambda a: english_name(a.patient.language)),
    Column("needs_interpreter", lambda a: _yes_no(a.patient.needs_interpreter)),
]

# The NHS number after those, as NHS numbers are written (3-3-4, "943 476 5919"): so a spreadsheet keeps it as text,
# with any leading zero, rather than reading ten digits as an amount. Empty for a patient with none.
NHS_NUMBER_COLUMNS: list[Column] = [
    Column("nhs_number", lambda a: a.patient.nhs_number_display),
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


def columns(*, with_results: bool) -> list[Column]:
    return COLUMNS + (RESULT_COLUMNS if with_results else []) + LANGUAGE_COLUMNS + NHS_NUMBER_COLUMNS


def appointments(
    first: date, last: date, *, with_results: bool, room_id: int | None = None, radiologist_id: int | None = None
):
    """Appointments starting on the clinic days `first` to `last` (local midnight to local midnight), whatever their
    status, in one room or of one radiologist when asked, in start order; the patient, room, radiologist (and the
    result, by a LEFT JOIN) in the same query."""
    start, _ = clinic_time.day_bounds(first)
    _, end = clinic_time.day_bounds(last)
    related = ["patient", "room", "radiologist"] + (["result"] if with_results else [])
    chosen = Appointment.objects.filter(scheduled_start__gte=start, scheduled_start__lt=end)
    if room_id is not None:
        chosen = chosen.filter(room_id=room_id)
    if radiologist_id is not None:
        chosen = chosen.filter(radiologist_id=radiologist_id)
    return (
        chosen.select_related(*related)
        .only(*_FIELDS, *(_RESULT_FIELDS if with_results else ()))
        .order_by("scheduled_start", "room__name", "pk")
    )


BYTE_ORDER_MARK = "\ufeff"


class _Line:
    """A file-like object whose write() hands back what it was given: csv.writer then formats one line at a time."""

    def write(self, line: str) -> str:
        return line


def csv_lines(
    first: date,
    last: date,
    *,
    with_results: bool,
    codes: bool = False,
    room_id: int | None = None,
    radiologist_id: int | None = None,
) -> Iterator[str]:
    """The export as CSV lines (header first, each ending in CRLF), read from the database in chunks: the one maker
    of its bytes, for the download and the command alike. Choices as labels, or as stored codes with `codes`.

    The header starts with a byte-order mark: without it Excel, which most departments open these in, reads the
    file as Windows-1252 and garbles every accented name."""
    values = [column.value(codes=codes) for column in columns(with_results=with_results)]
    writer = csv.writer(_Line())
    yield BYTE_ORDER_MARK + writer.writerow([column.header for column in columns(with_results=with_results)])
    chosen = appointments(first, last, with_results=with_results, room_id=room_id, radiologist_id=radiologist_id)
    for appointment in chosen.iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow([spreadsheet_safe(value(appointment)) for value in values])


def filename(first: date, last: date) -> str:
    return f"appointments-{clinic_time.iso_day(first)}-{clinic_time.iso_day(last)}.csv"
