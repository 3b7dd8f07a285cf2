"""The hospital's systems find the clinic's people and places over FHIR: Ama Osei by her hospital number or her NHS
number, Dr Okafor among the radiologists, the rooms, and the free times in each room to book into.
"Now" is Wednesday 5 June 2030, 12:00 London (BST, UTC+1): Thursday 10:00 is 09:00 UTC."""

import pytest

from tests.clinic import SATURDAY, THURSDAY, at
from tests.factories import PatientFactory, RadiologistFactory, RoomFactory
from tests.fhir import fhir_get, ids, new_token, outcome, search, valid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

MRN_SYSTEM = "https://localhost/fhir/sid/mrn"
NHS = "https://fhir.nhs.uk/Id/nhs-number"


@pytest.fixture
def token():
    return new_token("appointments", name="RIS")


@pytest.fixture
def ama():
    return PatientFactory(
        given_name="Ama",
        family_name="Osei",
        mrn="RX200001",
        nhs_number="943 476 5919",
        date_of_birth="1978-02-14",
        email="ama@example.org",
        mobile="+447700900123",
        phone="+442079460000",
        address_line1="1 Elm Row",
        town="Riverside",
        postcode="RV1 2AB",
    )


@pytest.fixture
def bea():
    return PatientFactory(given_name="Bea", family_name="Osborne", mrn="RX200002", nhs_number=None)


def test_a_patient_reads_with_her_mrn_nhs_number_name_birth_date_and_contacts(ama, token):
    found = valid(fhir_get(f"Patient/{ama.pk}", token), 200, "Patient")
    mrn, nhs = found["identifier"]
    assert (mrn["system"], mrn["value"], mrn["type"]["coding"][0]["code"]) == (MRN_SYSTEM, "RX200001", "MR")
    assert (nhs["system"], nhs["value"]) == (NHS, "9434765919")
    assert found["name"] == [{"use": "official", "family": "Osei", "given": ["Ama"], "text": "Ama Osei"}]
    assert found["birthDate"] == "1978-02-14"
    assert "gender" not in found  # the clinic does not record it
    assert found["telecom"] == [
        {"system": "email", "value": "ama@example.org"},
        {"system": "phone", "value": "+447700900123", "use": "mobile"},
        {"system": "phone", "value": "+442079460000", "use": "home"},
    ]
    assert found["address"] == [
        {"use": "home", "type": "postal", "line": ["1 Elm Row"], "city": "Riverside", "postalCode": "RV1 2AB"}
    ]


def test_a_patient_without_an_nhs_number_has_the_mrn_alone(bea, token):
    found = valid(fhir_get(f"Patient/{bea.pk}", token), 200, "Patient")
    assert [i["system"] for i in found["identifier"]] == [MRN_SYSTEM]


@pytest.mark.parametrize(
    "identifier",
    [
        f"{MRN_SYSTEM}|RX200001",
        f"{MRN_SYSTEM}|rx200001",
        f"{NHS}|9434765919",
        f"{NHS}|943 476 5919",
        "RX200001",
        "9434765919",
        f"{NHS}|0000000000,{MRN_SYSTEM}|RX200001",
    ],
)
def test_a_patient_is_found_by_her_identifier(ama, bea, token, identifier):
    assert ids(search("Patient", token, resource_type="Patient", identifier=identifier)) == [str(ama.pk)]


@pytest.mark.parametrize("identifier", [f"{NHS}|RX200001", "https://elsewhere.example/mrn|RX200001", "|RX200001"])
def test_an_identifier_under_another_system_finds_nobody(ama, token, identifier):
    assert search("Patient", token, identifier=identifier)["total"] == 0


def test_patients_by_name_birth_date_and_any_nhs_number(ama, bea, token):
    assert ids(search("Patient", token, identifier=f"{NHS}|")) == [str(ama.pk)]
    assert ids(search("Patient", token, family="os")) == [str(ama.pk), str(bea.pk)]
    assert ids(search("Patient", token, family="Osei", given="ama")) == [str(ama.pk)]
    assert ids(search("Patient", token, birthdate="1978-02-14")) == [str(ama.pk)]
    assert "'birthdate'" in outcome(fhir_get("Patient", token, birthdate="1978-02-14T10:00"), 400)["diagnostics"]


def test_the_mrn_system_is_the_hospitals_when_set(ama, token, settings):
    settings.FHIR_MRN_SYSTEM = "https://fhir.riverside.nhs.uk/Id/mrn"
    found = valid(fhir_get(f"Patient/{ama.pk}", token), 200, "Patient")
    assert found["identifier"][0]["system"] == "https://fhir.riverside.nhs.uk/Id/mrn"
    assert ids(search("Patient", token, identifier="https://fhir.riverside.nhs.uk/Id/mrn|RX200001")) == [str(ama.pk)]


