"""Referrals in over FHIR: the hospital's EPR sends a ServiceRequest for a ductogram for Ama Osei. She is registered
if the clinic has never seen her, found by her hospital number or NHS number if it has, and held for a person if the
record found has another name or date of birth. A retry of the same request is the same referral. Anything the
clinic cannot read is a 400 OperationOutcome naming the element; the EPR reads the referral's status back.
"Now" is Wednesday 5 June 2030, 12:00 London (BST, UTC+1)."""

import copy
from datetime import date

import pytest

from procedures import services
from procedures.models import ApiCall, Appointment, Patient, Referral
from tests.clinic import THURSDAY, at
from tests.factories import PatientFactory
from tests.fhir import fhir_get, fhir_post, new_token, outcome, valid
from tests.referrals import AMA_NHS, NHS, OTHER_NHS, SNOMED, ama_referral

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def epr():
    return new_token("referrals", name="EPR")


def test_a_referral_for_someone_new_registers_her_and_waits(epr):
    response = fhir_post("ServiceRequest", ama_referral(), epr)
    sent = valid(response, 201, "ServiceRequest")
    referral = Referral.objects.get()
    assert response["Location"] == f"http://localhost:8000/fhir/ServiceRequest/{referral.pk}"
    ama = Patient.objects.get()
    assert (ama.mrn, ama.nhs_number, ama.full_name, ama.date_of_birth) == (
        "RX200001",
        AMA_NHS,
        "Ama Osei",
        date(1978, 2, 14),
    )
    assert ama.email == "ama@example.org" and ama.mobile.as_e164 == "+447911123456"
    assert referral.status == Referral.Status.WAITING and referral.patient == ama
    assert (referral.laterality, referral.discharge, referral.priority) == ("left", "bloody", "urgent")
    assert referral.referrer == "Dr Farah Rahman, Breast Clinic"
    assert referral.reason == "Single-duct bloody discharge, normal mammogram"
    assert referral.raw["identifier"][0]["value"] == "REF-1001"
    assert sent["id"] == str(referral.pk) and sent["status"] == "active" and sent["priority"] == "urgent"
    assert sent["subject"]["reference"] == f"Patient/{ama.pk}"
    assert sent["identifier"] == [{"system": "https://epr.riverside.example/referral", "value": "REF-1001"}]
    assert sent["bodySite"][0]["coding"][0]["code"] == "80248007"


def test_the_same_referral_sent_twice_is_recorded_once(epr):
    first = valid(fhir_post("ServiceRequest", ama_referral(), epr), 201, "ServiceRequest")
    again = fhir_post("ServiceRequest", ama_referral(priority="routine"), epr)
    assert valid(again, 200, "ServiceRequest") == first
    assert again["Location"].endswith(f"/ServiceRequest/{first['id']}")
    assert Referral.objects.count() == 1 and Patient.objects.count() == 1


def test_another_system_may_use_the_same_identifier_for_its_own_referral(epr):
    fhir_post("ServiceRequest", ama_referral(), epr)
    other = new_token("referrals", name="GP gateway")
    valid(fhir_post("ServiceRequest", ama_referral(), other), 201, "ServiceRequest")
    assert Referral.objects.count() == 2 and Patient.objects.count() == 1


def test_a_patient_the_clinic_knows_is_found_by_her_mrn_whatever_the_case_and_accents(epr):
    ama = PatientFactory(mrn="rx200001", given_name="Áma", family_name="OSEI", date_of_birth=date(1978, 2, 14))
    valid(fhir_post("ServiceRequest", ama_referral(), epr), 201, "ServiceRequest")
    referral = Referral.objects.get()
    assert referral.patient == ama and referral.status == Referral.Status.WAITING
    assert Patient.objects.count() == 1
    ama.refresh_from_db()
    assert ama.nhs_number is None  # found, not changed


def test_a_patient_the_clinic_knows_is_found_by_her_nhs_number_alone(epr):
    ama = PatientFactory(mrn="RX200001", nhs_number=AMA_NHS, given_name="Ama", family_name="Osei",
                         date_of_birth=date(1978, 2, 14))  # fmt: skip
    body = ama_referral()
    body["contained"][0]["identifier"] = [{"system": NHS, "value": "943-476-5919"}]
    valid(fhir_post("ServiceRequest", body, epr), 201, "ServiceRequest")
    assert Referral.objects.get().patient == ama and Patient.objects.count() == 1


