"""The hospital's EPR, with the results scope, reads what Dr Okafor logged after Ama Osei's ductogram on Monday 3 June:
the Procedure (done, left breast, no complication), the DiagnosticReport (her report and its conclusion) and the
Observation (BI-RADS 4A, a filling defect). Another patient's ductogram could not be done; a third result logged no
category and no finding, so it has no Observation.
"Now" is Wednesday 5 June 2030, 12:00 London (BST, UTC+1)."""

import base64
from datetime import date

import pytest

from procedures.models import ProcedureResult
from tests.clinic import at
from tests.factories import PatientFactory, ProcedureResultFactory
from tests.fhir import fhir_get, ids, new_token, outcome, search, valid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

LAST_MONDAY = date(2030, 6, 3)
LAST_TUESDAY = date(2030, 6, 4)
SNOMED = "http://snomed.info/sct"
REPORT = "Left ductogram: a 4 mm filling defect 2 cm from the nipple at 3 o'clock.\nNo extravasation."


@pytest.fixture
def token():
    return new_token("results", name="EPR")


@pytest.fixture
def ama():
    return PatientFactory(given_name="Ama", family_name="Osei", mrn="RX200001")


@pytest.fixture
def amas_result(ama, radiologist):
    return ProcedureResultFactory(
        appointment__patient=ama,
        appointment__radiologist=radiologist,
        appointment__scheduled_start=at(LAST_MONDAY, "10:00"),
        performed_by=radiologist,
        birads="4A",
        findings=["filling_defect"],
        recommendation="surgical_referral",
        contrast_volume_ml="0.8",
        report=REPORT,
    )


@pytest.fixture
def not_done():
    return ProcedureResultFactory(
        appointment__scheduled_start=at(LAST_TUESDAY, "11:00"),
        outcome=ProcedureResult.Outcome.NO_DISCHARGE,
        duct_cannulated=None,
        started_at=None,
        ended_at=None,
        birads="",
        findings=[],
        recommendation="",
        report="",
    )


def test_the_procedure_says_what_was_done_to_whom_where_and_how_it_went(amas_result, ama, radiologist, token):
    found = valid(fhir_get(f"Procedure/{amas_result.pk}", token), 200, "Procedure")
    assert found["status"] == "completed"
    assert found["code"]["coding"] == [{"system": SNOMED, "code": "18102001", "display": "Mammary ductogram"}]
    assert found["subject"] == {"reference": f"Patient/{ama.pk}", "display": "Ama Osei"}
    assert found["performer"] == [
        {"actor": {"reference": f"Practitioner/{radiologist.pk}", "display": "Adaeze Okafor"}}
    ]
    assert found["performedPeriod"] == {"start": "2030-06-03T09:05:00Z", "end": "2030-06-03T09:45:00Z"}
    assert found["bodySite"][0]["coding"] == [
        {"system": SNOMED, "code": "80248007", "display": "Left breast structure"}
    ]
    assert found["outcome"] == {"text": "Performed"}
    assert "complication" not in found
    assert "contrast 0.8 ml" in found["note"][0]["text"]
    assert found["report"] == [{"reference": f"DiagnosticReport/{amas_result.pk}"}]


def test_a_complication_and_a_ductogram_not_done(amas_result, not_done, token):
    amas_result.complications = ProcedureResult.Complication.VASOVAGAL
    amas_result.complication_details = "Recovered lying down"
    amas_result.save()
    found = valid(fhir_get(f"Procedure/{amas_result.pk}", token), 200, "Procedure")
    assert found["complication"] == [{"text": "Vasovagal: Recovered lying down"}]
    skipped = valid(fhir_get(f"Procedure/{not_done.pk}", token), 200, "Procedure")
    assert skipped["status"] == "not-done"
    assert skipped["statusReason"] == {"text": "Not performed: no discharge on the day"}
    assert "performedPeriod" not in skipped


def test_the_report_carries_her_text_and_a_conclusion(amas_result, token):
    found = valid(fhir_get(f"DiagnosticReport/{amas_result.pk}", token), 200, "DiagnosticReport")
    assert found["status"] == "final"
    assert found["conclusion"] == (
        "BI-RADS 4A: Low suspicion for malignancy. Findings: filling defect. "
        "Recommendation: surgical referral (duct excision)."
    )
    (form,) = found["presentedForm"]
    assert form["contentType"] == "text/plain; charset=utf-8"
    assert base64.b64decode(form["data"]).decode() == REPORT
    assert found["result"] == [{"reference": f"Observation/{amas_result.pk}"}]
    assert found["issued"].endswith("Z")


def test_the_observation_is_the_bi_rads_category_with_the_findings(amas_result, token):
    found = valid(fhir_get(f"Observation/{amas_result.pk}", token), 200, "Observation")
    assert found["code"] == {"text": "BI-RADS assessment category"}
    assert found["valueCodeableConcept"] == {"text": "BI-RADS 4A: Low suspicion for malignancy"}  # no SNOMED CT for 4A
    assert found["component"] == [
        {"code": {"text": "Ductogram finding"}, "valueCodeableConcept": {"text": "Filling defect"}}
    ]
    assert found["partOf"] == [{"reference": f"Procedure/{amas_result.pk}"}]


@pytest.mark.parametrize(
    ("category", "code"),
    [
        ("0", "397138000"),
        ("1", "397140005"),
        ("2", "397141009"),
        ("3", "397143007"),
        ("4A", None),
        ("4B", None),
        ("4C", None),
        ("5", "397145000"),
        ("6", None),
    ],
)
def test_each_bi_rads_category_is_a_snomed_ct_code_where_one_exists_else_the_acr_text(
    amas_result, token, category, code
):
    amas_result.birads = category
    amas_result.save()
    value = valid(fhir_get(f"Observation/{amas_result.pk}", token), 200, "Observation")["valueCodeableConcept"]
    assert value["text"].startswith(f"BI-RADS {category}: ")
    if code:
        assert [(c["system"], c["code"]) for c in value["coding"]] == [(SNOMED, code)]
    else:
        assert "coding" not in value


def test_a_result_without_a_category_or_a_finding_has_no_observation(amas_result, not_done, token):
    outcome(fhir_get(f"Observation/{not_done.pk}", token), 404)
    assert ids(search("Observation", token)) == [str(amas_result.pk)]
    report = valid(fhir_get(f"DiagnosticReport/{not_done.pk}", token), 200, "DiagnosticReport")
    assert "result" not in report and report["conclusion"] == "Not performed: no discharge on the day."


@pytest.mark.parametrize("resource_type", ["Procedure", "DiagnosticReport", "Observation"])
def test_results_are_searched_by_patient_and_date(amas_result, not_done, ama, token, resource_type):
    found = search(resource_type, token, resource_type=resource_type, patient=f"Patient/{ama.pk}")
    assert ids(found) == [str(amas_result.pk)]
    assert ids(search(resource_type, token, date="2030-06-03")) == [str(amas_result.pk)]
    everyone = ids(search(resource_type, token, date="ge2030-06-01"))
    assert everyone == (
        [str(amas_result.pk)] if resource_type == "Observation" else [str(amas_result.pk), str(not_done.pk)]
    )
