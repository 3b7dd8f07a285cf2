"""What people type, staff and patients: invisible control characters (a NUL byte, above all, which PostgreSQL
refuses) and text that is too long are refused on the field that holds them, in plain words, and never cut short
without a word. "Now" is Wed 5 June 2030, 12:00 London."""

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from procedures.links import patient_token
from procedures.models import Appointment, FaqEntry, Patient, PatientCall, PatientRequest, SafetyAnswers
from procedures.patient_page import services as patient_services
from procedures.text import CleanCharField
from tests.clinic import MONDAY, THURSDAY, at
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache", "ductogram")]

CONTROL = "Remove the invisible control characters from this text."
ALL_CLEAR = {
    "discharge_present": "yes",
    "pregnant": "no",
    "contrast_allergy": "no",
    "infection": "no",
    "blood_thinners": "no",
}


def too_long(limit: int, wrote: int) -> str:
    return f"Keep this to {limit} characters or fewer (you wrote {wrote})."


@pytest.fixture
def staff(scheduler):
    client = Client(raise_request_exception=False)
    client.force_login(scheduler)
    return client


@pytest.fixture
def patient_client():
    return Client(raise_request_exception=False)


@pytest.fixture
def monday(book):
    return book(at(MONDAY, "10:00"), patient=PatientFactory(given_name="Amelia", family_name="Hughes"))


def patient_page(appointment, action: str = "") -> str:
    return f"/p/{patient_token(appointment)}/{action + '/' if action else ''}"


# --- Staff: calls, requests, cancelling ----------------------------------------------------------------------------


def test_a_nul_byte_in_a_call_note_is_refused_on_the_field_not_a_server_error(staff, monday):
    response = staff.post(reverse("procedures:log-call", args=[monday.pk]), {"note": "Spoke to her\x00"})
    assert response.status_code == 400
    assert response.context["form"].errors["note"] == [CONTROL]
    assert CONTROL in response.content.decode()
    assert not PatientCall.objects.exists()


def test_a_long_call_note_is_refused_not_cut(staff, monday):
    url = reverse("procedures:log-call", args=[monday.pk])
    note = "Agreed to move to a later date. " * 10  # 320 characters, 319 once stripped
    response = staff.post(url, {"note": note, "next": reverse("procedures:calls")})
    assert response.status_code == 400
    html = response.content.decode()
    assert too_long(300, 319) in html
    assert note.strip() in html  # what was typed is still there to shorten
    assert f'value="{reverse("procedures:calls")}"' in html  # and goes back where it came from
    assert not PatientCall.objects.exists()

    assert staff.post(url, {"note": note[:300]}).status_code == 302
    assert PatientCall.objects.get().note == note[:300].strip()


@pytest.mark.parametrize(
    "note, message", [("Called\x00", CONTROL), ("x" * 201, too_long(200, 201))], ids=["nul", "too-long"]
)
def test_a_request_done_note_is_checked_and_the_request_stays_open(staff, monday, note, message):
    request = patient_services.request_change(monday, kind="reschedule")[0]
    response = staff.post(reverse("procedures:request-done", args=[request.pk]), {"note": note})
    assert response.status_code == 400
    assert response.context["form"].errors["note"] == [message]
    request.refresh_from_db()
    assert request.status == PatientRequest.Status.OPEN


@pytest.mark.parametrize(
    "reason, message", [("Moving\x00abroad", CONTROL), ("x" * 201, too_long(200, 201))], ids=["nul", "too-long"]
)
def test_a_request_cancel_reason_is_checked_and_the_appointment_stays_booked(staff, monday, reason, message):
    request = patient_services.request_change(monday, kind="cancel")[0]
    response = staff.post(reverse("procedures:request-cancel", args=[request.pk]), {"reason": reason})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == [message]
    monday.refresh_from_db()
    assert monday.status == Appointment.Status.BOOKED


def test_a_cancel_reason_with_a_control_character_is_refused_on_the_field(staff, monday):
    response = staff.post(reverse("procedures:cancel", args=[monday.pk]), {"reason": "Unwell\x1b[0m"})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [CONTROL]
    monday.refresh_from_db()
    assert monday.status == Appointment.Status.BOOKED


# --- Staff: booking and rescheduling ---------------------------------------------------------------------------------