def test_radiologists_are_practitioners_and_other_staff_are_not(radiologist, scheduler, token):
    found = valid(fhir_get(f"Practitioner/{radiologist.pk}", token), 200, "Practitioner")
    assert found["name"] == [{"use": "official", "family": "Okafor", "given": ["Adaeze"], "text": "Adaeze Okafor"}]
    assert found["active"] is True
    outcome(fhir_get(f"Practitioner/{scheduler.pk}", token), 404)
    nowak = RadiologistFactory(first_name="Tomasz", last_name="Nowak")
    assert ids(search("Practitioner", token, resource_type="Practitioner")) == [str(radiologist.pk), str(nowak.pk)]
    assert ids(search("Practitioner", token, name="now")) == [str(nowak.pk)]


def test_a_radiologist_who_left_the_group_stays_readable_while_an_appointment_names_her(book, radiologist, token):
    book(at(THURSDAY, "10:00"), radiologist=radiologist)
    radiologist.groups.clear()
    valid(fhir_get(f"Practitioner/{radiologist.pk}", token), 200, "Practitioner")


def test_rooms_are_locations_each_with_a_schedule(room, token):
    closed = RoomFactory(name="Old Room", is_active=False)
    found = valid(fhir_get(f"Location/{room.pk}", token), 200, "Location")
    assert (found["name"], found["status"], found["description"]) == ("Mammo Room 1", "active", "Level 2, Rose Wing")
    assert ids(search("Location", token, status="inactive")) == [str(closed.pk)]
    assert ids(search("Location", token, name="mammo")) == [str(room.pk)]
    schedule = valid(fhir_get(f"Schedule/{room.pk}", token), 200, "Schedule")
    assert schedule["actor"] == [{"reference": f"Location/{room.pk}", "display": "Mammo Room 1"}]
    assert ids(search("Schedule", token, actor=f"Location/{room.pk}")) == [str(room.pk)]
    assert ids(search("Schedule", token, active="false")) == [str(closed.pk)]


def test_free_slots_are_the_rooms_free_times(book, room, room2, token):
    """Thursday in Mammo Room 1: open 08:00-18:00, a ductogram booked 10:00-10:45, so no 45-minute slot starts
    from 09:30 to 10:30; every 15 minutes otherwise."""
    book(at(THURSDAY, "10:00"))
    thursday = search(
        "Slot", token, resource_type="Slot", schedule=f"Schedule/{room.pk}", start=["ge2030-06-06", "lt2030-06-07"]
    )
    starts = [e["resource"]["start"] for e in thursday["entry"]]
    assert starts[:6] == [
        f"2030-06-06T{h}Z" for h in ("07:00:00", "07:15:00", "07:30:00", "07:45:00", "08:00:00", "08:15:00")
    ]
    assert "2030-06-06T08:30:00Z" not in starts and "2030-06-06T09:30:00Z" not in starts
    assert "2030-06-06T08:15:00Z" in starts and "2030-06-06T09:45:00Z" in starts
    assert starts[-1] == "2030-06-06T16:15:00Z"  # ends at 18:00 London
    first = thursday["entry"][0]["resource"]
    assert first["status"] == "free" and first["schedule"]["reference"] == f"Schedule/{room.pk}"
    assert first["end"] == "2030-06-06T07:45:00Z"
    both_rooms = search("Slot", token, start=["ge2030-06-06T08:00", "lt2030-06-06T08:15"])
    assert [e["resource"]["schedule"]["reference"] for e in both_rooms["entry"]] == [
        f"Schedule/{room.pk}",
        f"Schedule/{room2.pk}",
    ]
    assert search("Slot", token, start=["ge2030-06-08", "lt2030-06-10"])["total"] == 0  # the weekend
    assert search("Slot", token, status="busy")["total"] == 0


def test_a_slot_reads_while_it_is_free_and_not_once_taken(book, room, token):
    slots = search("Slot", token, schedule=room.pk, start=["ge2030-06-06T10:00", "lt2030-06-06T10:01"])
    (entry,) = slots["entry"]
    slot_id = entry["resource"]["id"]
    assert valid(fhir_get(f"Slot/{slot_id}", token), 200, "Slot") == entry["resource"]
    book(at(THURSDAY, "10:00"))
    outcome(fhir_get(f"Slot/{slot_id}", token), 404)
    outcome(fhir_get("Slot/not-a-slot", token), 404)


def test_a_slot_search_covers_a_week_by_default_and_a_month_at_most(room, token):
    week = search("Slot", token, _count=0)
    assert week["total"] > 0
    starts = [e["resource"]["start"] for e in search("Slot", token, _count=200)["entry"]]
    assert starts[0] > "2030-06-05T11:00:00Z"  # nothing already past
    assert "'start'" in outcome(fhir_get("Slot", token, start=["ge2030-06-06", "lt2030-08-01"]), 400)["diagnostics"]
    assert search("Slot", token, start=f"ge{SATURDAY.isoformat()}", _count=0)["total"] > 0
