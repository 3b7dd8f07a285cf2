"""The hospital's RIS reads the clinic's ductograms over FHIR: Ama Osei's on Thursday at 10:00 with Dr Okafor in
Mammo Room 1, and the rest of the fortnight; it searches a week at a time, by patient, radiologist, room and status,
pages through long lists by the `next` link, and is told exactly which parameter it got wrong.
"Now" is Wednesday 5 June 2030, 12:00 London (BST, UTC+1): Thursday 10:00 is 09:00 UTC."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.models import Appointment
from tests.clinic import FRIDAY, MONDAY, THURSDAY, at
from tests.factories import AppointmentFactory, PatientFactory, RoomFactory
from tests.fhir import fhir_get, follow, ids, link, matches, new_token, outcome, search, valid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

NEXT_MONDAY = MONDAY + timedelta(days=7)


@pytest.fixture
def token():
    return new_token("appointments", name="RIS")


@pytest.fixture
def ama():
    return PatientFactory(given_name="Ama", family_name="Osei", mrn="RX200001", nhs_number="9434765919")


@pytest.fixture
def fortnight(book, ama, radiologist, room2):
    """Ama on Thursday 10:00 with Dr Okafor; someone on Friday in Mammo Room 2; someone on Monday with Dr Okafor;
    someone the Monday after."""
    return {
        "thursday": book(at(THURSDAY, "10:00"), patient=ama, radiologist=radiologist),
        "friday": book(at(FRIDAY, "14:00"), room=room2),
        "monday": book(at(MONDAY, "09:00"), radiologist=radiologist),
        "next_monday": book(at(NEXT_MONDAY, "09:00")),
    }


def test_an_appointment_reads_with_its_patient_radiologist_room_times_and_preparation(
    fortnight, ama, radiologist, room, token
):
    thursday = fortnight["thursday"]
    found = valid(fhir_get(f"Appointment/{thursday.pk}", token), 200, "Appointment")
    assert found["id"] == str(thursday.pk)
    assert found["status"] == "booked"
    assert (found["start"], found["end"]) == ("2030-06-06T09:00:00Z", "2030-06-06T09:45:00Z")
    assert found["minutesDuration"] == 45
    actors = [p["actor"] for p in found["participant"]]
    assert actors == [
        {"reference": f"Patient/{ama.pk}", "display": "Ama Osei"},
        {"reference": f"Practitioner/{radiologist.pk}", "display": "Adaeze Okafor"},
        {"reference": f"Location/{room.pk}", "display": "Mammo Room 1"},
    ]
    assert found["serviceType"][0]["coding"] == [
        {"system": "http://snomed.info/sct", "code": "18102001", "display": "Mammary ductogram"}
    ]
    assert found["reasonCode"] == [{"text": "Nipple discharge (bloody), left breast"}]
    instruction = found["patientInstruction"]
    assert instruction.startswith("The preparation starts on Monday 3 June 2030.\n")
    for line in thursday.procedure_type.preparation.splitlines():
        assert line.strip().lstrip("-•* ").strip() in instruction
    assert "cancelationReason" not in found


@pytest.mark.parametrize(
    ("status", "fhir_status"),
    [
        (Appointment.Status.BOOKED, "booked"),
        (Appointment.Status.CONFIRMED, "booked"),
        (Appointment.Status.CHECKED_IN, "checked-in"),
        (Appointment.Status.COMPLETED, "fulfilled"),
        (Appointment.Status.CANCELLED, "cancelled"),
        (Appointment.Status.NO_SHOW, "noshow"),
    ],
)
def test_each_status_is_told_as_fhir_names_it(status, fhir_status, token):
    reason = {"cancellation_reason": "Discharge stopped", "cancel_reason_code": "no_discharge"}
    appointment = AppointmentFactory(
        scheduled_start=at(date(2030, 6, 4), "10:00"), status=status, **(reason if status == "cancelled" else {})
    )
    found = valid(fhir_get(f"Appointment/{appointment.pk}", token), 200, "Appointment")
    assert found["status"] == fhir_status
    if status == Appointment.Status.CANCELLED:
        assert found["cancelationReason"] == {"text": "No discharge any more: Discharge stopped"}
    else:
        assert "cancelationReason" not in found
    (match,) = matches(search("Appointment", token, status=fhir_status, _id=appointment.pk))
    assert match["resource"]["id"] == str(appointment.pk)


def test_a_week_is_searched_with_ge_and_lt(fortnight, token):
    week = search("Appointment", token, resource_type="Appointment", date=["ge2030-06-06", "lt2030-06-13"])
    assert ids(week) == [str(fortnight[k].pk) for k in ("thursday", "friday", "monday")]
    assert week["total"] == 3
    assert week["entry"][0]["fullUrl"] == f"http://localhost:8000/fhir/Appointment/{fortnight['thursday'].pk}"
    assert link(week, "self") == (
        "http://localhost:8000/fhir/Appointment?date=ge2030-06-06&date=lt2030-06-13&_count=50"
    )
    assert link(week, "next") is None


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["2030-06-06"], ["thursday"]),
        (["eq2030-06"], ["thursday", "friday", "monday", "next_monday"]),
        (["gt2030-06-07"], ["monday", "next_monday"]),
        (["le2030-06-07"], ["thursday", "friday"]),
        (["ge2030-06-06T10:00:00+01:00", "lt2030-06-06T10:01+01:00"], ["thursday"]),
        (["gt2030-06-06T09:00:00Z"], ["friday", "monday", "next_monday"]),
        (["ge2030-06-06T10:00"], ["thursday", "friday", "monday", "next_monday"]),  # clinic time without a zone
        (["ne2030-06-06"], ["friday", "monday", "next_monday"]),
    ],
)
def test_dates_and_date_times_with_each_prefix(fortnight, token, dates, expected):
    assert ids(search("Appointment", token, date=dates)) == [str(fortnight[k].pk) for k in expected]


def test_search_by_patient_radiologist_room_and_status(fortnight, ama, radiologist, room2, token):
    thursday, monday, friday = (str(fortnight[k].pk) for k in ("thursday", "monday", "friday"))
    assert ids(search("Appointment", token, patient=f"Patient/{ama.pk}")) == [thursday]
    assert ids(search("Appointment", token, patient=str(ama.pk))) == [thursday]
    assert ids(search("Appointment", token, patient=f"http://localhost:8000/fhir/Patient/{ama.pk}")) == [thursday]
    assert ids(search("Appointment", token, practitioner=f"Practitioner/{radiologist.pk}")) == [thursday, monday]
    assert ids(search("Appointment", token, location=f"Location/{room2.pk}")) == [friday]
    assert ids(search("Appointment", token, status="cancelled")) == []
    assert len(ids(search("Appointment", token, status="booked,cancelled"))) == 4
    assert ids(search("Appointment", token, status="waitlist")) == []  # an R4 code the clinic never uses
    both = search("Appointment", token, practitioner=str(radiologist.pk), date="ge2030-06-08")
    assert ids(both) == [monday]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"colour": "red"}, "colour"),
        ({"date": "next-week"}, "date"),
        ({"date": "sa2030-06-06"}, "date"),
        ({"date": "2030-02-30"}, "date"),
        ({"date": "1066-10-14"}, "date"),
        ({"patient": "Practitioner/1"}, "patient"),
        ({"status": "maybe"}, "status"),
        ({"date": ""}, "date"),
        ({"_count": "-1"}, "_count"),
        ({"_count": "ten"}, "_count"),
        ({"_offset": "x"}, "_offset"),
        ({"date:missing": "true"}, "date:missing"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(fortnight, token, params, named):
    issue = outcome(fhir_get("Appointment", token, **params), 400)
    assert issue["code"] == "invalid"
    assert f"'{named}'" in issue["diagnostics"]
    assert issue["expression"] == [named]


def test_with_prefer_lenient_an_unknown_parameter_is_left_out_with_a_warning(fortnight, token):
    bundle = valid(
        fhir_get("Appointment", token, headers={"Prefer": "handling=lenient"}, colour="red", date="2030-06-06"),
        200,
        "Bundle",
    )
    assert ids(bundle) == [str(fortnight["thursday"].pk)]
    (warning,) = [e for e in bundle["entry"] if e["search"]["mode"] == "outcome"]
    assert warning["resource"]["issue"][0]["severity"] == "warning"
    assert "'colour'" in warning["resource"]["issue"][0]["diagnostics"]
    assert "colour" not in link(bundle, "self")


@pytest.fixture
def busy_week(ductogram):
    """Twelve appointments over Thursday and Friday, three rooms."""
    rooms = [RoomFactory(name=f"Paging Room {n}") for n in range(3)]
    made = []
    for n in range(12):
        day = THURSDAY if n < 6 else FRIDAY
        made.append(
            AppointmentFactory(
                procedure_type=ductogram, room=rooms[n % 3], scheduled_start=at(day, f"{9 + n % 6:02d}:00")
            )
        )
    return sorted(made, key=lambda a: (a.scheduled_start, a.pk))


def test_paging_follows_next_links_to_the_end(busy_week, token):
    first = search("Appointment", token, date=["ge2030-06-06", "lt2030-06-08"], _count=5)
    assert first["total"] == 12 and len(ids(first)) == 5
    assert link(first, "previous") is None
    second = valid(follow(link(first, "next"), token), 200, "Bundle")
    third = valid(follow(link(second, "next"), token), 200, "Bundle")
    assert link(third, "next") is None and len(ids(third)) == 2
    assert ids(first) + ids(second) + ids(third) == [str(a.pk) for a in busy_week]
    assert link(second, "self").endswith("date=ge2030-06-06&date=lt2030-06-08&_count=5&_offset=5")
    assert valid(follow(link(third, "previous"), token), 200, "Bundle")["entry"] == second["entry"]
    capped = search("Appointment", token, _count=5000)
    assert "_count=200" in link(capped, "self")
    only_total = search("Appointment", token, _count=0)
    assert only_total["total"] == 12 and "entry" not in only_total


def _queries(token, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        valid(fhir_get("Appointment", token, **params), 200, "Bundle")
    return len(captured.captured_queries)


def test_a_page_costs_the_same_queries_however_many_rows_and_however_deep(busy_week, token):
    fhir_get("metadata")  # warm: the first call of a token notes its use
    _queries(token, _count=1)
    counts = {
        "1 row": _queries(token, _count=1),
        "5 rows": _queries(token, _count=5),
        "12 rows": _queries(token, _count=12),
        "page 3": _queries(token, _count=5, _offset=10),
    }
    assert set(counts.values()) == {4}, counts  # token, COUNT, page, the call's record
