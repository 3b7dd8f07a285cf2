"""What the FHIR API serves: each resource type with the scopes that may read it, its search parameters, how a read
and a search find rows, and how a page of rows becomes resources. The views serve exactly this, and the
CapabilityStatement (procedures.fhir.capability) is written from it, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from fhirclient.models.resource import Resource

from ..models.api_clients import Scope
from . import clinical, referrals, resources, selectors
from .search import SearchParam, SearchQuery

# Who may read what: results never leave without the results scope; the people and places they name are readable
# with either scope, so a results client can resolve a report's patient and performer.
PEOPLE_AND_PLACES = (Scope.APPOINTMENTS.value, Scope.RESULTS.value)
BOOKINGS = (Scope.APPOINTMENTS.value,)
RESULTS = (Scope.RESULTS.value,)
REFERRALS = (Scope.REFERRALS.value,)
# What a type serves: read and search, unless it says otherwise (ServiceRequest: create and read).
READ_AND_SEARCH = ("read", "search-type")

_ID = SearchParam("_id", "token", "The resource's id.")


def _patient(target: str = "subject") -> SearchParam:
    return SearchParam("patient", "reference", f"The patient ({target}): Patient/<id> or the id.", "Patient")


_DATE_PREFIXES = "Prefixes eq (the default), ne, gt, ge, lt, le; a date (clinic time) or a dateTime."


@dataclass(frozen=True)
class ResourceType:
    name: str
    scopes: tuple[str, ...]
    documentation: str
    read: Callable[[str], object | None]
    search: Callable[[SearchQuery], object] | None
    build: Callable[[list], list[Resource]]
    params: tuple[SearchParam, ...] = field(default=())
    interactions: tuple[str, ...] = READ_AND_SEARCH

    @property
    def search_params(self) -> dict[str, SearchParam]:
        if "search-type" not in self.interactions:
            return {}
        return {param.name: param for param in (_ID, *self.params)}


def _each(builder) -> Callable[[list], list[Resource]]:
    return lambda rows: [builder(row) for row in rows]


def _appointments(rows: list) -> list[Resource]:
    instructions = resources.Instructions()  # the preparation worked out once a page, not once a row
    return [resources.appointment(row, instructions) for row in rows]


def _schedules(rows: list) -> list[Resource]:
    kind = selectors.bookable_type()
    return [resources.schedule(room, kind) for room in rows] if kind else []


def _slots(rows: list) -> list[Resource]:
    kind = selectors.bookable_type()
    return [resources.slot(t.room, t.start, t.minutes, kind) for t in rows] if kind else []


TYPES = [
    ResourceType(
        "Patient",
        PEOPLE_AND_PLACES,
        "Patients: MRN and NHS number as identifiers, name, birth date, contact details, address, language.",
        selectors.patient,
        lambda query: selectors.search_patients(query, mrn_system=settings.FHIR_MRN_SYSTEM),
        _each(resources.patient),
        (
            SearchParam(
                "identifier",
                "token",
                "system|value, |value or value: the MRN (FHIR_MRN_SYSTEM) or the NHS number "
                "(https://fhir.nhs.uk/Id/nhs-number).",
            ),
            SearchParam("birthdate", "date", f"The date of birth. {_DATE_PREFIXES}"),
            SearchParam("family", "string", "The family name starts with this (any case)."),
            SearchParam("given", "string", "The given name starts with this (any case)."),
            SearchParam("name", "string", "The family or given name starts with this (any case)."),
        ),
    ),
    ResourceType(
        "Practitioner",
        PEOPLE_AND_PLACES,
        "Radiologists: those in the Radiologists group and anyone an appointment names as its radiologist.",
        selectors.practitioner,
        selectors.search_practitioners,
        _each(resources.practitioner),
        (SearchParam("name", "string", "The family or given name starts with this (any case)."),),
    ),
    ResourceType(
        "Location",
        PEOPLE_AND_PLACES,
        "The clinic's rooms.",
        selectors.room,
        selectors.search_locations,
        _each(resources.location),
        (
            SearchParam("name", "string", "The room's name starts with this (any case)."),
            SearchParam("status", "token", "active or inactive."),
        ),
    ),
    ResourceType(
        "Schedule",
        BOOKINGS,
        "One per room: the free times (Slot) of the room belong to it.",
        selectors.room,
        selectors.search_schedules,
        _schedules,
        (
            SearchParam("actor", "reference", "The room: Location/<id> or the id.", "Location"),
            SearchParam("active", "token", "true or false (the room is in use)."),
        ),
    ),
    ResourceType(
        "Slot",
        BOOKINGS,
        "Free times for a ductogram (its usual length), status free, within clinic hours and the booking horizon. "
        "A search covers 7 days from now unless `start` says otherwise, at most 31.",
        selectors.slot,
        lambda query: selectors.search_slots(query, selectors.bookable_type()),
        _slots,
        (
            SearchParam("schedule", "reference", "The room's schedule: Schedule/<id> or the id.", "Schedule"),
            SearchParam("start", "date", f"The slot's start. {_DATE_PREFIXES}"),
            SearchParam("status", "token", "free (the only status listed)."),
        ),
    ),
    ResourceType(
        "Appointment",
        BOOKINGS,
        "Ductograms with their patient, radiologist and room; status mapped from the clinic's.",
        selectors.appointment,
        selectors.search_appointments,
        _appointments,
        (
            SearchParam("date", "date", f"The appointment's start. {_DATE_PREFIXES}"),
            _patient("participant"),
            SearchParam("practitioner", "reference", "The radiologist: Practitioner/<id> or the id.", "Practitioner"),
            SearchParam("location", "reference", "The room: Location/<id> or the id.", "Location"),
            SearchParam(
                "status",
                "token",
                "booked (booked or confirmed), checked-in, fulfilled, cancelled, noshow; comma-separated for any.",
            ),
        ),
    ),
    ResourceType(
        "Procedure",
        RESULTS,
        "The ductogram as performed (or not): outcome, complications, side, performer. Needs the results scope.",
        selectors.result,
        lambda query: selectors.search_results(query, "Procedure"),
        _each(clinical.procedure),
        (_patient(), SearchParam("date", "date", f"The appointment's start. {_DATE_PREFIXES}")),
    ),
    ResourceType(
        "DiagnosticReport",
        RESULTS,
        "The ductogram's report (presentedForm, text/plain) and conclusion. Needs the results scope.",
        selectors.result,
        lambda query: selectors.search_results(query, "DiagnosticReport"),
        _each(clinical.diagnostic_report),
        (_patient(), SearchParam("date", "date", f"The appointment's start. {_DATE_PREFIXES}")),
    ),
    ResourceType(
        "Observation",
        RESULTS,
        "The BI-RADS category (SNOMED CT for 0-5, the ACR text for 4A, 4B, 4C, 6) with the findings as components, "
        "for results that logged either. Needs the results scope.",
        selectors.observed_result,
        lambda query: selectors.search_results(query, "Observation", observed=True),
        _each(clinical.observation),
        (_patient(), SearchParam("date", "date", f"The appointment's start. {_DATE_PREFIXES}")),
    ),
    ResourceType(
        "ServiceRequest",
        REFERRALS,
        "Referrals in: a ductogram asked for by the hospital's system (POST), read back for its status (active while "
        "waiting, held or booked, completed once done, revoked if rejected). Needs the referrals scope.",
        selectors.referral,
        None,
        _each(referrals.service_request),
        interactions=("create", "read"),
    ),
]
BY_NAME = {kind.name: kind for kind in TYPES}
