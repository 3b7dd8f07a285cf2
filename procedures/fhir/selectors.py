"""Reads for the FHIR API: for each resource type, the row a read names and the rows a search finds, in a stable
order (so offset paging is stable), joined to what the resource shows so a page costs the same queries however many
rows it has. A bad parameter value is a 400 (procedures.fhir.search).

Free slots are computed, not stored: `free_times` asks the one rule for free starts (procedures.slots.free_starts)
over the days searched, with one query for the live appointments of the rooms in that window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from .. import clinic_time
from ..access import RADIOLOGISTS
from ..models import Appointment, Patient, ProcedureResult, ProcedureType, Referral, Room
from ..nhs_number import normalise as normalise_nhs_number
from ..params import parse_id
from ..slots import booking_horizon, free_starts
from .errors import bad_parameter
from .resources import APPOINTMENT_STATUS_SEARCH, NHS_NUMBER_SYSTEM, parse_slot_id
from .search import SearchQuery, codes, date_q, date_range, identifier, ids, split

APPOINTMENT_JOINS = ("patient", "procedure_type", "room", "radiologist", "referral")
RESULT_JOINS = ("appointment__patient", "appointment__procedure_type", "appointment__room", "performed_by")
# Slots: a search covers this many days unless its `start` says otherwise, and at most SLOT_MAX_DAYS.
SLOT_DAYS = 7
SLOT_MAX_DAYS = 31
# Slot.status codes (R4), and whether the API lists any slot of that status: only free times.
SLOT_STATUSES = {
    "busy": False,
    "free": True,
    "busy-unavailable": False,
    "busy-tentative": False,
    "entered-in-error": False,
}


def _by_id(qs: QuerySet, value: str) -> object | None:
    pk = parse_id(value)
    return None if pk is None else qs.filter(pk=pk).first()


def _ids(qs: QuerySet, query: SearchQuery, name: str, resource_type: str, field: str = "pk") -> QuerySet:
    for value in query.all(name):
        qs = qs.filter(**{f"{field}__in": ids(name, value, resource_type)})
    return qs


def _starts_with(qs: QuerySet, query: SearchQuery, name: str, fields: tuple[str, ...]) -> QuerySet:
    """A string parameter: any of its comma-separated values starts any of `fields`, ignoring case."""
    for value in query.all(name):
        condition = Q(pk__in=[])
        for part in split(value):
            for field in fields:
                condition |= Q(**{f"{field}__istartswith": part})
        qs = qs.filter(condition)
    return qs


def _dates(qs: QuerySet, query: SearchQuery, name: str, field: str) -> QuerySet:
    for value in query.all(name):
        qs = qs.filter(date_q(name, field, value))
    return qs


# --- Patient --------------------------------------------------------------------------------------------------------


def _identifier_q(system: str | None, value: str | None, mrn_system: str) -> Q:
    mrn = Q(mrn__iexact=value) if value else Q()
    nhs = Q(nhs_number=normalise_nhs_number(value)) if value else Q(nhs_number__isnull=False)
    if system is None:
        return mrn | nhs
    if system == mrn_system:
        return mrn
    if system == NHS_NUMBER_SYSTEM:
        return nhs
    return Q(pk__in=[])  # an identifier system nobody here has, or none


def patients() -> QuerySet[Patient]:
    return Patient.objects.order_by("pk")


def patient(value: str) -> Patient | None:
    return _by_id(patients(), value)


def search_patients(query: SearchQuery, *, mrn_system: str) -> QuerySet[Patient]:
    qs = _ids(patients(), query, "_id", "Patient")
    for value in query.all("identifier"):
        condition = Q(pk__in=[])
        for system, code in identifier("identifier", value):
            condition |= _identifier_q(system, code, mrn_system)
        qs = qs.filter(condition)
    for value in query.all("birthdate"):
        if "T" in value:
            raise bad_parameter("birthdate", "a date (YYYY-MM-DD), not a time.")
        qs = qs.filter(date_q("birthdate", "date_of_birth", value))
    qs = _starts_with(qs, query, "family", ("family_name",))
    qs = _starts_with(qs, query, "given", ("given_name",))
    return _starts_with(qs, query, "name", ("family_name", "given_name"))


# --- Practitioner (radiologists), Location and Schedule (rooms) ----------------------------------------------------


def practitioners() -> QuerySet:
    """Radiologists: the accounts in the Radiologists group, and anyone an appointment names as its radiologist
    (who may have left the group since), so no Appointment points at a Practitioner that cannot be read."""
    User = get_user_model()
    in_group = Group.objects.filter(name=RADIOLOGISTS, user=OuterRef("pk"))
    booked = Appointment.objects.filter(radiologist=OuterRef("pk"))
    return User.objects.filter(Exists(in_group) | Exists(booked)).order_by("pk")


def practitioner(value: str):
    return _by_id(practitioners(), value)


def search_practitioners(query: SearchQuery) -> QuerySet:
    qs = _ids(practitioners(), query, "_id", "Practitioner")
    return _starts_with(qs, query, "name", ("last_name", "first_name"))


def rooms() -> QuerySet[Room]:
    return Room.objects.order_by("pk")


def room(value: str) -> Room | None:
    return _by_id(rooms(), value)


def search_locations(query: SearchQuery) -> QuerySet[Room]:
    qs = _ids(rooms(), query, "_id", "Location")
    qs = _starts_with(qs, query, "name", ("name",))
    for value in query.all("status"):
        qs = qs.filter(is_active__in=codes("status", value, {"active": True, "inactive": False}))
    return qs


def search_schedules(query: SearchQuery) -> QuerySet[Room]:
    qs = _ids(rooms(), query, "_id", "Schedule")
    qs = _ids(qs, query, "actor", "Location")
    for value in query.all("active"):
        qs = qs.filter(is_active__in=codes("active", value, {"true": True, "false": False}))
    return qs


def bookable_type() -> ProcedureType | None:
    """The procedure type whose free times Slot lists: the ductogram (else the first type)."""
    ductogram_first = Case(When(code="DUCTOGRAM", then=Value(0)), default=Value(1))
    return ProcedureType.objects.order_by(ductogram_first, "name").first()


# --- Slot: free times -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FreeTime:
    room: Room
    start: datetime
    minutes: int


def free_times(rooms_searched: list[Room], first: datetime, last: datetime, minutes: int) -> list[FreeTime]:
    """Free starts of `minutes` in the active rooms, from `first` to before `last`, in start order: clinic hours,
    not past, within the booking horizon, clear of every live appointment (procedures.slots.free_starts). One
    query, however many days and rooms."""
    now = timezone.now()
    active = [r for r in rooms_searched if r.is_active]
    first, last = max(first, now), min(last, booking_horizon(now) + timedelta(minutes=1))
    if not active or first >= last:
        return []
    days, day = [], clinic_time.day_of(first)
    while day <= clinic_time.day_of(last):
        if (span := clinic_time.hours_on(day)) is not None:
            days.append(span)
        day += timedelta(days=1)
    if not days:
        return []
    busy: dict[int, list[tuple[datetime, datetime]]] = {}
    live = Appointment.objects.overlapping(days[0][0], days[-1][1]).filter(room__in=[r.pk for r in active])
    for a in live.only("scheduled_start", "expected_duration", "room_id"):
        busy.setdefault(a.room_id, []).append((a.scheduled_start, a.expected_end))
    found = [
        FreeTime(r, start, minutes)
        for r in active
        for opens, closes in days
        for start in free_starts(
            opens=opens, closes=closes, length=timedelta(minutes=minutes), busy=busy.get(r.pk, []), now=now
        )
        if first <= start < last
    ]
    return sorted(found, key=lambda t: (t.start, t.room.pk))


def _slot_window(query: SearchQuery) -> tuple[datetime, datetime, list[Callable[[datetime], bool]]]:
    """The instants the `start` parameters allow: the window to compute (at most SLOT_MAX_DAYS) and the tests each
    start must pass."""
    now = timezone.now()
    low, high, tests = None, None, []
    for value in query.all("start"):
        prefix, lo, hi = date_range("start", value)
        if prefix in ("ge", "gt", "eq"):
            bound = hi if prefix == "gt" else lo
            low = bound if low is None else max(low, bound)
        if prefix in ("lt", "le", "eq"):
            bound = lo if prefix == "lt" else hi
            high = bound if high is None else min(high, bound)
        tests.append(_start_test(prefix, lo, hi))
    low = low or now
    high = high or clinic_time.day_start(clinic_time.day_of(max(low, now)) + timedelta(days=SLOT_DAYS))
    if high - max(low, now) > timedelta(days=SLOT_MAX_DAYS):
        raise bad_parameter("start", f"search at most {SLOT_MAX_DAYS} days of free times at once (ge... and lt...).")
    return low, high, tests


def _start_test(prefix: str, low: datetime, high: datetime) -> Callable[[datetime], bool]:
    return {
        "eq": lambda s: low <= s < high,
        "ne": lambda s: not low <= s < high,
        "gt": lambda s: s >= high,
        "ge": lambda s: s >= low,
        "lt": lambda s: s < low,
        "le": lambda s: s < high,
    }[prefix]


def search_slots(query: SearchQuery, kind: ProcedureType | None) -> list[FreeTime]:
    for value in query.all("status"):
        if not any(codes("status", value, SLOT_STATUSES)):
            return []  # only free times are listed
    low, high, tests = _slot_window(query)
    if kind is None:
        return []
    chosen = list(_ids(rooms(), query, "schedule", "Schedule"))
    return [t for t in free_times(chosen, low, high, kind.default_duration) if all(test(t.start) for test in tests)]


def slot(value: str) -> FreeTime | None:
    """The free time a slot id names, if it is still free."""
    parsed = parse_slot_id(value)
    if parsed is None:
        return None
    room_id, start, minutes = parsed
    found = rooms().filter(pk=room_id).first()
    if found is None:
        return None
    times = free_times([found], start, start + timedelta(minutes=1), minutes)
    return times[0] if times and times[0].start == start else None


# --- Appointment ----------------------------------------------------------------------------------------------------


def appointments() -> QuerySet[Appointment]:
    return Appointment.objects.select_related(*APPOINTMENT_JOINS).order_by("scheduled_start", "pk")


def appointment(value: str) -> Appointment | None:
    return _by_id(appointments(), value)


def search_appointments(query: SearchQuery) -> QuerySet[Appointment]:
    qs = _ids(appointments(), query, "_id", "Appointment")
    qs = _dates(qs, query, "date", "scheduled_start")
    qs = _ids(qs, query, "patient", "Patient", "patient_id")
    qs = _ids(qs, query, "practitioner", "Practitioner", "radiologist_id")
    qs = _ids(qs, query, "location", "Location", "room_id")
    for value in query.all("status"):
        chosen = [status for found in codes("status", value, APPOINTMENT_STATUS_SEARCH) for status in found]
        qs = qs.filter(status__in=chosen)
    return qs


# --- Results: Procedure, DiagnosticReport, Observation --------------------------------------------------------------


def results() -> QuerySet[ProcedureResult]:
    return ProcedureResult.objects.select_related(*RESULT_JOINS).order_by("appointment__scheduled_start", "pk")


def observed_results() -> QuerySet[ProcedureResult]:
    """The results with an Observation: a BI-RADS category or a finding logged (clinical.has_observation)."""
    return results().exclude(birads="", findings=[])


def result(value: str) -> ProcedureResult | None:
    return _by_id(results(), value)


def observed_result(value: str) -> ProcedureResult | None:
    return _by_id(observed_results(), value)


def search_results(query: SearchQuery, resource_type: str, *, observed: bool = False) -> QuerySet[ProcedureResult]:
    qs = _ids(observed_results() if observed else results(), query, "_id", resource_type)
    qs = _ids(qs, query, "patient", "Patient", "appointment__patient_id")
    return _dates(qs, query, "date", "appointment__scheduled_start")


# --- ServiceRequest: referrals in -----------------------------------------------------------------------------------


def referral(value: str) -> Referral | None:
    return _by_id(Referral.objects.select_related("patient", "appointment"), value)