def booking_data(patient, room, **overrides) -> dict:
    data = {
        "action": "book",
        "patient_source": "existing",
        "patient": str(patient.pk) if patient else "",
        "room": str(room.pk),
        "start_date": THURSDAY.isoformat(),
        "start_time": "10:00",
        "expected_duration": "45",
        "laterality": "left",
        "discharge": "bloody",
    }
    return {**data, **overrides}


@pytest.mark.parametrize(
    "field, value",
    [
        ("notes", "Prefers\x00mornings"),
        ("referrer", "Mr Hale\tBreast Clinic"),  # a tab: single-line fields take none
        ("referrer", "Mr Hale\nBreast Clinic"),
        ("duration_reason", "\x7f"),
    ],
)
def test_a_booking_with_a_control_character_is_refused_on_that_field(staff, room1, field, value):
    response = staff.post(reverse("procedures:book"), booking_data(PatientFactory(), room1, **{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [CONTROL]
    assert not Appointment.objects.exists()


def test_booking_notes_may_run_over_lines_and_are_kept_whole(staff, room1):
    notes = "Left breast, single duct.\r\n\tBloody discharge for 3 weeks."
    response = staff.post(reverse("procedures:book"), booking_data(PatientFactory(), room1, notes=notes))
    assert response.status_code == 302
    assert Appointment.objects.get().notes == notes


def test_booking_notes_over_the_limit_say_so_on_the_field(staff, room1):
    response = staff.post(reverse("procedures:book"), booking_data(PatientFactory(), room1, notes="n" * 2001))
    assert response.context["form"].errors["notes"] == [too_long(2000, 2001)]


@pytest.mark.parametrize("patient", ["424242", "²", "99999999999999999999999", "-1", "1e3"])
def test_booking_a_patient_who_does_not_exist_says_so_on_the_patient_field(staff, room1, patient):
    response = staff.post(reverse("procedures:book"), {**booking_data(None, room1), "patient": patient})
    assert response.status_code == 200
    assert response.context["form"].errors["patient"] == ["That patient was not found; search again."]
    assert "That patient was not found; search again." in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_new_patient_with_control_characters_in_a_name_is_refused_on_that_field(staff, room1):
    new = {
        "patient_source": "new",
        "new-mrn": "RX300001",
        "new-given_name": "Ngozi\x00",
        "new-family_name": "Eze",
        "new-date_of_birth": "1977-05-23",
        "new-email": "",
        "new-mobile": "12345",
        "new-channels": ["email", "sms"],
    }
    response = staff.post(reverse("procedures:book"), {**booking_data(None, room1), **new})
    assert response.status_code == 200
    errors = response.context["patient_form"].errors
    assert errors["given_name"] == [CONTROL]
    assert errors["mobile"] == [
        "Enter a mobile number like 07400 123456, or with its country code like +44 7400 123456; or leave it empty."
    ]
    assert not Patient.objects.filter(mrn="RX300001").exists()


def test_a_reschedule_reason_with_a_control_character_is_refused_on_the_field(staff, monday):
    response = staff.post(
        reverse("procedures:reschedule", args=[monday.pk]),
        {
            "room": monday.room_id,
            "start_date": MONDAY.isoformat(),
            "start_time": "14:00",
            "expected_duration": "45",
            "duration_reason": "bilateral\x00",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["duration_reason"] == [CONTROL]


# --- Patients: safety questions and change requests ---------------------------------------------------------------


def test_a_long_safety_note_is_refused_on_the_note_field(patient_client, monday):
    response = patient_client.post(patient_page(monday, "safety"), {**ALL_CLEAR, "note": "a" * 612})
    assert response.status_code == 400
    html = response.content.decode()
    assert response.context["safety_form"].error_summary() == [("id_note", f"Your note: {too_long(500, 612)}")]
    assert response.context["safety_form"].errors == {"note": [too_long(500, 612)]}
    assert too_long(500, 612) in html
    assert not SafetyAnswers.objects.exists()


def test_a_nul_in_the_safety_note_is_refused_on_the_note_field(patient_client, monday):
    response = patient_client.post(patient_page(monday, "safety"), {**ALL_CLEAR, "note": "I have\x00a cold"})
    assert response.status_code == 400
    assert response.context["safety_form"].errors == {"note": [CONTROL]}
    assert not SafetyAnswers.objects.exists()


def test_a_safety_note_may_run_over_lines(patient_client, monday):
    note = "I take aspirin.\r\nI had a cold last week."
    assert patient_client.post(patient_page(monday, "safety"), {**ALL_CLEAR, "note": note}).status_code == 302
    assert SafetyAnswers.objects.get().note == note


def test_an_unanswered_question_and_a_long_note_are_both_pointed_at(patient_client, monday):
    answers = {**ALL_CLEAR, "pregnant": "", "note": "a" * 501}
    html = patient_client.post(patient_page(monday, "safety"), answers).content.decode()
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert '<a href="#id_pregnant_0">Could you be pregnant? Please choose an answer.</a>' in summary
    assert f'<a href="#id_note">Your note: {too_long(500, 501)}</a>' in summary
    # ...and each field still says what is wrong beside it.
    assert '<p class="error-text" id="id_pregnant-error">Please choose an answer.</p>' in html
    assert f'<p class="error-text">{too_long(500, 501)}</p>' in html


@pytest.mark.parametrize(
    "message, error", [("m" * 1001, too_long(1000, 1001)), ("Mornings\x00", CONTROL)], ids=["too-long", "nul"]
)
def test_a_change_request_message_is_checked_on_the_message_field(patient_client, monday, message, error):
    response = patient_client.post(patient_page(monday, "change"), {"kind": "reschedule", "message": message})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Please check your message below." in html and "Please choose whether" not in html
    assert response.context["change_form"].errors == {"message": [error]}
    assert not PatientRequest.objects.exists()


def test_a_change_request_without_a_choice_still_asks_for_one(patient_client, monday):
    response = patient_client.post(patient_page(monday, "change"), {"message": "Sorry"})
    assert "Please choose whether to change the time or cancel." in response.content.decode()


# --- The rule itself -----------------------------------------------------------------------------------------------


def test_the_text_rule_allows_newlines_and_tabs_only_in_multi_line_fields_and_says_nul_once():
    class Form(forms.Form):
        line = CleanCharField(required=False, max_length=10)
        text = CleanCharField(required=False, multiline=True)

    assert Form({"line": "a\tb", "text": "a\tb\nc"}).errors == {"line": [CONTROL]}
    assert Form({"line": "\x00", "text": "\x00\x85"}).errors == {"line": [CONTROL], "text": [CONTROL]}
    assert Form({"line": "é💥\u202e Ω"}).is_valid()  # letters, emoji and direction marks are text, not controls
    assert isinstance(Form().fields["text"].widget, forms.Textarea)


# The admin keeps the same rule


def admin_form(client, url: str) -> dict:
    """The change form's current values, as the admin would post them back."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return data


@pytest.mark.parametrize("field, value", [("given_name", "Ama\x00"), ("family_name", "Osei\x1b[31m")])
def test_a_control_character_typed_into_the_admin_is_refused_on_that_field(client, superuser, field, value):
    patient = PatientFactory(given_name="Ama", family_name="Osei", mobile="+447911123456")
    client.force_login(superuser)
    url = reverse("admin:procedures_patient_change", args=[patient.pk])
    response = client.post(url, {**admin_form(client, url), field: value})
    assert response.status_code == 200
    assert "Remove the invisible control characters from this text." in response.context["adminform"].form.errors[field]
    patient.refresh_from_db()
    assert (patient.given_name, patient.family_name) == ("Ama", "Osei")


def test_a_faq_answer_in_the_admin_may_run_over_lines_but_not_hold_control_characters(client, superuser):
    entry = FaqEntry.objects.filter(is_active=True).first()
    client.force_login(superuser)
    url = reverse("admin:procedures_faqentry_change", args=[entry.pk])
    # The translations inline is posted back untouched.
    untouched = {"translations-TOTAL_FORMS": "0", "translations-INITIAL_FORMS": "0"}
    data = {**admin_form(client, url), "stages": entry.stages, **untouched}
    refused = client.post(url, {**data, "answer": "Wear a top\x07 and trousers."})
    assert (
        "Remove the invisible control characters from this text." in refused.context["adminform"].form.errors["answer"]
    )
    kept = client.post(url, {**data, "answer": "Wear a top and trousers.\nBring your referral letter."})
    assert kept.status_code == 302
    entry.refresh_from_db()
    assert entry.answer == "Wear a top and trousers.\nBring your referral letter."