@pytest.mark.parametrize(
    "record, differs",
    [
        ({"given_name": "Ama", "family_name": "Osei", "date_of_birth": date(1987, 2, 14)}, "the date of birth"),
        ({"given_name": "Abena", "family_name": "Osei", "date_of_birth": date(1978, 2, 14)}, "the name"),
        ({"given_name": "Ama", "family_name": "Osei", "date_of_birth": date(1978, 2, 14), "nhs_number": OTHER_NHS},
         "the NHS number"),
    ],
)  # fmt: skip
def test_a_record_whose_details_differ_is_not_merged_the_referral_is_held(epr, record, differs):
    found = PatientFactory(mrn="RX200001", **record)
    before = Patient.objects.filter(pk=found.pk).values().get()
    sent = valid(fhir_post("ServiceRequest", ama_referral(), epr), 201, "ServiceRequest")
    referral = Referral.objects.get()
    assert referral.status == Referral.Status.HELD and referral.patient is None
    assert referral.matched_patient == found and differs in referral.mismatch
    assert Patient.objects.count() == 1 and Patient.objects.filter(pk=found.pk).values().get() == before
    assert sent["status"] == "active" and sent["subject"]["reference"] == "#patient"
    (contained,) = sent["contained"]
    assert contained["name"][0]["family"] == "Osei" and contained["birthDate"] == "1978-02-14"
    assert sent["note"][0]["text"].startswith("Held")


def test_an_mrn_and_an_nhs_number_of_two_different_patients_are_held(epr):
    PatientFactory(mrn="RX200001", given_name="Ama", family_name="Osei", date_of_birth=date(1978, 2, 14))
    PatientFactory(mrn="RX999999", nhs_number=AMA_NHS)
    valid(fhir_post("ServiceRequest", ama_referral(), epr), 201, "ServiceRequest")
    referral = Referral.objects.get()
    assert referral.status == Referral.Status.HELD and "the NHS number" in referral.mismatch


def test_an_nhs_number_nobody_has_and_no_mrn_cannot_register_anyone(epr):
    body = ama_referral()
    body["contained"][0]["identifier"] = [{"system": NHS, "value": AMA_NHS}]
    issue = outcome(fhir_post("ServiceRequest", body, epr), 400)
    assert issue["expression"] == ["ServiceRequest.subject"] and "MRN" in issue["diagnostics"]
    assert not Referral.objects.exists() and not Patient.objects.exists()


BAD = [
    ({"identifier": None}, "ServiceRequest.identifier", "identifier with a system and a value"),
    ({"identifier__0__system": ""}, "ServiceRequest.identifier", "identifier with a system and a value"),
    ({"contained__0__identifier": [{"system": "urn:other", "value": "1"}]}, "ServiceRequest.subject",
     "the patient needs an MRN"),
    ({"contained__0__identifier__1__value": "943 476 5918"}, "ServiceRequest.contained[0].identifier[1]",
     "not a valid NHS number"),
    ({"contained__0__birthDate": None}, "ServiceRequest.contained[0].birthDate", "date of birth"),
    ({"contained__0__birthDate": "1978"}, "ServiceRequest.contained[0].birthDate", "full date of birth"),
    ({"contained__0__birthDate": "14/02/1978"}, "ServiceRequest.contained[0].birthDate", "format"),
    ({"contained__0__birthDate": "2031-01-01"}, "ServiceRequest.contained[0].birthDate", "future"),
    ({"contained__0__name": [{"given": ["Ama"]}]}, "ServiceRequest.contained[0].name", "family name"),
    ({"contained__0__telecom__0__value": "ama at example"}, "ServiceRequest.contained[0].telecom[0]", "email"),
    ({"contained__0__telecom__1__value": "12"}, "ServiceRequest.contained[0].telecom[1]", "telephone"),
    ({"subject": {"reference": "Patient/17"}}, "ServiceRequest.subject", "contained"),
    ({"subject": {"reference": "#someone"}}, "ServiceRequest.subject", "no Patient 'someone'"),
    ({"subject": None}, "ServiceRequest.subject", "required"),
    ({"intent": None}, "ServiceRequest.intent", "required"),
    ({"intent": "proposal"}, "ServiceRequest.intent", "order"),
    ({"status": "draft"}, "ServiceRequest.status", "active"),
    ({"priority": "whenever"}, "ServiceRequest.priority", "routine, urgent, asap, stat"),
    ({"bodySite": None}, "ServiceRequest.bodySite", "side"),
    ({"bodySite": [{"coding": [{"system": SNOMED, "code": "80248007"}, {"system": SNOMED, "code": "73056007"}]}]},
     "ServiceRequest.bodySite", "one side per referral"),
    ({"bodySite": {"text": "left"}}, "ServiceRequest.bodySite", "wrong type"),
    ({"code": {"text": "Mammogram"}}, "ServiceRequest.code", "18102001"),
    ({"reasonCode__0__coding__0__code": "purple"}, "ServiceRequest.reasonCode[0]", "bloody, clear"),
    ({"colour": "red"}, "ServiceRequest.colour", "not an element"),
    ({"resourceType": "Patient"}, "ServiceRequest.resourceType", "send a ServiceRequest"),
]  # fmt: skip


