"""The NHS number on a patient's record: checked with the modulus 11 rule, typed with or without spaces, stored as ten
digits, unique when set, found by the patients' search, written 3-3-4 on staff pages and in the export's last column.
"Now" is Wednesday 5 June 2030, 12:00 London."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from procedures import nhs_number
from procedures.models import Appointment, Patient
from procedures.services import register_patient, update_patient
from tests.clinic import THURSDAY, at
from tests.factories import PatientFactory
from tests.procedures.test_views_booking import booking, new_patient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

BAD = "This is not a valid NHS number: check the digits."
TAKEN = "Another patient already has this NHS number"


@pytest.fixture
def ama():
    return PatientFactory(given_name="Ama", family_name="Osei", mrn="RX200001", mobile="+447911000123")


def patient_page_post(patient, **changes) -> dict:
    """The details form on the patient's page as it was drawn, with `changes` typed in."""
    return {
        "nhs_number": "",
        "email": patient.email,
        "mobile": str(patient.mobile),
        "phone": "",
        "channels": list(patient.channels),
        **changes,
    }


# --- The rule ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "9434765919",
        "943 476 5919",
        "943-476-5919",
        " 943  476 5919 ",
        "4010232137",
        "9434765080",  # 11 - (286 % 11) is 11: the check digit is 0
    ],
)
def test_a_number_whose_last_digit_is_its_modulus_11_check_is_an_nhs_number(typed):
    assert nhs_number.is_valid(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "9434765910",  # the check digit of 943476591 is 9, not 0
        "9434765918",
        "4010232138",
        "943476591",  # nine digits
        "94347659190",  # eleven
        "943 476 591O",  # a letter O for a zero
        "",
        None,
    ],
)
def test_a_wrong_check_digit_or_length_is_not_an_nhs_number(typed):
    assert not nhs_number.is_valid(typed)


def test_nine_digits_whose_check_would_be_10_make_no_nhs_number_whatever_the_last():
    # 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 0*3 + 3*2 = 276; 276 % 11 = 1; 11 - 1 = 10: no valid number.
    assert nhs_number.check_digit("943476503") is None
    assert not any(nhs_number.is_valid(f"943476503{last}") for last in range(10))


def test_it_is_stored_as_ten_digits_and_written_3_3_4():
    assert nhs_number.normalise(" 943-476 5919 ") == "9434765919"
    assert nhs_number.formatted("9434765919") == "943 476 5919"
    assert nhs_number.formatted(None) == "" and nhs_number.formatted("") == ""


# --- Saving it -----------------------------------------------------------------------------------------------------


def test_the_service_stores_what_was_typed_as_ten_digits(ama):
    update_patient(ama, nhs_number="943 476 5919")
    ama.refresh_from_db()
    assert ama.nhs_number == "9434765919" and ama.nhs_number_display == "943 476 5919"


def test_the_service_refuses_a_bad_number_on_the_field_and_saves_nothing(ama):
    with pytest.raises(ValidationError) as refused:
        update_patient(ama, nhs_number="943 476 5910", email="new@example.com")
    assert refused.value.message_dict == {"nhs_number": [BAD]}
    ama.refresh_from_db()
    assert ama.nhs_number is None and ama.email != "new@example.com"


def test_two_patients_cannot_share_a_number_but_any_number_may_have_none(ama):
    update_patient(ama, nhs_number="9434765919")
    with pytest.raises(ValidationError) as refused:
        register_patient(
            mrn="RX200099", given_name="Efua", family_name="Mensah", date_of_birth=ama.date_of_birth,
            nhs_number="943 476 5919",
        )  # fmt: skip
    assert TAKEN in refused.value.message_dict["nhs_number"][0]
    assert not Patient.objects.filter(mrn="RX200099").exists()
    # Without a number (left empty, or never given) is stored as none, not as a blank that only one may have.
    register_patient(mrn="RX200098", given_name="Abena", family_name="Boateng", date_of_birth=ama.date_of_birth)
    register_patient(
        mrn="RX200097", given_name="Akosua", family_name="Asante", date_of_birth=ama.date_of_birth, nhs_number=""
    )
    assert Patient.objects.filter(nhs_number__isnull=True).count() == 2
    # Saving her own number again is no clash.
    update_patient(ama, nhs_number="943-476-5919", email="ama@example.com")
    ama.refresh_from_db()
    assert ama.email == "ama@example.com"


def test_staff_type_it_with_spaces_on_the_patients_page_and_it_is_saved_through_the_service(as_scheduler, ama):
    url = reverse("procedures:patient", args=[ama.pk])
    response = as_scheduler.post(url, patient_page_post(ama, nhs_number="943 476 5919"))
    assert response.status_code == 302
    ama.refresh_from_db()
    assert ama.nhs_number == "9434765919"
    assert ama.history.first().history_user is not None  # recorded as a change by the scheduler
    html = as_scheduler.get(url).content.decode()
    assert 'id="nhs-number">NHS number 943 476 5919</p>' in html


