"""Staff's patient pages: the search (/patients/?q=) and a patient's history (/patients/<id>/), and the warning
before a second upcoming ductogram for the same patient."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from procedures.folding import fold
from procedures.models import Appointment, NameWord, Patient, PatientCall, PatientRequest, SafetyAnswers
from procedures.patients import search as search_module
from procedures.patients.search import PAGE_SIZE, read_phone, read_query
from procedures.services import cancel_appointment, update_patient
from reminders import services as reminders_services
from reminders.models import Reminder
from tests.clinic import FAR, MONDAY, THURSDAY, at
from tests.factories import AppointmentFactory, PatientFactory, ProcedureResultFactory, RadiologistFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

SEARCH = reverse("procedures:patients")


def found(client, q: str, **extra) -> list[str]:
    response = client.get(SEARCH, {"q": q, **extra})
    assert response.status_code == 200
    return [p.mrn for p in response.context["results"].patients]


@pytest.fixture
def ama():
    return PatientFactory(
        given_name="Ama",
        family_name="Osei",
        mrn="RX200001",
        date_of_birth=date(1984, 3, 7),
        mobile="+447911000123",
        phone="+442079460018",
    )


# Folding and reading the query


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Zoë", "zoe"),
        ("  ama   osei ", "ama osei"),
        ("McDonald", "mcdonald"),
        ("O'Neill", "oneill"),
        ("Straße", "strasse"),
    ],
)
def test_names_fold_to_one_spelling(typed, folded):
    assert fold(typed) == folded


@pytest.mark.parametrize(
    "typed",
    [
        "07911 000123",
        "07911000123",
        "+44 7911 000123",
        "+44 (0)7911 000 123",
        "447911000123",
        "0044 7911 000123",
        "7911 000 123",
    ],
)
def test_a_phone_number_reads_the_same_however_it_is_written(typed):
    assert read_phone(typed) == "+447911000123"


@pytest.mark.parametrize(
    ("typed", "born"),
    [("1984-03-07", date(1984, 3, 7)), ("07/03/1984", date(1984, 3, 7)), ("7/3/1984", date(1984, 3, 7))],
)
def test_a_date_of_birth_is_read_in_either_form(typed, born):
    query = read_query(typed)
    assert (query.kind, query.born) == ("date", born)


def test_save_keeps_the_search_column_up_to_date(ama):
    assert Patient.objects.get(pk=ama.pk).search_name == "ama osei"
    update_patient(ama, family_name="Osei-Bonsu")
    assert Patient.objects.get(pk=ama.pk).search_name == "ama osei bonsu"


# The search page


@pytest.fixture
def namesakes():
    return [
        PatientFactory(given_name="Fiona", family_name="McDonald", mrn="RX200002"),
        PatientFactory(given_name="Zoë", family_name="Brontë", mrn="RX200003"),
        PatientFactory(given_name="Grace", family_name="O'Neill", mrn="RX200004"),
    ]


@pytest.mark.parametrize(
    ("q", "mrns"),
    [
        ("aMa oSEI", ["RX200001"]),
        ("  ama   osei ", ["RX200001"]),
        ("osei ama", ["RX200001"]),
        ("ose", ["RX200001"]),
        ("mcdonald", ["RX200002"]),
        ("MCDONALD fiona", ["RX200002"]),
        ("Zoe", ["RX200003"]),
        ("zoë bronte", ["RX200003"]),
        ("oneill", ["RX200004"]),
        ("o'neill", ["RX200004"]),
        ("rx200001", ["RX200001"]),
        ("1984-03-07", ["RX200001"]),
        ("07/03/1984", ["RX200001"]),
        ("07911 000123", ["RX200001"]),
        ("+44 7911 000 123", ["RX200001"]),
        ("447911000123", ["RX200001"]),
        ("020 7946 0018", ["RX200001"]),
        ("+442079460018", ["RX200001"]),
    ],
)
def test_a_patient_is_found_by_name_mrn_date_of_birth_or_phone(as_scheduler, ama, namesakes, q, mrns):
    assert found(as_scheduler, q) == mrns


def test_nothing_found_says_so_with_the_words_typed(as_scheduler, ama):
    response = as_scheduler.get(SEARCH, {"q": "Nobody-Here"})
    html = response.content.decode()
    assert 'id="no-patients"' in html and "No patient matches “Nobody-Here”." in html
    born = as_scheduler.get(SEARCH, {"q": "01/01/1901"}).content.decode()
    assert "No one on file was born on 1 January 1901" in born


@pytest.mark.parametrize("q", ["a", "x" * 101, "ama\x00osei", "31/02/1984x"])
def test_a_query_that_cannot_match_is_answered_not_crashed(as_scheduler, ama, q):
    response = as_scheduler.get(SEARCH, {"q": q})
    assert response.status_code == 200
    assert response.context["results"].patients == []
    assert 'id="no-patients"' in response.content.decode()


def test_the_empty_page_invites_a_search(as_scheduler):
    response = as_scheduler.get(SEARCH)
    assert response.status_code == 200 and 'id="patient-search"' in response.content.decode()


def test_results_are_paginated_25_a_page_in_name_order(as_scheduler):
    for n in range(PAGE_SIZE + 5):
        PatientFactory(given_name=f"Given{n:02d}", family_name="Smith")
    first = as_scheduler.get(SEARCH, {"q": "smith"})
    assert len(first.context["results"].patients) == PAGE_SIZE
    assert "30 patients match" in first.content.decode() and "page 1 of 2" in first.content.decode()
    second = as_scheduler.get(SEARCH, {"q": "smith", "page": "2"})
    names = [p.given_name for p in second.context["results"].patients]
    assert names == [f"Given{n:02d}" for n in range(PAGE_SIZE, PAGE_SIZE + 5)]
    assert found(as_scheduler, "smith", page="999") == found(as_scheduler, "smith", page="2")
    assert found(as_scheduler, "smith", page="nonsense") == found(as_scheduler, "smith")


def test_a_very_common_name_is_counted_up_to_a_cap_and_asks_for_more_words(as_scheduler, monkeypatch):
    monkeypatch.setattr(search_module, "COUNT_CAP", 10)
    for n in range(12):
        PatientFactory(given_name=f"Given{n:02d}", family_name="Khan")
    response = as_scheduler.get(SEARCH, {"q": "khan"})
    assert response.context["results"].more
    assert "More than 10 patients match “khan”" in response.content.decode()
    assert len(response.context["results"].patients) == 10


def test_each_row_shows_the_next_upcoming_appointment(as_scheduler, ama, book, room):
    book(at(MONDAY, "11:00"), patient=ama)
    soonest = book(at(THURSDAY, "09:00"), patient=ama)
    AppointmentFactory(patient=ama, scheduled_start=at(THURSDAY, "08:00") - timedelta(days=7))  # past
    response = as_scheduler.get(SEARCH, {"q": "osei"})
    (row,) = response.context["results"].patients
    assert row.next_appointment == soonest
    html = response.content.decode()
    assert reverse("procedures:appointment", args=[soonest.pk]) in html
    assert reverse("procedures:patient", args=[ama.pk]) in html


def test_a_page_of_results_costs_the_same_queries_however_many_patients_it_holds(as_scheduler, room):
    lonely = PatientFactory(given_name="Only", family_name="Once")
    AppointmentFactory(patient=lonely, room=room, scheduled_start=at(MONDAY, "09:00"))
    for n in range(PAGE_SIZE):
        patient = PatientFactory(given_name=f"Many{n}", family_name="Jones")
        AppointmentFactory(patient=patient, room=room, scheduled_start=at(MONDAY, "09:00") + timedelta(days=n + 1))
    counts = []
    for q in ("once", "jones"):
        with CaptureQueriesContext(connection) as queries:
            response = as_scheduler.get(SEARCH, {"q": q})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert len(response.context["results"].patients) == PAGE_SIZE


def test_each_row_shows_the_mobile_and_the_other_number_or_a_dash(as_scheduler, ama):
    PatientFactory(given_name="Efua", family_name="Osei", mobile="+447911000456", phone="")
    PatientFactory(given_name="Kofi", family_name="Osei", mobile="", phone="")
    html = as_scheduler.get(SEARCH, {"q": "osei"}).content.decode()
    cells = [row.split('<td class="text-nowrap">')[2].split("</td>")[0] for row in html.split("<tr>")[2:]]
    assert cells == ["07911 000123<br>020 7946 0018", "07911 000456", "–"]  # Ama, Efua, Kofi: as staff dial them


def test_the_search_is_for_signed_in_staff_only(client, ama):
    response = client.get(SEARCH, {"q": "osei"})
    assert response.status_code == 302 and "/login/" in response["Location"]


# Names spelled alike (PostgreSQL's trigrams), after the names as typed


def words() -> set[str]:
    return set(NameWord.objects.values_list("word", flat=True))


@pytest.fixture
def spellings():
    """Two patients a typo should find, one whose name holds the letters typed, and one whose other fields do."""
    return {
        "hughes": PatientFactory(given_name="Fatima", family_name="Hughes", mrn="RX300001"),
        "yilmaz": PatientFactory(given_name="Fatma", family_name="Yilmaz", mrn="RX300002"),
        "hughson": PatientFactory(given_name="Helen", family_name="Hughson", mrn="RX300003"),
        "grant": PatientFactory(given_name="Hugh", family_name="Grant", mrn="RX300004"),
        "elsewhere": PatientFactory(
            given_name="Ada", family_name="Lovelace", mrn="HUGHS", email="hughes@example.com", town="Hughesville"
        ),
    }


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("q", "mrns"),
    [
        # Hughson and the MRN as typed, in name order; then spelled alike, the closest first: Hugh (0.57), Hughes (0.44)
        ("hughs", ["RX300003", "HUGHS", "RX300004", "RX300001"]),
        ("fatma", ["RX300002", "RX300001"]),  # Fatma as typed, then Fatima
        ("fatima", ["RX300001", "RX300002"]),
        ("fatima hughs", ["RX300001"]),  # every word as typed or alike
        ("FATMA hughes", ["RX300001"]),
        ("brnte", []),
        ("xyzzy", []),
        ("qwerty", []),
        ("zzzzzz", []),
    ],
)
def test_a_typo_finds_the_names_spelled_alike_after_those_as_typed(as_scheduler, spellings, q, mrns):
    assert found(as_scheduler, q) == mrns


@pytest.mark.postgres
def test_names_spelled_alike_are_marked_and_only_names_are_compared(as_scheduler, spellings):
    response = as_scheduler.get(SEARCH, {"q": "hughs"})
    marked = {p.mrn: p.spelled_alike for p in response.context["results"].patients}
    assert marked == {"HUGHS": False, "RX300003": False, "RX300001": True, "RX300004": True}
    html = response.content.decode()
    assert html.count("Similar spelling</span>") == 2
    assert 'id="exact-spelling-only"' not in html
    # Ada Lovelace is found by her MRN typed whole, never by her email or town ("hughes") spelled alike.
    assert "HUGHS" not in found(as_scheduler, "hughes") + found(as_scheduler, "hughesvile")
    assert found(as_scheduler, "lovelce") == ["HUGHS"]  # her own name, spelled alike, does find her


@pytest.mark.postgres
def test_a_name_holding_more_of_the_words_as_typed_comes_first(as_scheduler, spellings):
    PatientFactory(given_name="Fatma", family_name="Hughes", mrn="RX300008")
    # Neither holds "hughs"; Fatma Hughes holds "fatma" as typed, Fatima Hughes only spellings of both.
    assert found(as_scheduler, "fatma hughs") == ["RX300008", "RX300001"]


@pytest.mark.postgres
@pytest.mark.parametrize("cap", [1, 2, 3, 4, 5])
def test_a_typo_counts_the_names_as_typed_and_spelled_alike_as_one_list_up_to_the_cap(
    as_scheduler, spellings, monkeypatch, cap
):
    """Those as typed are found first, and those spelled alike after, in a query of their own, only for the room
    the cap leaves: the page lists the same patients as one list would, and says when there are more."""
    monkeypatch.setattr(search_module, "COUNT_CAP", cap)
    response = as_scheduler.get(SEARCH, {"q": "hughs"})
    results = response.context["results"]
    every = ["RX300003", "HUGHS", "RX300004", "RX300001"]  # as typed, then Hugh (0.57) and Hughes (0.44)
    assert [p.mrn for p in results.patients] == every[:cap]
    assert [p.spelled_alike for p in results.patients] == [False, False, True, True][:cap]
    assert results.more is (cap < len(every))


@pytest.mark.postgres
@pytest.mark.parametrize(
    "q", ["hughs", "fatma", "fatima", "fatma hughs", "hughes fatma", "hugh", "lovelce", "mcdonld", "mcdonald"]
)
def test_the_patients_found_first_are_those_the_single_query_orders_first(spellings, namesakes, q):
    """`ranked` (two queries, as typed then spelled alike) lists what `matching` (one query, which counts them)
    orders first, marked alike: for any number asked for."""
    PatientFactory(given_name="Fatma", family_name="Hughes", mrn="RX300008")
    PatientFactory(given_name="Fatima", family_name="Hughson", mrn="RX300009")
    query = read_query(q)
    one = search_module.matching(query)
    marked = "typed_exactly" in one.query.annotations
    every = (
        list(one.values_list("pk", "typed_exactly"))
        if marked
        else [(pk, True) for pk in one.values_list("pk", flat=True)]
    )
    assert every, q
    for limit in range(1, len(every) + 2):
        assert search_module.ranked(query, limit) == every[:limit]


@pytest.mark.postgres
def test_a_common_start_or_a_short_word_is_not_a_similar_spelling(as_scheduler, spellings):
    PatientFactory(given_name="Grace", family_name="Gray", mrn="RX300006")
    assert found(as_scheduler, "grace") == ["RX300006"]  # not Hugh Grant: "gra" alone is not a name spelled alike
    assert found(as_scheduler, "hgh") == []  # three letters: matched as typed only


@pytest.mark.postgres
def test_the_name_words_a_typo_is_compared_with_follow_every_patient_written(as_scheduler, ama, namesakes):
    """A trigger keeps them: for a patient saved, renamed through the service, or written in bulk; not words with
    digits. A word nobody carries any more stays and finds nobody."""
    assert {"ama", "osei", "fiona", "mcdonald", "zoe", "bronte", "grace", "oneill"} <= words()
    update_patient(ama, family_name="Osei-Bonsu")
    eze = Patient(mrn="RX400001", given_name="Ngozi", family_name="Eze2", date_of_birth=date(1970, 1, 1))
    Patient.objects.bulk_create([eze])  # bypasses save(): its callers fill search_name, the trigger reads it
    Patient.objects.filter(mrn="RX400001").update(search_name="ngozi eze2")
    assert {"bonsu", "ngozi"} <= words() and "eze2" not in words()
    assert found(as_scheduler, "bonsa") == ["RX200001"]
    assert found(as_scheduler, "zoe brnte") == ["RX200003"]
    update_patient(ama, family_name="Mensah")
    assert "bonsu" in words() and found(as_scheduler, "bonsa") == []


def test_names_as_typed_come_first_in_name_order_on_either_database(as_scheduler, spellings, on_postgres):
    """SQLite matches the letters typed only, and says so; PostgreSQL lists the names spelled alike after them."""
    PatientFactory(given_name="Anna", family_name="Hughson", mrn="RX300007")
    response = as_scheduler.get(SEARCH, {"q": "hughs"})
    mrns = [p.mrn for p in response.context["results"].patients]
    assert mrns[:3] == ["RX300007", "RX300003", "HUGHS"]  # Hughson Anna, Hughson Helen, Lovelace (by her MRN)
    assert mrns[3:] == (["RX300004", "RX300001"] if on_postgres else [])
    said = "Names are matched as typed here: finding similar spellings (“hughs” for Hughes) needs PostgreSQL."
    assert (said in response.content.decode()) is not on_postgres
    assert said not in as_scheduler.get(SEARCH, {"q": "1984-03-07"}).content.decode()  # only for names


# A patient's page


@pytest.fixture
def history(ama, book, room, radiologist):
    """Ama's past: a completed ductogram with a result, a cancelled one, and one coming on Monday with answers,
    a request and a call."""
    done = AppointmentFactory(
        patient=ama, room=room, scheduled_start=at(THURSDAY, "10:00") - timedelta(days=30), status="completed"
    )
    ProcedureResultFactory(appointment=done, performed_by=radiologist)
    dropped = book(at(FAR.date(), "09:00"), patient=ama)
    cancel_appointment(dropped, reason="Discharge stopped by itself", reason_code="no_discharge")
    coming = book(at(MONDAY, "10:00"), patient=ama)
    SafetyAnswers.objects.create(
        appointment=coming,
        discharge_present="yes",
        pregnant="no",
        contrast_allergy="no",
        infection="no",
        blood_thinners="yes",
        note="Aspirin 75 mg every morning.",
    )
    PatientRequest.objects.create(appointment=coming, kind="reschedule", message="Could it be in the afternoon?")
    PatientCall.objects.create(appointment=coming, note="Agreed to keep Monday")
    return {"done": done, "dropped": dropped, "coming": coming}


def page_of(client, patient):
    response = client.get(reverse("procedures:patient", args=[patient.pk]))
    assert response.status_code == 200
    return response


def test_a_patients_page_shows_her_whole_history(as_scheduler, ama, history):
    html = page_of(as_scheduler, ama).content.decode()
    for appointment in history.values():
        assert reverse("procedures:appointment", args=[appointment.pk]) in html
    assert "Discharge stopped by itself" in html and "No discharge any more" in html  # the cancel reason
    assert "Completed" in html and "Cancelled" in html
    assert "Booking confirmation" in html  # the messages
    assert Reminder.objects.filter(appointment__patient=ama).exists()
    assert "Aspirin 75 mg every morning." in html and "Do you take medicine that thins the blood?" in html
    assert "Could it be in the afternoon?" in html
    assert "Agreed to keep Monday" in html
    assert 'value="+447911000123"' in html or "7911 000123" in html


def test_a_scheduler_never_sees_results(as_scheduler, ama, history):
    html = page_of(as_scheduler, ama).content.decode()
    assert 'id="results"' not in html
    assert "BI-RADS" not in html and "Filling defect" not in html and "Low suspicion" not in html


def test_a_radiologist_sees_the_results(as_radiologist, ama, history):
    html = page_of(as_radiologist, ama).content.decode()
    assert 'id="results"' in html
    assert "4A - Low suspicion" in html and "Filling defect" in html and "Performed" in html


def test_a_patients_page_costs_the_same_queries_however_long_her_history(as_radiologist, ama, history, book):
    quiet = PatientFactory()
    book(at(MONDAY, "15:00"), patient=quiet)
    counts = []
    for patient in (quiet, ama):
        with CaptureQueriesContext(connection) as queries:
            page_of(as_radiologist, patient)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_contact_details_are_saved_through_the_service_and_re_plan_reminders(as_scheduler, ama, book, monkeypatch):
    book(at(MONDAY, "10:00"), patient=ama)
    resynced = []
    monkeypatch.setattr(reminders_services, "patient_details_changed", resynced.append)
    url = reverse("procedures:patient", args=[ama.pk])
    response = as_scheduler.post(
        url, {"email": "ama.new@example.com", "mobile": "07911 123456", "phone": "", "channels": ["email"]}
    )
    assert response.status_code == 302 and response["Location"] == url
    ama.refresh_from_db()
    assert (ama.email, str(ama.mobile), ama.phone, ama.channels) == (
        "ama.new@example.com",
        "+447911123456",
        "",
        ["email"],
    )
    assert "Saved Ama Osei&#x27;s contact details." in as_scheduler.get(url).content.decode()
    assert [p.pk for p in resynced] == [ama.pk]  # update_patient re-planned her reminders
    assert ama.history.first().history_user is not None


def test_saving_unchanged_details_changes_nothing(as_scheduler, ama, monkeypatch):
    resynced = []
    monkeypatch.setattr(reminders_services, "patient_details_changed", resynced.append)
    url = reverse("procedures:patient", args=[ama.pk])
    same = {"email": ama.email, "mobile": "+447911000123", "phone": "+442079460018", "channels": ["email", "sms"]}
    assert as_scheduler.post(url, same).status_code == 302
    assert resynced == [] and ama.history.count() == 1


def test_a_bad_mobile_is_said_on_the_field(as_scheduler, ama):
    url = reverse("procedures:patient", args=[ama.pk])
    response = as_scheduler.post(url, {"email": "", "mobile": "not a number", "phone": "", "channels": ["sms"]})
    assert response.status_code == 400
    assert response.context["form"].errors["mobile"]
    ama.refresh_from_db()
    assert str(ama.mobile) == "+447911000123"


def test_a_radiologist_cannot_change_contact_details(as_radiologist, ama):
    url = reverse("procedures:patient", args=[ama.pk])
    assert 'id="contact-form"' not in page_of(as_radiologist, ama).content.decode()
    response = as_radiologist.post(url, {"email": "x@example.com", "mobile": "", "phone": "", "channels": ["email"]})
    assert response.status_code == 403
    ama.refresh_from_db()
    assert ama.email != "x@example.com"


def test_an_unknown_patient_is_404(as_scheduler):
    assert as_scheduler.get(reverse("procedures:patient", args=[999999])).status_code == 404


# Links to a patient's page from every staff page


def test_staff_pages_link_the_patients_name_to_her_page(as_scheduler, ama, history):
    coming = history["coming"]
    # Answered again since the call, now possibly pregnant: she is back on the call list.
    SafetyAnswers.objects.create(
        appointment=coming,
        discharge_present="yes",
        pregnant="unsure",
        contrast_allergy="no",
        infection="no",
        blood_thinners="no",
        answered_at=timezone.now() + timedelta(minutes=5),
    )
    target = reverse("procedures:patient", args=[ama.pk])
    # Not the day and week grids: there a booking is one link, to the appointment, whose page links to her
    # (tests/procedures/test_views_schedule.py, the whole card opens the appointment).
    pages = [
        f"{reverse('procedures:day-print')}?date={MONDAY.isoformat()}",
        reverse("procedures:appointment", args=[coming.pk]),
        reverse("procedures:requests"),
        reverse("procedures:calls"),
    ]
    for url in pages:
        response = as_scheduler.get(url)
        assert response.status_code == 200, url
        assert f'href="{target}"' in response.content.decode(), url


# A second booking for a patient with one coming


def booking(patient, **overrides) -> dict:
    data = {
        "action": "book",
        "patient_source": "existing",
        "patient": str(patient.pk),
        "start_date": THURSDAY.isoformat(),
        "start_time": "14:00",
        "expected_duration": "45",
        "laterality": "right",
        "discharge": "clear",
        "referrer": "",
        "notes": "Bring the referral letter",
        "radiologist": "",
        "duration_reason": "",
    }
    data.update(overrides)
    return data


def test_booking_a_patient_with_a_ductogram_coming_shows_it_and_asks_again(as_scheduler, ama, book, room):
    existing = book(at(MONDAY, "10:00"), patient=ama)
    response = as_scheduler.post(reverse("procedures:book"), booking(ama, room=room.pk))
    assert response.status_code == 200
    assert Appointment.objects.filter(patient=ama).count() == 1
    html = response.content.decode()
    assert 'id="second-booking"' in html
    assert "Monday 10 June 2030, 10:00, Mammo Room 1" in html
    assert reverse("procedures:appointment", args=[existing.pk]) in html
    form = response.context["form"]
    assert form.existing_booking == existing
    assert "book_another" in form.errors and "second_booking_reason" in form.errors
    # Ticking alone, or a reason alone, is not enough.
    for half in ({"book_another": "on"}, {"second_booking_reason": "Other side too"}):
        again = as_scheduler.post(reverse("procedures:book"), booking(ama, room=room.pk, **half))
        assert again.status_code == 200 and Appointment.objects.filter(patient=ama).count() == 1


def test_a_second_booking_confirmed_with_a_reason_is_booked_with_the_reason_in_its_notes(as_scheduler, ama, book, room):
    book(at(MONDAY, "10:00"), patient=ama)
    response = as_scheduler.post(
        reverse("procedures:book"),
        booking(ama, room=room.pk, book_another="on", second_booking_reason="Right side as well, Dr Hale"),
    )
    assert response.status_code == 302
    second = Appointment.objects.filter(patient=ama).latest("pk")
    assert second.laterality == "right"
    assert second.notes == "Second booking: Right side as well, Dr Hale\nBring the referral letter"


def test_a_patient_whose_only_ductograms_are_past_or_cancelled_books_without_a_question(as_scheduler, ama, book, room):
    dropped = book(at(MONDAY, "10:00"), patient=ama)
    cancel_appointment(dropped, reason="Patient unwell", reason_code="unwell")
    AppointmentFactory(patient=ama, room=room, scheduled_start=at(THURSDAY, "10:00") - timedelta(days=14))
    response = as_scheduler.post(reverse("procedures:book"), booking(ama, room=room.pk))
    assert response.status_code == 302
    assert Appointment.objects.filter(patient=ama).latest("pk").notes == "Bring the referral letter"


def test_a_radiologist_fixture_is_not_needed_for_booking(radiologist):
    assert RadiologistFactory  # the factory import is used by the fixtures above
    assert radiologist.groups.filter(name="Radiologists").exists()
