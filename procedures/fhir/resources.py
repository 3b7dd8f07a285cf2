"""The clinic's rows as FHIR R4 (4.0.1) resources: Patient, Practitioner (radiologists), Location (rooms), Schedule
(one per room), Slot (free times) and Appointment. Results (Procedure, DiagnosticReport, Observation) are in
procedures/fhir/clinical.py.

Each function returns a model of the fhirclient library (R4 4.0.1), built from JSON: the library refuses an element
that R4 does not have, one of the wrong type, a malformed date or instant, and a missing required one, so a typo
here fails at once rather than reaching a client. Instants are written in UTC ("2030-06-06T09:00:00Z").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.utils import translation
from fhirclient.models.appointment import Appointment as FhirAppointment
from fhirclient.models.location import Location
from fhirclient.models.patient import Patient as FhirPatient
from fhirclient.models.practitioner import Practitioner
from fhirclient.models.schedule import Schedule
from fhirclient.models.slot import Slot

from .. import clinic_time
from ..access import staff_name
from ..models import Appointment, Patient, ProcedureType, Room
from ..patient_page.services import preparation_lines
from ..preparation import preparation_opens_on

SNOMED = "http://snomed.info/sct"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
# SNOMED CT 18102001 |Mammary ductogram|: the procedure type with code DUCTOGRAM.
DUCTOGRAM_CODE = "18102001"
DUCTOGRAM_DISPLAY = "Mammary ductogram"
# SNOMED CT body structures for the side.
BREAST = {
    Appointment.Laterality.LEFT: ("80248007", "Left breast structure"),
    Appointment.Laterality.RIGHT: ("73056007", "Right breast structure"),
}

# The appointment's status as FHIR names it (Appointment.status, R4 value set appointmentstatus).
APPOINTMENT_STATUS = {
    Appointment.Status.BOOKED: "booked",
    Appointment.Status.CONFIRMED: "booked",
    Appointment.Status.CHECKED_IN: "checked-in",
    Appointment.Status.COMPLETED: "fulfilled",
    Appointment.Status.CANCELLED: "cancelled",
    Appointment.Status.NO_SHOW: "noshow",
}
# ...and back, for `Appointment?status=`: every R4 code, those the clinic never uses matching nothing.
APPOINTMENT_STATUS_SEARCH = {
    "proposed": [],
    "pending": [],
    "booked": [Appointment.Status.BOOKED, Appointment.Status.CONFIRMED],
    "arrived": [],
    "fulfilled": [Appointment.Status.COMPLETED],
    "cancelled": [Appointment.Status.CANCELLED],
    "noshow": [Appointment.Status.NO_SHOW],
    "entered-in-error": [],
    "checked-in": [Appointment.Status.CHECKED_IN],
    "waitlist": [],
}


def instant(moment: datetime) -> str:
    """An aware datetime as a FHIR instant in UTC, to the second: 2030-06-06T09:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def reference(resource_type: str, pk: int, display: str = "") -> dict:
    found = {"reference": f"{resource_type}/{pk}"}
    if display:
        found["display"] = display
    return found


def procedure_concept(procedure_type: ProcedureType) -> dict:
    """What is done: SNOMED CT 18102001 for the ductogram type, the type's own name as the text."""
    concept = {"text": procedure_type.name}
    if procedure_type.code == "DUCTOGRAM":
        concept["coding"] = [{"system": SNOMED, "code": DUCTOGRAM_CODE, "display": DUCTOGRAM_DISPLAY}]
    return concept


def breast_concept(laterality: str) -> dict:
    code, display = BREAST[laterality]
    return {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": f"{laterality.title()} breast"}


# --- Patient, Practitioner, Location --------------------------------------------------------------------------------


def patient(row: Patient) -> FhirPatient:
    identifiers = [
        {
            "use": "usual",
            "type": {"coding": [{"system": V2_IDENTIFIER_TYPE, "code": "MR", "display": "Medical record number"}]},
            "system": settings.FHIR_MRN_SYSTEM,
            "value": row.mrn,
        }
    ]
    if row.nhs_number:
        identifiers.append({"use": "official", "system": NHS_NUMBER_SYSTEM, "value": row.nhs_number})
    telecom = []
    if row.email:
        telecom.append({"system": "email", "value": row.email})
    if row.mobile:
        telecom.append({"system": "phone", "value": row.mobile.as_e164, "use": "mobile"})
    if row.phone:
        telecom.append({"system": "phone", "value": row.phone.as_e164, "use": "home"})
    found = {
        "resourceType": "Patient",
        "id": str(row.pk),
        "active": True,
        "identifier": identifiers,
        "name": [{"use": "official", "family": row.family_name, "given": [row.given_name], "text": row.full_name}],
        "birthDate": row.date_of_birth.isoformat(),
        "communication": [
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": row.language}]}, "preferred": True}
        ],
    }
    if telecom:
        found["telecom"] = telecom
    if row.has_postal_address:
        lines = [line for line in (row.address_line1, row.address_line2) if line]
        address = {"use": "home", "type": "postal", "line": lines, "city": row.town, "postalCode": row.postcode}
        found["address"] = [{key: value for key, value in address.items() if value}]
    return FhirPatient(found)


def practitioner(user) -> Practitioner:
    name = {"use": "official", "text": staff_name(user)}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    return Practitioner({"resourceType": "Practitioner", "id": str(user.pk), "active": user.is_active, "name": [name]})


def location(room: Room) -> Location:
    found = {
        "resourceType": "Location",
        "id": str(room.pk),
        "status": "active" if room.is_active else "inactive",
        "name": room.name,
        "mode": "instance",
        "physicalType": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                    "code": "ro",
                    "display": "Room",
                }
            ]
        },
    }
    if room.location:
        found["description"] = room.location
    return Location(found)