def test_a_bad_number_on_the_patients_page_is_said_on_the_field(as_scheduler, ama):
    url = reverse("procedures:patient", args=[ama.pk])
    response = as_scheduler.post(url, patient_page_post(ama, nhs_number="943 476 5910"))
    assert response.status_code == 400
    assert response.context["form"].errors["nhs_number"] == [BAD]
    assert BAD in response.content.decode()
    ama.refresh_from_db()
    assert ama.nhs_number is None


def test_another_patients_number_is_refused_on_the_patients_page_with_a_clear_message(as_scheduler, ama):
    PatientFactory(nhs_number="9434765919")
    url = reverse("procedures:patient", args=[ama.pk])
    response = as_scheduler.post(url, patient_page_post(ama, nhs_number="943 476 5919"))
    assert response.status_code == 400
    (message,) = response.context["form"].errors["nhs_number"]
    assert message.startswith(TAKEN)
    ama.refresh_from_db()
    assert ama.nhs_number is None


def test_a_new_patient_is_registered_with_her_number_while_booking(as_scheduler, room):
    data = booking(room=room.pk) | new_patient(**{"new-nhs_number": "401-023-2137"})
    response = as_scheduler.post(reverse("procedures:book"), data)
    assert response.status_code == 302
    assert Patient.objects.get(mrn="RX300001").nhs_number == "4010232137"


def test_a_new_patient_with_a_bad_number_is_not_registered_or_booked(as_scheduler, room):
    data = booking(room=room.pk) | new_patient(**{"new-nhs_number": "401 023 2138"})
    response = as_scheduler.post(reverse("procedures:book"), data)
    assert response.status_code == 200
    assert response.context["patient_form"].errors["nhs_number"] == [BAD]
    assert not Patient.objects.filter(mrn="RX300001").exists() and not Appointment.objects.exists()


def test_the_admin_saves_it_through_the_service_and_refuses_a_bad_one(client, superuser, ama):
    client.force_login(superuser)
    url = reverse("admin:procedures_patient_change", args=[ama.pk])
    details = {
        "mrn": ama.mrn,
        "given_name": ama.given_name,
        "family_name": ama.family_name,
        "date_of_birth": ama.date_of_birth.isoformat(),
        "email": ama.email,
        "mobile": str(ama.mobile),
        "channels": ["email", "sms"],
    }
    refused = client.post(url, {**details, "nhs_number": "9434765910"})
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["nhs_number"] == [BAD]
    saved = client.post(url, {**details, "nhs_number": "943 476 5919"})
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    ama.refresh_from_db()
    assert ama.nhs_number == "9434765919" and ama.history.first().history_user == superuser
    found = client.get(reverse("admin:procedures_patient_changelist"), {"q": "943 476 5919"})
    assert [p.pk for p in found.context["cl"].result_list] == [ama.pk]


# --- Finding and showing it ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["9434765919", "943 476 5919", "943-476-5919", " 943 4765919 "])
def test_the_patients_search_finds_her_by_nhs_number_with_or_without_spaces(as_scheduler, ama, typed):
    update_patient(ama, nhs_number="9434765919")
    PatientFactory(given_name="Efua", family_name="Mensah", nhs_number="4010232137")
    response = as_scheduler.get(reverse("procedures:patients"), {"q": typed})
    assert [p.mrn for p in response.context["results"].patients] == ["RX200001"]
    assert "NHS 943 476 5919" in response.content.decode()


def test_a_number_that_fails_the_check_finds_no_one_by_nhs_number(as_scheduler, ama):
    update_patient(ama, nhs_number="9434765919")
    response = as_scheduler.get(reverse("procedures:patients"), {"q": "943 476 5910"})
    assert response.context["results"].patients == []


def test_staff_pages_write_it_3_3_4(as_radiologist, ama, book):
    update_patient(ama, nhs_number="9434765919")
    appointment = book(at(THURSDAY, "10:00"), patient=ama)
    appointment_page = as_radiologist.get(reverse("procedures:appointment", args=[appointment.pk])).content.decode()
    assert '<span id="nhs-number">NHS number 943 476 5919</span>' in appointment_page
    # A radiologist reads the details without a form to change them.
    patient_page = as_radiologist.get(reverse("procedures:patient", args=[ama.pk])).content.decode()
    assert 'id="contact-form"' not in patient_page
    assert '<dt class="col-5">NHS number</dt><dd class="col-7">943 476 5919</dd>' in patient_page
    assert "9434765919" not in appointment_page + patient_page


def test_the_export_ends_with_the_nhs_number_written_3_3_4(as_scheduler, ama, book):
    update_patient(ama, nhs_number="9434765919")
    book(at(THURSDAY, "10:00"), patient=ama)
    book(at(THURSDAY, "11:00"))  # a patient with no number on file
    response = as_scheduler.get("/reports/export/", {"from": "2030-06-06", "to": "2030-06-06"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[-1] == "nhs_number"
    assert [row[-1] for row in rows] == ["943 476 5919", ""]
