"""`GET /fhir/metadata`: the CapabilityStatement, written from the registry of what is served
(procedures.fhir.registry), so it names every resource, interaction and search parameter the views answer, and no
other."""

from __future__ import annotations

from fhirclient.models.capabilitystatement import CapabilityStatement

from .. import clinic_time
from .bundles import DEFAULT_COUNT, MAX_COUNT, base_url
from .registry import TYPES

FHIR_VERSION = "4.0.1"


def capability_statement() -> CapabilityStatement:
    resources = [
        {
            "type": kind.name,
            "documentation": kind.documentation,
            "interaction": [{"code": code} for code in kind.interactions],
            "versioning": "no-version",
            "readHistory": False,
            "updateCreate": False,
            "searchParam": [
                {"name": param.name, "type": param.type, "documentation": param.documentation}
                for param in kind.search_params.values()
            ],
        }
        for kind in TYPES
    ]
    for resource in resources:
        if not resource["searchParam"]:
            del resource["searchParam"]
    return CapabilityStatement(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": clinic_time.today().isoformat(),
            "kind": "instance",
            "software": {"name": "Ductogram preparation tracker"},
            "implementation": {"description": "Ductogram bookings and results; referrals in", "url": base_url()},
            "fhirVersion": FHIR_VERSION,
            "format": ["application/fhir+json", "json"],
            "rest": [
                {
                    "mode": "server",
                    "documentation": (
                        f"JSON only. Searches answer searchset Bundles, {DEFAULT_COUNT} entries a page unless _count "
                        f"says otherwise (at most {MAX_COUNT}), with a next link while more remain. Unknown search "
                        "parameters are a 400 OperationOutcome unless the request sends 'Prefer: handling=lenient'."
                    ),
                    "security": {
                        "cors": False,
                        "service": [{"text": "Bearer token"}],
                        "description": (
                            "Every request but this one carries 'Authorization: Bearer <token>'. Each client system "
                            "has its own token, made in the clinic's admin, with scopes: appointments (Patient, "
                            "Practitioner, Location, Schedule, Slot, Appointment), results (Procedure, "
                            "DiagnosticReport, Observation; Patient, Practitioner, Location) and referrals (creating "
                            "and reading ServiceRequest)."
                        ),
                    },
                    "resource": resources,
                }
            ],
        }
    )
