"""What the patient tells us from their page: the safety questions, "I have read the preparation", and requests to
move or cancel. Each is kept with its time; none of it can be done once the appointment has begun."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from procedures import services as booking
from procedures.links import patient_token
from procedures.models import FaqEntry, PatientRequest, PreparationRead, ProcedureType, SafetyAnswers
from procedures.patient_page import services as patient_services
from procedures.patient_page.forms import SafetyQuestionsForm
from reminders.stages import Stage
from tests.factories import PatientFactory, ProcedureTypeFactory, RoomFactory, next_clinic_day
from tests.messages import render_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache")]

ALL_CLEAR = {
    "discharge_present": "yes",
    "pregnant": "no",
    "contrast_allergy": "no",
    "infection": "no",
    "blood_thinners": "no",
}


@pytest.fixture
def appointment():
    return booking.book_appointment(
        patient=PatientFactory(given_name="Amelia", family_name="Hughes", mrn="RX424242"),
        procedure_type=ProcedureTypeFactory(),
        room=RoomFactory(name="Mammo Room 1", location="Level 2, Rose Wing"),
        scheduled_start=next_clinic_day(days_ahead=9),
        laterality="left",
        discharge="bloody",
    )


def url(appointment, action: str = "") -> str:
    return f"/p/{patient_token(appointment)}/{action + '/' if action else ''}"


def text_of(response) -> str:
    return response.content.decode()


# --- The safety questions -------------------------------------------------------------------------------------------


def test_the_page_asks_the_five_safety_questions_each_a_labelled_group(client, appointment):
    html = text_of(client.get(url(appointment)))
    for question in (
        "Is the nipple discharge still there?",
        "Could you be pregnant?",
        "Are you allergic to X-ray dye (contrast that contains iodine)?",
        "Do you have redness, swelling or an infection in the breast now?",
        "Do you take medicine that thins the blood?",
    ):
        assert f"<legend>{question}</legend>" in html
    # Every radio button sits inside its own <label>: a big target, read out with its answer.
    radios = re.findall(r'<label class="choice" for="([^"]+)"><input type="radio"[^>]* id="([^"]+)"', html)
    # The questions, ask to change or cancel, the notice she needs to come earlier, and the reasons to cancel now.
    assert len(radios) == 5 * 3 + 2 + 4 + 5
    assert len({input_id for _, input_id in radios}) == len(radios)  # no two share an id
    assert all(label_for == input_id for label_for, input_id in radios)


def test_the_safety_questions_are_written_down_once_and_the_form_and_the_flags_follow_them():
    questions = SafetyAnswers.QUESTIONS
    assert list(SafetyQuestionsForm().fields) == [q.field for q in questions] + ["note"]
    for q in questions:
        field = SafetyAnswers._meta.get_field(q.field)  # each question keeps its answer in its own column
        assert [value for value, _ in field.choices] == [value for value, _ in q.answers] == SafetyAnswers.Answer.values
        assert q.flag_codes <= set(SafetyAnswers.FLAGS)
    assert set().union(*(q.flag_codes for q in questions)) == set(SafetyAnswers.FLAGS)  # every flag has a question


def test_answers_are_kept_with_the_time_and_shown_back(client, appointment):
    before = timezone.now()
    response = client.post(url(appointment, "safety"), {**ALL_CLEAR, "note": "I had a reaction to plasters once."})
    assert response.status_code == 302
    assert response["Location"].endswith("#safety")

    answers = SafetyAnswers.objects.get(appointment=appointment)
    assert answers.answered_at >= before
    assert (answers.discharge_present, answers.pregnant) == ("yes", "no")
    assert answers.note == "I had a reaction to plasters once."
    assert answers.flags == "" and not answers.needs_call
    page = text_of(client.get(response["Location"]))
    assert "Thank you: we have your answers." in page
    assert "You answered on" in page and "Yes, it is still there" in page
    assert "will call you" not in page


@pytest.mark.parametrize(
    "answer, flag",
    [
        ({"discharge_present": "no"}, "no_discharge"),
        ({"pregnant": "yes"}, "pregnant"),
        ({"pregnant": "unsure"}, "pregnancy_unsure"),
        ({"infection": "yes"}, "infection"),
        ({"infection": "unsure"}, "infection_unsure"),
    ],
)
def test_no_discharge_pregnancy_or_infection_put_the_appointment_on_the_call_list(client, appointment, answer, flag):
    response = client.post(url(appointment, "safety"), {**ALL_CLEAR, **answer}, follow=True)
    answers = SafetyAnswers.objects.get(appointment=appointment)
    assert answers.flags.split() == [flag]
    assert answers.needs_call
    assert "will call you within two working days" in text_of(response)


@pytest.mark.parametrize(
    "answer, flag",
    [
        ({"contrast_allergy": "yes"}, "contrast_allergy"),
        ({"contrast_allergy": "unsure"}, "contrast_allergy_unsure"),
        ({"blood_thinners": "yes"}, "blood_thinners"),
        ({"blood_thinners": "unsure"}, "blood_thinners_unsure"),
        ({"discharge_present": "unsure"}, "discharge_unsure"),
    ],
)
def test_allergy_blood_thinners_and_an_unsure_discharge_are_flags_for_the_radiologist_not_calls(
    client, appointment, answer, flag
):
    client.post(url(appointment, "safety"), {**ALL_CLEAR, **answer})
    answers = SafetyAnswers.objects.get(appointment=appointment)
    assert answers.flags.split() == [flag]
    assert not answers.needs_call


def test_new_answers_are_a_new_row_and_the_earlier_ones_stay_on_record(client, appointment):
    client.post(url(appointment, "safety"), ALL_CLEAR)
    client.post(url(appointment, "safety"), ALL_CLEAR)  # a double tap: the same submission
    assert SafetyAnswers.objects.filter(appointment=appointment).count() == 1
    client.post(url(appointment, "safety"), {**ALL_CLEAR, "discharge_present": "no"})
    rows = list(SafetyAnswers.objects.filter(appointment=appointment))
    assert [r.discharge_present for r in rows] == ["no", "yes"]  # newest first
    # The same answers again a day later are worth keeping: the discharge was still there then.
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        client.post(url(appointment, "safety"), {**ALL_CLEAR, "discharge_present": "no"})
    assert SafetyAnswers.objects.filter(appointment=appointment).count() == 3


def test_an_unanswered_question_stores_nothing_and_says_which(client, appointment):
    response = client.post(url(appointment, "safety"), {**ALL_CLEAR, "pregnant": ""})
    assert response.status_code == 400
    html = text_of(response)
    assert "There is a problem" in html and '<a href="#id_pregnant_0">' in html
    assert "Please choose an answer." in html
    assert not SafetyAnswers.objects.exists()
    # An answer that is not one of the choices is refused the same way.
    assert client.post(url(appointment, "safety"), {**ALL_CLEAR, "pregnant": "maybe"}).status_code == 400
    assert not SafetyAnswers.objects.exists()


# --- "I have read the preparation" ----------------------------------------------------------------------------------


def _read_form_hash(html: str) -> str:
    return re.search(r'name="content_hash" value="([0-9a-f]{64})"', html).group(1)


def test_one_tap_records_the_read_with_its_time_and_exactly_what_the_page_showed(client, appointment):
    html = text_of(client.get(url(appointment)))
    response = client.post(url(appointment, "read"), {"content_hash": _read_form_hash(html)}, follow=True)

    read = PreparationRead.objects.get(appointment=appointment)
    assert timezone.now() - read.read_at < timedelta(minutes=1)
    shown = FaqEntry.objects.filter(procedure_type=appointment.procedure_type, is_active=True)
    assert [e["question"] for e in read.content["faq"]] == [e.question for e in shown.order_by("order", "id")]
    assert all(e["question"] in html for e in read.content["faq"])
    assert read.content["preparation"] and all(line in html for line in read.content["preparation"])
    assert "Do not squeeze or express your nipple" in read.content["preparation"][0]
    assert "Thank you for reading how to get ready." in text_of(response)
    assert "You told us you read this on" in text_of(response)
    # Tapping again records nothing new.
    client.post(url(appointment, "read"), {"content_hash": _read_form_hash(html)})
    assert PreparationRead.objects.filter(appointment=appointment).count() == 1


def test_a_read_of_content_staff_changed_meanwhile_is_not_recorded_and_asks_to_read_again(client, appointment):
    old_hash = _read_form_hash(text_of(client.get(url(appointment))))
    ProcedureType.objects.filter(pk=appointment.procedure_type_id).update(
        preparation="- Bring a list of your medicines."
    )
    response = client.post(url(appointment, "read"), {"content_hash": old_hash}, follow=True)
    assert not PreparationRead.objects.exists()
    assert "The preparation has just been updated" in text_of(response)
    assert "Bring a list of your medicines." in text_of(response)

    client.post(url(appointment, "read"), {"content_hash": _read_form_hash(text_of(response))})
    assert PreparationRead.objects.get().content["preparation"] == ["Bring a list of your medicines."]
    # Changed again after the read: the page says so and offers the button once more.
    ProcedureType.objects.filter(pk=appointment.procedure_type_id).update(preparation="- Something new.")
    html = text_of(client.get(url(appointment)))
    assert "We have updated this since you read it" in html
    assert "I have read how to get ready" in html


# --- Asking to move or cancel ---------------------------------------------------------------------------------------


def test_asking_to_reschedule_keeps_the_patients_words_and_the_page_shows_it_pending(client, appointment):
    response = client.post(
        url(appointment, "change"), {"kind": "reschedule", "message": "Mornings are hard, any afternoon please."}
    )
    assert response["Location"].endswith("#change")
    request = PatientRequest.objects.get(appointment=appointment)
    assert (request.kind, request.status) == ("reschedule", "open")
    assert request.message == "Mornings are hard, any afternoon please."

    html = text_of(client.get(url(appointment)))
    assert 'id="request-pending"' in html
    assert "change the date or time" in html and "Mornings are hard, any afternoon please." in html
    assert "Send my request" not in html  # one request at a time
    # Sending again (a second tab) keeps the first request and makes no second one.
    client.post(url(appointment, "change"), {"kind": "cancel"})
    assert PatientRequest.objects.filter(appointment=appointment).count() == 1


def test_asking_to_cancel_without_a_message_is_enough_and_the_appointment_stays_booked(client, appointment):
    client.post(url(appointment, "change"), {"kind": "cancel", "message": ""})
    request = PatientRequest.objects.get()
    assert (request.kind, request.message) == ("cancel", "")
    appointment.refresh_from_db()
    assert appointment.status == "booked"  # staff cancel it, with the booking service, after speaking to her
    assert "cancel this appointment" in text_of(client.get(url(appointment)))


def test_a_request_without_a_choice_is_refused_and_stores_nothing(client, appointment):
    response = client.post(url(appointment, "change"), {"message": "hello"})
    assert response.status_code == 400
    assert "Please choose one." in text_of(response)
    assert not PatientRequest.objects.exists()


# --- Rules shared by every action -----------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["confirm", "safety", "read", "change"])
def test_actions_are_post_only_and_csrf_protected(appointment, action):
    strict = Client(enforce_csrf_checks=True)
    assert strict.get(url(appointment, action)).status_code == 405
    assert strict.post(url(appointment, action), ALL_CLEAR).status_code == 403
    assert not SafetyAnswers.objects.exists()


def test_once_the_appointment_has_begun_nothing_more_can_be_answered_or_asked(client, appointment):
    with time_machine.travel(appointment.scheduled_start + timedelta(minutes=5), tick=False):
        html = text_of(client.get(url(appointment)))
        assert "Send my answers" not in html and "Send my request" not in html
        assert "Yes, I will be there" not in html
        late = client.post(url(appointment, "safety"), ALL_CLEAR, follow=True)
        client.post(url(appointment, "change"), {"kind": "cancel"})
    assert "can no longer be changed" in text_of(late)
    assert not SafetyAnswers.objects.exists() and not PatientRequest.objects.exists()


def test_the_services_refuse_a_cancelled_appointment(appointment):
    booking.cancel_appointment(appointment, reason_code="unwell", reason="Unwell")
    with pytest.raises(patient_services.PatientActionError):
        patient_services.request_change(appointment, kind="reschedule")
    with pytest.raises(patient_services.PatientActionError):
        patient_services.answer_safety_questions(appointment, **ALL_CLEAR)


def test_no_patient_page_ever_shows_the_mrn_date_of_birth_or_family_name(client, appointment):
    born = appointment.patient.date_of_birth
    secrets = [
        "RX424242",
        "Hughes",
        born.isoformat(),
        born.strftime("%d/%m/%Y"),
        born.strftime("%d.%m.%Y"),
        born.strftime("%m/%d/%Y"),
        f"{born.day} {born:%B %Y}",
        f"{born.day} {born:%b %Y}",
        f"{born:%B} {born.day}, {born.year}",
    ]
    html = text_of(client.get(url(appointment)))
    responses = [
        client.get(url(appointment)),
        client.get(url(appointment, "stop")),
        client.post(url(appointment, "safety"), {**ALL_CLEAR, "pregnant": ""}),
        client.post(url(appointment, "safety"), {**ALL_CLEAR, "discharge_present": "no"}, follow=True),
        client.post(url(appointment, "read"), {"content_hash": _read_form_hash(html)}, follow=True),
        client.post(url(appointment, "change"), {}),
        client.post(url(appointment, "change"), {"kind": "reschedule", "message": "Thanks"}, follow=True),
        client.post(url(appointment, "confirm"), follow=True),
        client.post(url(appointment, "stop")),
        client.get(f"/p/{patient_token(appointment)[:-1]}x/"),
    ]
    for response in responses:
        body = text_of(response)
        assert response.status_code in (200, 400, 404)
        for secret in secrets:
            assert secret not in body, (response.request["PATH_INFO"], secret)


def test_patient_pages_are_never_cached_and_never_send_their_address_to_another_site(client, appointment):
    response = client.get(url(appointment))
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="referrer" content="same-origin">' in text_of(response)
    assert '<html lang="en-GB">' in text_of(response)
    assert text_of(response).count("<h1>") == 1


def test_behind_a_trusted_proxy_the_rate_limit_counts_the_forwarded_client_address(client, appointment, settings):
    settings.PATIENT_PAGE_RATE_LIMIT = 2
    settings.PATIENT_PAGE_TRUSTED_PROXIES = 1
    page = url(appointment)
    # The client may write anything left of the proxy's entry; only the proxy's entry counts.
    codes = [client.get(page, HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.9").status_code for n in range(3)]
    assert codes == [200, 200, 429]
    assert client.get(page, HTTP_X_FORWARDED_FOR="203.0.113.10").status_code == 200


def test_once_confirmed_the_two_days_before_email_and_text_no_longer_ask_to_confirm(client, appointment):
    def two_days_before(channel: str) -> str:
        return render_for(appointment, Stage.TWO_DAYS_BEFORE, channel, appointment.scheduled_start, []).text

    assert "Please let us know you are coming" in two_days_before("email")
    assert "Reply YES to confirm" in two_days_before("sms")
    client.post(url(appointment, "confirm"))
    appointment.refresh_from_db()
    assert "Please let us know you are coming" not in two_days_before("email")
    assert "Reply YES" not in two_days_before("sms")
    assert "Is the discharge still there?" in two_days_before("email")  # the question still goes
