"""The patient's language on the staff side: asked when booking and on the patient's page, kept in her history, a
badge in words ("Interpreter: Polish") on every list staff work from, filters in the admin, columns in the export.
Staff pages stay in English. "Now" is Wed 5 June 2030, 12:00 London."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procedures.languages import english_name, interpreter_label
from procedures.models import Appointment, Patient
from procedures.patient_page import services as patient_services
from procedures.services import update_patient
from reminders import services as reminders_services
from tests.clinic import MONDAY, THURSDAY, TODAY, at
from tests.factories import AppointmentFactory, PatientFactory, RoomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache", "ductogram")]

BOOK_URL = reverse("procedures:book")
STOPPED = {  # answers that put the patient on the call list: the discharge has stopped
    "discharge_present": "no",
    "pregnant": "no",
    "contrast_allergy": "no",
    "infection": "no",
    "blood_thinners": "no",
}


def new_polish_patient(room, **overrides) -> dict:
    data = {
        "action": "book",
        "patient_source": "new",
        "start_date": THURSDAY.isoformat(),
        "start_time": "10:00",
        "expected_duration": "45",
        "laterality": "left",
        "discharge": "bloody",
        "referrer": "Mr Hale, Breast Clinic",
        "room": str(room.pk),
        "new-mrn": "RX400001",
        "new-given_name": "Agnieszka",
        "new-family_name": "Kowalska",
        "new-date_of_birth": "1968-09-03",
        "new-mobile": "+447911123456",
        "new-channels": ["sms"],
        "new-language": "pl",
        "new-needs_interpreter": "on",
    }
    data.update(overrides)
    return data


def page(client, name, *args, **params) -> str:
    response = client.get(reverse(f"procedures:{name}", args=args), params)
    assert response.status_code == 200, name
    return response.content.decode()


# Booking


def test_a_new_polish_patient_who_needs_an_interpreter_is_registered_and_booked(as_scheduler, scheduler, room1):
    response = as_scheduler.post(BOOK_URL, new_polish_patient(room1), follow=True)
    patient = Patient.objects.get(mrn="RX400001")
    assert (patient.language, patient.needs_interpreter) == ("pl", True)
    assert patient.history.get().history_user == scheduler  # registered through the service, by her
    appointment = Appointment.objects.get(patient=patient)
    html = response.content.decode()
    assert response.redirect_chain == [(reverse("procedures:appointment", args=[appointment.pk]), 302)]
    assert "Agnieszka Kowalska needs an interpreter (Polish): book one for Thu 6 Jun 2030 10:00-10:45." in html
    assert "Interpreter: Polish" in html  # the badge by the status
    assert '<dd class="col-7" id="patient-language">Polish</dd>' in html


def test_a_new_patient_left_at_english_reads_english_and_needs_no_interpreter(as_scheduler, room1):
    data = new_polish_patient(room1)
    del data["new-language"], data["new-needs_interpreter"]
    response = as_scheduler.post(BOOK_URL, data, follow=True)
    patient = Patient.objects.get(mrn="RX400001")
    assert (patient.language, patient.needs_interpreter) == ("en-gb", False)
    assert "needs an interpreter" not in response.content.decode()


def test_the_language_list_names_each_language_in_its_own_words_and_says_which_are_offered(
    as_scheduler, room1, settings
):
    html = page(as_scheduler, "book")
    offered, others = html.split('<optgroup label="Offered to patients: messages and page in this language">')[1].split(
        '<optgroup label="Not offered: English plus an interpreter sentence in their language">'
    )
    offered = offered.split("</optgroup>")[0]
    others = others.split("</optgroup>")[0]
    for name in ("English", "Cymraeg (Welsh)", "Polski (Polish)", "اردو (Urdu)"):
        assert name in offered and name not in others
    for name in ("Română (Romanian)", "ਪੰਜਾਬੀ (Panjabi)", "Türkçe (Turkish)"):
        assert name in others and name not in offered
    assert '<option value="en-gb" selected>English</option>' in offered

    settings.PATIENT_LANGUAGES = ["en-gb", "cy"]  # a clinic offering Welsh only: Polish moves down
    html = page(as_scheduler, "book")
    others = html.split("Not offered: English plus an interpreter sentence in their language")[1]
    assert "Polski (Polish)" in others.split("</optgroup>")[0]


def test_a_language_the_clinic_does_not_list_is_refused_on_the_field(as_scheduler, room1):
    response = as_scheduler.post(BOOK_URL, new_polish_patient(room1, **{"new-language": "xx"}))
    assert response.status_code == 200
    assert "Select a valid choice." in str(response.context["patient_form"].errors["language"])
    assert not Patient.objects.filter(mrn="RX400001").exists()


def test_the_booking_search_says_which_patient_needs_an_interpreter_or_reads_another_language(as_scheduler, room1):
    PatientFactory(given_name="Agnieszka", family_name="Nowak", language="pl", needs_interpreter=True)
    PatientFactory(given_name="Carys", family_name="Nowak", language="cy")
    PatientFactory(given_name="Amelia", family_name="Nowak")
    page = as_scheduler.post(BOOK_URL, {"action": "search", "patient_source": "existing", "patient_query": "nowak"})
    labels = {
        p.given_name: page.context["form"].fields["patient"].label_from_instance(p) for p in Patient.objects.all()
    }
    assert labels["Agnieszka"].endswith(" · Interpreter: Polish")
    assert labels["Carys"].endswith(" · reads Welsh")
    assert "Interpreter" not in labels["Amelia"] and "reads" not in labels["Amelia"]
    assert "Interpreter: Polish" in page.content.decode()


# The patient's page


def test_changing_her_language_on_her_page_is_kept_in_her_history(as_scheduler, scheduler, book, monkeypatch):
    ama = PatientFactory(
        given_name="Ama", family_name="Osei", email="ama@example.com", mobile="+447911000123", channels=["email"]
    )
    book(at(MONDAY, "10:00"), patient=ama)
    replanned = []
    monkeypatch.setattr(reminders_services, "patient_details_changed", replanned.append)
    url = reverse("procedures:patient", args=[ama.pk])
    details = {"email": "ama@example.com", "mobile": str(ama.mobile), "phone": "", "channels": ["email"]}
    response = as_scheduler.post(url, {**details, "language": "ur", "needs_interpreter": "on"})
    assert response.status_code == 302
    ama.refresh_from_db()
    assert (ama.language, ama.needs_interpreter) == ("ur", True)
    latest, before = ama.history.all()[:2]
    assert (latest.language, latest.needs_interpreter, latest.history_user) == ("ur", True, scheduler)
    assert (before.language, before.needs_interpreter) == ("en-gb", False)
    # Messages are made in her language as they go: nothing still to go needs re-planning.
    assert replanned == []
    html = page(as_scheduler, "patient", ama.pk)
    assert "Reads Urdu" in html and "Interpreter: Urdu" in html
    assert '<option value="ur" selected>' in html


def test_a_details_form_posted_without_a_language_keeps_the_one_on_file(as_scheduler):
    nowak = PatientFactory(language="pl", email="n@example.com", mobile="+447911000124", channels=["email"])
    url = reverse("procedures:patient", args=[nowak.pk])
    details = {"email": "new@example.com", "mobile": str(nowak.mobile), "phone": "", "channels": ["email"]}
    assert as_scheduler.post(url, details).status_code == 302
    nowak.refresh_from_db()
    assert (nowak.email, nowak.language) == ("new@example.com", "pl")


def test_a_radiologist_reads_the_language_on_the_patients_page(as_radiologist):
    ioana = PatientFactory(language="ro")
    html = page(as_radiologist, "patient", ioana.pk)
    said = "Romanian (not offered: messages in English, with a sentence in Romanian about an interpreter)"
    assert f'<dt class="col-5">Language</dt><dd class="col-7">{said}</dd>' in html
    assert '<dd class="col-7">Not needed</dd>' in html
    assert "flag-interpreter" not in html


# The badge on the lists


@pytest.fixture
def today_two_to_call(room1):
    """This afternoon: Agnieszka (Polish, needs an interpreter) and Amelia (English), both on the call list."""
    agnieszka = AppointmentFactory(
        room=room1,
        scheduled_start=at(TODAY, "14:00"),
        patient=PatientFactory(given_name="Agnieszka", family_name="Kowalska", language="pl", needs_interpreter=True),
    )
    amelia = AppointmentFactory(
        room=room1,
        scheduled_start=at(TODAY, "15:00"),
        patient=PatientFactory(given_name="Amelia", family_name="Hughes"),
    )
    for appointment in (agnieszka, amelia):
        patient_services.answer_safety_questions(appointment, **STOPPED)
    return agnieszka, amelia


def staff_lists(client, scheduler, radiologist) -> dict[str, str]:
    """The day and week views, the printed and call lists (a scheduler's), and the worklist (a radiologist's)."""
    client.force_login(scheduler)
    day = TODAY.isoformat()
    pages = {
        "day": page(client, "day", date=day),
        "week": page(client, "week", date=day),
        "print": page(client, "day-print", date=day),
        "calls": page(client, "calls").split('<h1 class="h3">Call list</h1>', 1)[1],
    }
    client.force_login(radiologist)
    pages["worklist"] = page(client, "worklist")
    return pages


def test_the_interpreter_badge_shows_for_the_patient_who_needs_one_on_every_list(
    client, scheduler, radiologist, today_two_to_call
):
    lists = staff_lists(client, scheduler, radiologist)
    for name, html in lists.items():
        assert "Agnieszka" in html and "Amelia" in html, name
        assert html.count("flag-interpreter") == 1, name  # hers, and nobody else's
        assert html.count(">Interpreter: Polish</span>") == 1, name  # in words, not colour alone
    # Where a list has a column for the patient, the badge is by her name (whoever phones her, or meets her, sees it).
    badge = ' <span class="patient-flags"><span class="badge patient-flag flag-interpreter'
    assert "KOWALSKA, Agnieszka</a>" + badge in lists["print"]
    assert "Agnieszka Kowalska</a>" + badge in lists["calls"]
    assert "Agnieszka Kowalska</a>" + badge in lists["worklist"]


def test_the_appointment_page_says_her_language_and_the_interpreter(as_scheduler, today_two_to_call):
    agnieszka, amelia = today_two_to_call
    html = page(as_scheduler, "appointment", agnieszka.pk)
    assert ">Interpreter: Polish</span>" in html
    assert '<dd class="col-7" id="patient-interpreter">Needed: book one</dd>' in html
    html = page(as_scheduler, "appointment", amelia.pk)
    assert '<dd class="col-7" id="patient-language">English</dd>' in html
    assert "flag-interpreter" not in html


def test_the_badge_comes_and_goes_with_the_patients_record_on_the_memoised_schedule(
    as_scheduler, scheduler, today_two_to_call
):
    agnieszka, _ = today_two_to_call
    assert page(as_scheduler, "day", date=TODAY.isoformat()).count("flag-interpreter") == 1
    update_patient(agnieszka.patient, by=scheduler, needs_interpreter=False)
    assert "flag-interpreter" not in page(as_scheduler, "day", date=TODAY.isoformat())


def test_the_lists_cost_the_same_queries_with_one_interpreter_patient_or_twenty(
    client, scheduler, radiologist, today_two_to_call
):
    def counts() -> dict[str, int]:
        found = {}
        for name in ("day", "week", "print", "calls", "worklist"):
            client.force_login(radiologist if name == "worklist" else scheduler)
            params = {} if name in ("calls", "worklist") else {"date": TODAY.isoformat()}
            url = reverse(f"procedures:{'day-print' if name == 'print' else name}")
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, params).status_code == 200
            found[name] = len(queries)
        return found

    few = counts()
    rooms = [RoomFactory(name=f"Room {n}") for n in range(1, 5)]
    languages = ["cy", "pl", "ur", "ro", "pa"]
    for i in range(20):
        appointment = AppointmentFactory(
            room=rooms[i % 4],
            scheduled_start=at(TODAY, "12:15") + timedelta(minutes=45 * (i // 4)),
            patient=PatientFactory(language=languages[i % 5], needs_interpreter=True),
        )
        patient_services.answer_safety_questions(appointment, **STOPPED)
    assert counts() == few
    pages = staff_lists(client, scheduler, radiologist)
    for name, html in pages.items():
        assert html.count("flag-interpreter") == 21, name
    assert pages["day"].count(">Interpreter: Panjabi</span>") == 4


# The admin


def admin_url(view: str, *args) -> str:
    return reverse(f"admin:procedures_patient_{view}", args=args)


def test_the_admin_lists_patients_by_language_and_interpreter_need(client, superuser):
    polish = PatientFactory(family_name="Kowalska", language="pl", needs_interpreter=True)
    welsh = PatientFactory(family_name="Llywelyn", language="cy")
    english = PatientFactory(family_name="Hughes")
    client.force_login(superuser)

    def listed(**params) -> set[int]:
        response = client.get(admin_url("changelist"), params)
        assert response.status_code == 200
        return {p.pk for p in response.context["cl"].result_list}

    assert listed() == {polish.pk, welsh.pk, english.pk}
    assert listed(language__exact="pl") == {polish.pk}
    assert listed(language__exact="cy") == {welsh.pk}
    assert listed(needs_interpreter__exact="1") == {polish.pk}
    assert listed(needs_interpreter__exact="0") == {welsh.pk, english.pk}
    filters = client.get(admin_url("changelist")).content.decode()
    assert "By language" in filters and "By needs interpreter" in filters


def test_the_admin_change_form_has_the_language_and_saves_it_through_the_service(client, superuser):
    patient = PatientFactory(language="en-gb", mobile="+447911000125")
    client.force_login(superuser)
    form = client.get(admin_url("change", patient.pk))
    html = form.content.decode()
    assert 'name="language"' in html and 'name="needs_interpreter"' in html
    assert "Not offered: English plus an interpreter sentence in their language" in html
    data = {
        name: value
        for name, value in form.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        {
            "date_of_birth": patient.date_of_birth.isoformat(),
            "channels": patient.channels,
            "mobile": str(patient.mobile),
            "language": "cy",
            "needs_interpreter": "on",
        }
    )
    data.pop("reminders_opt_out_at", None)
    response = client.post(admin_url("change", patient.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    patient.refresh_from_db()
    assert (patient.language, patient.needs_interpreter) == ("cy", True)
    assert patient.history.first().history_user == superuser


# The export and the demo


def test_the_export_ends_with_the_patients_language_and_interpreter_need(as_scheduler):
    AppointmentFactory(
        scheduled_start=at(THURSDAY, "09:00"), patient=PatientFactory(language="pl", needs_interpreter=True)
    )
    response = as_scheduler.get("/reports/export/", {"from": "2030-06-01", "to": "2030-06-30"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    # After them comes only the NHS number (none on file here), added later at the end for the same reason.
    assert lines[0].endswith(",language,needs_interpreter,nhs_number")
    assert lines[1].endswith(",Polish,yes,")  # the language as staff pages name it; its code when asked
    coded = as_scheduler.get("/reports/export/", {"from": "2030-06-01", "to": "2030-06-30", "codes": "1"})
    assert b"".join(coded.streaming_content).decode("utf-8-sig").splitlines()[1].endswith(",pl,yes,")


def test_the_demo_has_patients_who_read_welsh_polish_urdu_and_a_language_not_offered(settings):
    settings.DEBUG = True
    for _ in range(2):  # idempotent: the second run changes nobody
        call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    demo = Patient.objects.filter(mrn__startswith="DEMO")
    speaks = {p.language: p for p in demo.exclude(language="en-gb")}
    assert set(speaks) == {"cy", "pl", "ur", "ro"}
    assert [p.language for p in demo.filter(needs_interpreter=True)] == ["pl"]
    assert "ro" not in settings.PATIENT_LANGUAGES  # spoken to in English, with a sentence in Romanian
    assert all(p.history.count() == 1 for p in speaks.values())


def test_staff_pages_name_a_language_in_english():
    assert [english_name(code) for code in ("en-gb", "cy", "pl", "ur", "ro")] == [
        "English",
        "Welsh",
        "Polish",
        "Urdu",
        "Romanian",
    ]
    assert interpreter_label("pl") == "Interpreter: Polish"
    assert interpreter_label("en-gb") == "Interpreter needed"
