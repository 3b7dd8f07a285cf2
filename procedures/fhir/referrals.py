"""A referral as a FHIR R4 ServiceRequest, read back by its sender (`GET /fhir/ServiceRequest/<id>`), and the codes a
referral is sent with (procedures.fhir.referrals_in reads a POSTed one).

Status (R4 ServiceRequest.status, value set request-status): a waiting referral, and one held for a person because
the patient's details differ, is `active` (the request stands; nothing has been done yet; a held one carries a note
saying so); a booked one is `active` too until its ductogram is done, then `completed` ("the activity described by
the request has been fully performed"): a booking is not yet the service. A rejected one is `revoked`, with the
reason in a note. The appointment booked names the request in `Appointment.basedOn`.
"""

from __future__ import annotations

from django.conf import settings
from fhirclient.models.servicerequest import ServiceRequest

from ..models import Appointment, Referral
from .bundles import base_url
from .resources import NHS_NUMBER_SYSTEM, breast_concept, reference

SNOMED = "http://snomed.info/sct"
DUCTOGRAM = {"system": SNOMED, "code": "18102001", "display": "Mammary ductogram"}
# The kind of nipple discharge: a code of this system in ServiceRequest.reasonCode (the codes are
# Appointment.Discharge's: bloody, clear, serous, milky, other).
DISCHARGE_SYSTEM_PATH = "/CodeSystem/nipple-discharge"

STATUS = {
    Referral.Status.WAITING: "active",
    Referral.Status.HELD: "active",
    Referral.Status.BOOKED: "active",
    Referral.Status.REJECTED: "revoked",
}


def discharge_system() -> str:
    return f"{base_url()}{DISCHARGE_SYSTEM_PATH}"


def status(row: Referral) -> str:
    if row.status == Referral.Status.BOOKED and row.appointment.status == Appointment.Status.COMPLETED:
        return "completed"
    return STATUS[row.status]


def _contained_patient(row: Referral) -> dict:
    """The patient as the referral described them, for a referral whose patient nobody has confirmed."""
    identifiers = []
    if row.mrn:
        identifiers.append({"system": settings.FHIR_MRN_SYSTEM, "value": row.mrn})
    if row.nhs_number:
        identifiers.append({"system": NHS_NUMBER_SYSTEM, "value": row.nhs_number})
    found = {
        "resourceType": "Patient",
        "id": "patient",
        "name": [{"family": row.family_name, "given": [row.given_name]}],
        "birthDate": row.date_of_birth.isoformat(),
    }
    if identifiers:
        found["identifier"] = identifiers
    return found


def service_request(row: Referral) -> ServiceRequest:
    """The referral (its patient and appointment joined by the selector)."""
    reasons = []
    if row.discharge:
        label = Appointment.Discharge(row.discharge).label
        coding = {"system": discharge_system(), "code": row.discharge, "display": label}
        reasons.append({"coding": [coding], "text": f"{label} nipple discharge"})
    if row.reason:
        reasons.append({"text": row.reason})
    found = {
        "resourceType": "ServiceRequest",
        "id": str(row.pk),
        "identifier": [{"system": row.identifier_system, "value": row.identifier_value}],
        "status": status(row),
        "intent": "order",
        "priority": row.priority,
        "code": {"coding": [DUCTOGRAM], "text": "Ductogram"},
        "bodySite": [breast_concept(row.laterality)],
        "authoredOn": row.raw.get("authoredOn") or row.received_at.date().isoformat(),
    }
    if row.patient_id:
        found["subject"] = reference("Patient", row.patient_id, row.patient.full_name)
    else:
        found["contained"] = [_contained_patient(row)]
        found["subject"] = {"reference": "#patient", "display": row.full_name}
    if reasons:
        found["reasonCode"] = reasons
    if row.referrer:
        found["requester"] = {"display": row.referrer}
    if row.status == Referral.Status.REJECTED:
        found["note"] = [{"text": f"Rejected: {row.rejection_reason}"}]
    elif row.status == Referral.Status.HELD:
        found["note"] = [{"text": "Held: the patient's details differ from the clinic's record; a person is checking."}]
    return ServiceRequest(found)
