"""A logged result (procedures.models.ProcedureResult) as FHIR R4 (4.0.1) resources, each with the result's id:
`Procedure` (what was done, its outcome and complications), `DiagnosticReport` (the report and its conclusion) and,
when a BI-RADS category or a finding was logged, `Observation` (the category, the findings as components).

These leave only with the `results` scope (procedures.fhir.registry). Built with the fhirclient models, like
procedures/fhir/resources.py.

BI-RADS: SNOMED CT has a concept for the categories 0 to 5 (397138000 ... 397145000, "Mammography assessment
(Category n)"); 4A, 4B, 4C and 6 have none in the international edition, so they are sent as the ACR category's
text alone.
"""

from __future__ import annotations

import base64

from fhirclient.models.diagnosticreport import DiagnosticReport
from fhirclient.models.observation import Observation
from fhirclient.models.procedure import Procedure

from ..access import staff_name
from ..models import ProcedureResult
from .resources import SNOMED, breast_concept, instant, procedure_concept, reference

Outcome = ProcedureResult.Outcome

BIRADS_SNOMED = {
    "0": ("397138000", "Mammography assessment (Category 0) - Need additional imaging evaluation"),
    "1": ("397140005", "Mammography assessment (Category 1) - Negative"),
    "2": ("397141009", "Mammography assessment (Category 2) - Benign finding"),
    "3": ("397143007", "Mammography assessment (Category 3) - Probably benign finding, short interval follow-up"),
    "4": ("397144001", "Mammography assessment (Category 4) - Suspicious abnormality, biopsy should be considered"),
    "5": ("397145000", "Mammography assessment (Category 5) - Highly suggestive of malignancy"),
}
# The ACR BI-RADS Atlas (5th edition) categories, as text.
BIRADS_TEXT = {
    "0": "BI-RADS 0: Incomplete - need additional imaging evaluation",
    "1": "BI-RADS 1: Negative",
    "2": "BI-RADS 2: Benign",
    "3": "BI-RADS 3: Probably benign",
    "4A": "BI-RADS 4A: Low suspicion for malignancy",
    "4B": "BI-RADS 4B: Moderate suspicion for malignancy",
    "4C": "BI-RADS 4C: High suspicion for malignancy",
    "5": "BI-RADS 5: Highly suggestive of malignancy",
    "6": "BI-RADS 6: Known biopsy-proven malignancy",
}
IMAGING = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "imaging",
            "display": "Imaging",
        }
    ]
}
RADIOLOGY = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "RAD", "display": "Radiology"}]
}
BIRADS_CODE = {"text": "BI-RADS assessment category"}
FINDING_CODE = {"text": "Ductogram finding"}


def birads_concept(category: str) -> dict:
    concept = {"text": BIRADS_TEXT[category]}
    if category in BIRADS_SNOMED:
        code, display = BIRADS_SNOMED[category]
        concept["coding"] = [{"system": SNOMED, "code": code, "display": display}]
    return concept


def has_observation(result: ProcedureResult) -> bool:
    """Whether the result has an Observation: a BI-RADS category or a finding was logged (the selector's rule)."""
    return bool(result.birads or result.findings)


def _performed(result: ProcedureResult) -> bool:
    return result.outcome == Outcome.PERFORMED


def _common(result: ProcedureResult) -> dict:
    appointment = result.appointment
    found = {
        "id": str(result.pk),
        "subject": reference("Patient", appointment.patient_id, appointment.patient.full_name),
    }
    return found


def _performers(result: ProcedureResult) -> list[dict]:
    if not result.performed_by_id:
        return []
    return [reference("Practitioner", result.performed_by_id, staff_name(result.performed_by))]


def _period(result: ProcedureResult) -> dict:
    period = {"start": instant(result.started_at or result.appointment.scheduled_start)}
    if result.started_at and result.ended_at:
        period["end"] = instant(result.ended_at)
    return period