@pytest.mark.parametrize("changes, expression, words", BAD)
def test_what_the_clinic_cannot_read_is_a_400_naming_the_element(epr, changes, expression, words):
    issue = outcome(fhir_post("ServiceRequest", ama_referral(**changes), epr), 400)
    assert issue["code"] == "invalid" and issue["expression"] == [expression], issue
    assert words in issue["diagnostics"], issue
    assert not Referral.objects.exists() and not Patient.objects.exists()


def test_a_body_that_is_not_fhir_json_is_refused(epr):
    assert "not JSON" in outcome(fhir_post("ServiceRequest", "{not json", epr), 400)["diagnostics"]
    assert "JSON object" in outcome(fhir_post("ServiceRequest", "[1, 2]", epr), 400)["diagnostics"]
    response = fhir_post("ServiceRequest", ama_referral(), epr, content_type="text/plain")
    assert outcome(response, 415)["code"] == "not-supported"
    valid(fhir_post("ServiceRequest", ama_referral(), epr, content_type="application/json"), 201)


def test_a_body_too_large_for_a_referral_is_413(epr, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = ama_referral(note=[{"text": "x" * 2000}])
    assert outcome(fhir_post("ServiceRequest", body, epr), 413)["code"] == "too-costly"
    assert not Referral.objects.exists()


def test_the_discharge_may_be_said_in_words_or_not_at_all(epr):
    body = ama_referral(reasonCode=[{"text": "Clear discharge from the left nipple"}])
    valid(fhir_post("ServiceRequest", body, epr), 201)
    body = ama_referral(identifier__0__value="REF-1002", reasonCode=None, note=[{"text": "Please see soon"}])
    valid(fhir_post("ServiceRequest", body, epr), 201)
    first, second = Referral.objects.order_by("pk")
    assert (first.discharge, second.discharge) == ("clear", "")
    assert second.reason == "Please see soon" and second.priority == "urgent"
    third = ama_referral(identifier__0__value="REF-1003", priority=None)
    valid(fhir_post("ServiceRequest", third, epr), 201)
    assert Referral.objects.get(identifier_value="REF-1003").priority == "routine"


def test_only_a_token_with_the_referrals_scope_sends_or_reads_referrals(epr):
    ris = new_token("appointments", "results", name="RIS")
    issue = outcome(fhir_post("ServiceRequest", ama_referral(), ris), 403)
    assert issue["code"] == "forbidden" and "'referrals'" in issue["diagnostics"]
    assert outcome(fhir_post("ServiceRequest", ama_referral()), 401)["code"] == "login"
    assert not Referral.objects.exists()
    sent = valid(fhir_post("ServiceRequest", ama_referral(), epr), 201)
    outcome(fhir_get(f"ServiceRequest/{sent['id']}", ris), 403)
    outcome(fhir_get(f"ServiceRequest/{sent['id']}"), 401)
    assert outcome(fhir_get("ServiceRequest", epr), 405)["code"] == "not-supported"
    calls = list(ApiCall.objects.filter(path="/fhir/ServiceRequest").order_by("pk").values_list("method", "status"))
    assert calls == [("POST", 403), ("POST", 401), ("POST", 201), ("GET", 405)]


def test_the_capability_statement_names_the_referrals_create_and_read():
    statement = valid(fhir_get("metadata"), 200, "CapabilityStatement")
    (served,) = [r for r in statement["rest"][0]["resource"] if r["type"] == "ServiceRequest"]
    assert [i["code"] for i in served["interaction"]] == ["create", "read"]


def test_the_epr_reads_the_referral_back_as_it_moves_on(epr, book, scheduler):
    sent = valid(fhir_post("ServiceRequest", ama_referral(), epr), 201)
    path = f"ServiceRequest/{sent['id']}"
    assert valid(fhir_get(path, epr), 200, "ServiceRequest")["status"] == "active"
    referral = Referral.objects.get()
    appointment = book(at(THURSDAY, "10:00"), patient=referral.patient)
    services.referral_booked(referral, appointment=appointment, by=scheduler)
    booked = valid(fhir_get(path, epr), 200, "ServiceRequest")
    assert booked["status"] == "active"  # booked is not yet done
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.COMPLETED)
    assert valid(fhir_get(path, epr), 200, "ServiceRequest")["status"] == "completed"

    other = copy.deepcopy(ama_referral(identifier__0__value="REF-2000"))
    second = valid(fhir_post("ServiceRequest", other, epr), 201)
    services.reject_referral(Referral.objects.get(pk=second["id"]), reason="Seen elsewhere last week", by=scheduler)
    rejected = valid(fhir_get(f"ServiceRequest/{second['id']}", epr), 200, "ServiceRequest")
    assert rejected["status"] == "revoked" and rejected["note"] == [{"text": "Rejected: Seen elsewhere last week"}]
    assert outcome(fhir_get("ServiceRequest/999999", epr), 404)["code"] == "not-found"