# --- Schedule and Slot: a room's free times -------------------------------------------------------------------------


def schedule(room: Room, procedure_type: ProcedureType) -> Schedule:
    return Schedule(
        {
            "resourceType": "Schedule",
            "id": str(room.pk),
            "active": room.is_active,
            "serviceType": [procedure_concept(procedure_type)],
            "actor": [reference("Location", room.pk, room.name)],
            "comment": f"Free {procedure_type.default_duration}-minute times for a {procedure_type.name.lower()} "
            f"in {room.name}, within clinic hours and the booking horizon.",
        }
    )


def slot_id(room_id: int, start: datetime, minutes: int) -> str:
    """A free time's id: the room, the start in UTC and the length ("3-203006060900-45"); it names the time, so
    reading it again says whether it is still free."""
    return f"{room_id}-{start.astimezone(UTC).strftime('%Y%m%d%H%M')}-{minutes}"


def parse_slot_id(value: str) -> tuple[int, datetime, int] | None:
    """(room id, start, minutes) from a slot id, or None."""
    parts = value.split("-")
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts) or len(parts[1]) != 12:
        return None
    try:
        start = datetime.strptime(parts[1], "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        return None
    if not (1 <= int(parts[0]) < 2**63 and 1 <= int(parts[2]) <= 24 * 60):
        return None
    return int(parts[0]), start, int(parts[2])


def slot(room: Room, start: datetime, minutes: int, procedure_type: ProcedureType) -> Slot:
    return Slot(
        {
            "resourceType": "Slot",
            "id": slot_id(room.pk, start, minutes),
            "serviceType": [procedure_concept(procedure_type)],
            "schedule": reference("Schedule", room.pk, room.name),
            "status": "free",
            "start": instant(start),
            "end": instant(start + timedelta(minutes=minutes)),
        }
    )


# --- Appointment ----------------------------------------------------------------------------------------------------


class Instructions:
    """What a patient is told to do before the appointment, per procedure type and day, worked out once a page."""

    def __init__(self):
        self._lines: dict[int, list[str]] = {}

    def for_appointment(self, row: Appointment) -> str:
        kind = row.procedure_type
        if kind.pk not in self._lines:
            with translation.override(settings.LANGUAGE_CODE):
                self._lines[kind.pk] = preparation_lines(kind)
        opens: date = preparation_opens_on(row.scheduled_start, kind.preparation_lead_days)
        lines = [f"The preparation starts on {clinic_time.long_date(opens)}.", *self._lines[kind.pk]]
        return "\n".join(lines)


def appointment(row: Appointment, instructions: Instructions | None = None) -> FhirAppointment:
    """An appointment with its patient, radiologist and room as participants, and `basedOn` the referral (a
    ServiceRequest) it was booked from (all joined by the selector: no query)."""
    instructions = instructions or Instructions()
    participants = [
        {
            "actor": reference("Patient", row.patient_id, row.patient.full_name),
            "required": "required",
            "status": "accepted",
        }
    ]
    if row.radiologist_id:
        participants.append(
            {
                "type": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "PPRF",
                                "display": "primary performer",
                            }
                        ]
                    }
                ],
                "actor": reference("Practitioner", row.radiologist_id, staff_name(row.radiologist)),
                "required": "required",
                "status": "accepted",
            }
        )
    participants.append(
        {"actor": reference("Location", row.room_id, row.room.name), "required": "required", "status": "accepted"}
    )
    discharge = row.get_discharge_display().lower()
    found = {
        "resourceType": "Appointment",
        "id": str(row.pk),
        "status": APPOINTMENT_STATUS[row.status],
        "serviceType": [procedure_concept(row.procedure_type)],
        "reasonCode": [{"text": f"Nipple discharge ({discharge}), {row.laterality} breast"}],
        "description": f"{row.procedure_type.name}, {row.laterality} breast",
        "start": instant(row.scheduled_start),
        "end": instant(row.expected_end),
        "minutesDuration": row.expected_duration,
        "created": instant(row.created_at),
        "patientInstruction": instructions.for_appointment(row),
        "participant": participants,
    }
    referral = getattr(row, "referral", None)  # the referral it was booked from (joined; none is an AttributeError)
    if referral is not None:
        found["basedOn"] = [reference("ServiceRequest", referral.pk)]
    if row.status == Appointment.Status.CANCELLED:
        found["cancelationReason"] = {"text": row.cancellation_shown}
    return FhirAppointment(found)