def _details(result: ProcedureResult) -> str:
    """What the radiologist logged beyond the outcome, in words."""
    parts = []
    if result.duct_cannulated is not None:
        parts.append(f"Duct cannulated: {'yes' if result.duct_cannulated else 'no'}")
    if result.clock_position:
        parts.append(f"at {result.clock_position} o'clock")
    if result.discharge_observed:
        parts.append(f"discharge observed: {result.get_discharge_observed_display().lower()}")
    if result.contrast_volume_ml is not None:
        parts.append(f"contrast {result.contrast_volume_ml} ml")
    if result.views:
        parts.append(f"views {result.views}")
    return "; ".join(parts)


def procedure(result: ProcedureResult) -> Procedure:
    appointment = result.appointment
    found = {
        "resourceType": "Procedure",
        **_common(result),
        "status": "completed" if _performed(result) else "not-done",
        "code": procedure_concept(appointment.procedure_type),
        "location": reference("Location", appointment.room_id, appointment.room.name),
        "bodySite": [breast_concept(appointment.laterality)],
        "outcome": {"text": result.get_outcome_display()},
        "report": [reference("DiagnosticReport", result.pk)],
    }
    if _performed(result):
        found["performedPeriod"] = _period(result)
    else:
        found["statusReason"] = {"text": result.get_outcome_display()}
    if performers := _performers(result):
        found["performer"] = [{"actor": actor} for actor in performers]
    if result.complications and result.complications != ProcedureResult.Complication.NONE:
        words = result.get_complications_display()
        found["complication"] = [
            {"text": f"{words}: {result.complication_details}" if result.complication_details else words}
        ]
    if details := _details(result):
        found["note"] = [{"text": details}]
    return Procedure(found)


def _conclusion(result: ProcedureResult) -> str:
    parts = [] if _performed(result) else [f"{result.get_outcome_display()}."]
    if result.birads:
        parts.append(f"{BIRADS_TEXT[result.birads]}.")
    if result.findings:
        labels = [
            ProcedureResult.Finding(f).label if f in ProcedureResult.Finding.values else f for f in result.findings
        ]
        parts.append(f"Findings: {', '.join(labels).lower()}.")
    if result.recommendation:
        parts.append(f"Recommendation: {result.get_recommendation_display().lower()}.")
    return " ".join(parts)


def diagnostic_report(result: ProcedureResult) -> DiagnosticReport:
    appointment = result.appointment
    found = {
        "resourceType": "DiagnosticReport",
        **_common(result),
        "status": "final",
        "category": [RADIOLOGY],
        "code": procedure_concept(appointment.procedure_type),
        "effectivePeriod": _period(result),
        "issued": instant(result.logged_at),
    }
    if performers := _performers(result):
        found["performer"] = performers
    if has_observation(result):
        found["result"] = [reference("Observation", result.pk)]
    if conclusion := _conclusion(result):
        found["conclusion"] = conclusion
    if result.birads:
        found["conclusionCode"] = [birads_concept(result.birads)]
    if result.report.strip():
        found["presentedForm"] = [
            {
                "contentType": "text/plain; charset=utf-8",
                "language": "en-GB",
                "data": base64.b64encode(result.report.encode()).decode("ascii"),
                "title": f"{appointment.procedure_type.name} report",
            }
        ]
    return DiagnosticReport(found)


def observation(result: ProcedureResult) -> Observation:
    """The BI-RADS category (or, without one, why there is no value) with each finding as a component."""
    appointment = result.appointment
    found = {
        "resourceType": "Observation",
        **_common(result),
        "status": "final",
        "category": [IMAGING],
        "code": BIRADS_CODE,
        "partOf": [reference("Procedure", result.pk)],
        "effectiveDateTime": instant(result.started_at or appointment.scheduled_start),
        "issued": instant(result.logged_at),
        "bodySite": breast_concept(appointment.laterality),
    }
    if performers := _performers(result):
        found["performer"] = performers
    if result.birads:
        found["valueCodeableConcept"] = birads_concept(result.birads)
    else:
        found["dataAbsentReason"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "not-asked"}],
            "text": "No BI-RADS category was logged.",
        }
    findings = [ProcedureResult.Finding(f).label if f in ProcedureResult.Finding.values else f for f in result.findings]
    if findings:
        found["component"] = [{"code": FINDING_CODE, "valueCodeableConcept": {"text": label}} for label in findings]
    return Observation(found)
