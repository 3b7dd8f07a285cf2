"""The safety questions on the patient's page, and what she is told after (issue 23, point 7): a form sent with
questions unanswered opens with GOV.UK's error summary, a link to each; "yes" and "not sure" raise different flags
and staff see different badges; after answers that need staff her page says who will call, how soon
(CALLBACK_WORKING_DAYS, "within two working days"), what may happen and what to do meanwhile, and after ordinary
answers that there is nothing else to do; the clinic's number is a tap-to-call link from the first screen on."""

import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from procedures import services as booking
from procedures.checks import callback_promise_sayable
from procedures.clinic_contact import callback_promise, dialable
from procedures.links import patient_token
from procedures.models import SafetyAnswers
from procedures.patient_page import services as patient_services
from tests.factories import PatientFactory, ProcedureTypeFactory, RoomFactory, SchedulerFactory, next_clinic_day

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache")]

ALL_CLEAR = {
    "discharge_present": "yes",
    "pregnant": "no",
    "contrast_allergy": "no",
    "infection": "no",
    "blood_thinners": "no",
}
TAP_TO_CALL = '<a href="tel:+442079460000"><span dir="ltr">+44 20 7946 0000</span></a>'


def booked(given_name: str = "Amelia", *, language: str = "en-gb", hours: int = 0):
    return booking.book_appointment(
        patient=PatientFactory(given_name=given_name, language=language),
        procedure_type=ProcedureTypeFactory(),
        room=RoomFactory(name="Mammo Room 1"),
        scheduled_start=next_clinic_day(days_ahead=9) + timedelta(hours=hours),
        laterality="left",
        discharge="bloody",
    )


@pytest.fixture
def appointment():
    return booked()


def page_of(appointment, action: str = "") -> str:
    return f"/p/{patient_token(appointment)}/{action + '/' if action else ''}"


def answer(appointment, **answers) -> str:
    """She sends her answers from her page; the page she lands on."""
    response = Client().post(page_of(appointment, "safety"), {**ALL_CLEAR, **answers}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, element_id: str) -> str:
    """The element with that id, up to the end of its first nested block (enough for the boxes here)."""
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</div>", start)]


def summary_links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', section(html, "safety-errors"))


# --- The error summary ----------------------------------------------------------------------------------------------


def test_a_form_sent_with_questions_unanswered_opens_with_a_summary_linking_to_each(client, appointment):
    response = client.post(page_of(appointment, "safety"), {**ALL_CLEAR, "pregnant": "", "infection": ""})
    assert response.status_code == 400
    html = response.content.decode()

    # At the top of the questions, a box titled "There is a problem", read out at once (role="alert")...
    summary = section(html, "safety-errors")
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary
    assert '<h3 id="safety-errors-title">There is a problem</h3>' in summary
    assert html.index('id="safety-heading"') < html.index('id="safety-errors"') < html.index("<legend>")
    # ...with a link to each unanswered question's first answer, naming the question and what is wrong.
    assert summary_links(html) == [
        ("id_pregnant_0", "Could you be pregnant? Please choose an answer."),
        ("id_infection_0", "Do you have redness, swelling or an infection in the breast now? Please choose an answer."),
    ]
    for target, _ in summary_links(html):
        assert re.search(rf'<input type="radio"[^>]* id="{target}"', html), target
    # Each question still says what is wrong beside it, and its group points at those words.
    assert '<p class="error-text" id="id_pregnant-error">Please choose an answer.</p>' in html
    assert 'aria-describedby="id_pregnant-error"' in html
    assert 'aria-describedby="id_discharge_present-hint"' in html  # an answered question keeps just its hint
    # The form posts to the summary's address, so a browser lands on it and focuses it, script or not.
    assert f'action="/p/{patient_token(appointment)}/safety/#safety-errors"' in html
    # The tab's title says so first, as GOV.UK's do; nothing is kept.
    assert "<title>Error: Your appointment · " in html
    assert not SafetyAnswers.objects.exists()


def test_every_question_left_blank_is_in_the_summary_in_the_order_asked(client, appointment):
    html = client.post(page_of(appointment, "safety"), {}).content.decode()
    assert [target for target, _ in summary_links(html)] == [f"id_{q.field}_0" for q in SafetyAnswers.QUESTIONS]


def test_the_summary_is_focused_by_a_script_of_our_own_files_and_a_page_without_errors_has_neither(client, appointment):
    """The Content-Security-Policy allows scripts only from our static files: no inline script."""
    html = client.post(page_of(appointment, "safety"), {}).content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/static/patient/error-summary.js">']
    assert finders.find("patient/error-summary.js")
    plain = client.get(page_of(appointment)).content.decode()
    assert "<script" not in plain and 'class="error-summary"' not in plain
    assert "<title>Your appointment · " in plain


# --- Yes and not sure -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, yes, not_sure",
    [
        ("pregnant", ("pregnant", "Possibly pregnant"), ("pregnancy_unsure", "Pregnancy: not sure")),
        ("infection", ("infection", "Redness or infection"), ("infection_unsure", "Redness or infection: not sure")),
        (
            "contrast_allergy",
            ("contrast_allergy", "Contrast allergy"),
            ("contrast_allergy_unsure", "Contrast allergy: not sure"),
        ),
        ("blood_thinners", ("blood_thinners", "Blood thinners"), ("blood_thinners_unsure", "Blood thinners: not sure")),
    ],
)
def test_yes_and_not_sure_raise_different_flags_and_staff_see_different_badges(question, yes, not_sure):
    said_yes, said_unsure = booked("Yasmin"), booked("Nadia", hours=2)
    answer(said_yes, **{question: "yes"})
    answer(said_unsure, **{question: "unsure"})
    assert SafetyAnswers.objects.get(appointment=said_yes).flags == yes[0]
    assert SafetyAnswers.objects.get(appointment=said_unsure).flags == not_sure[0]

    staff = Client()
    staff.force_login(SchedulerFactory())
    # Pregnancy and an infection need a call either way (red); an allergy or blood thinners are for the radiologist
    # (amber), sure or not.
    level = "text-bg-danger" if question in ("pregnant", "infection") else "text-bg-warning"
    for appointment, (code, label) in ((said_yes, yes), (said_unsure, not_sure)):
        html = staff.get(reverse("procedures:appointment", args=[appointment.pk])).content.decode()
        assert re.search(rf'class="badge patient-flag flag-{code} {level}" title="[^"]*">{re.escape(label)}<', html)
    calls = staff.get(reverse("procedures:calls")).content.decode()
    on_the_list = question in ("pregnant", "infection")
    assert ("Yasmin" in calls, "Nadia" in calls) == (on_the_list, on_the_list)
    if on_the_list:
        assert f"Safety answers: {not_sure[1].lower()}. The exam may need rebooking." in calls


# --- What happens next ----------------------------------------------------------------------------------------------


def test_after_answers_that_need_a_call_she_is_told_who_calls_how_soon_what_may_happen_and_what_to_do(appointment):
    html = answer(appointment, discharge_present="no")

    said = html.split('id="safety-heading"', 1)[1]
    assert (
        "Thank you: we have your answers. From them, we need to speak to you before your test: someone from "
        "Riverside Breast Imaging Unit will call you within two working days. Please read what happens next below."
    ) in said
    steps = section(html, "what-next")
    assert "<h3>What happens next</h3>" in steps
    assert (
        "<strong>Someone from Riverside Breast Imaging Unit will call you within two working days</strong>, "
        "and before your appointment, to talk about your answers."
    ) in steps
    assert "The test may need to move to another day: if it does, we will tell you when we call." in steps
    assert "Until then, keep your appointment: it stays booked unless we tell you otherwise." in steps
    assert f"If it is urgent, or we have not called you by then, call us on {TAP_TO_CALL}." in steps
    assert "nothing else you need to do" not in steps
    # Her page says it again whenever she opens it, the message gone.
    again = Client().get(page_of(appointment)).content.decode()
    assert "Please read what happens next" not in again
    assert "will call you within two working days</strong>" in section(again, "what-next")


@pytest.mark.parametrize(
    "answers, says, not_said",
    [
        (
            {"pregnant": "unsure"},
            "will call you within two working days</strong>, and before your appointment, to check the answers you "
            "were not sure about.",
            "to talk about your answers",
        ),
        (
            {"pregnant": "unsure", "infection": "yes"},
            "to talk about your answers.",
            "not sure about",
        ),
        (
            {"blood_thinners": "unsure", "discharge_present": "unsure"},
            "The doctor doing your test will check the answers you were not sure about with you on the day",
            "will call you",
        ),
        (
            {"contrast_allergy": "yes", "blood_thinners": "unsure"},
            "The doctor doing your test will see your answers and talk to you about them on the day",
            "will call you",
        ),
    ],
    ids=["unsure-pregnancy-we-call-to-check", "a-yes-among-them", "unsure-on-the-day", "allergy-on-the-day"],
)
def test_not_sure_answers_have_their_own_sentence(appointment, answers, says, not_said):
    steps = section(answer(appointment, **answers), "what-next")
    assert says in steps
    assert not_said not in steps


def test_after_ordinary_answers_there_is_nothing_else_to_do(appointment):
    html = answer(appointment)
    assert "Thank you: we have your answers." in html
    steps = section(html, "what-next")
    assert "There is nothing else you need to do now." in steps and 'href="#prepare"' in steps
    assert "call" not in steps


def test_once_staff_have_called_her_page_stops_promising_a_call_until_she_answers_again(appointment):
    answer(appointment, pregnant="yes")
    patient_services.log_call(appointment, by=SchedulerFactory(), note="Not pregnant; test goes ahead")
    steps = section(Client().get(page_of(appointment)).content.decode(), "what-next")
    assert "We called you about these answers on" in steps and "will call you" not in steps
    assert "There is nothing else you need to do now." in steps
    # New answers that need a call: the promise again.
    steps = section(answer(appointment, pregnant="yes", infection="yes"), "what-next")
    assert "will call you within two working days" in steps and "We called you" not in steps


# --- The promise: CALLBACK_WORKING_DAYS, in every language ----------------------------------------------------------


def test_the_promise_follows_the_setting_and_the_patients_language(settings):
    assert callback_promise() == "within two working days"
    settings.CALLBACK_WORKING_DAYS = 1
    assert callback_promise() == "within one working day"
    settings.CALLBACK_WORKING_DAYS = 7
    assert callback_promise() == "within 7 working days"
    settings.CALLBACK_WORKING_DAYS = 3
    welsh, polish = booked("Cari", language="cy"), booked("Ola", language="pl", hours=2)
    urdu = booked("Sana", language="ur", hours=4)
    assert "o fewn tri diwrnod gwaith" in answer(welsh, pregnant="yes")
    assert "w ciągu trzech dni roboczych" in answer(polish, pregnant="yes")
    assert "تین کاروباری دنوں کے اندر" in answer(urdu, pregnant="yes")


@pytest.mark.parametrize("days", [0, 11])
def test_a_promise_we_cannot_say_stops_the_start(settings, days):
    settings.CALLBACK_WORKING_DAYS = days
    (error,) = callback_promise_sayable()
    assert error.id == "procedures.E001" and f"CALLBACK_WORKING_DAYS is {days}" in error.msg
    settings.CALLBACK_WORKING_DAYS = 10
    assert callback_promise_sayable() == []


def test_a_request_to_move_or_cancel_says_how_soon_we_will_be_in_touch(client, appointment):
    html = client.get(page_of(appointment)).content.decode()
    assert "Ask us here and we will contact you within two working days." in html
    response = client.post(page_of(appointment, "change"), {"kind": "cancel"}, follow=True)
    html = response.content.decode()
    assert "Thank you: we have your request and will contact you within two working days." in html
    assert "We will contact you within two working days; until then, your appointment above stays booked." in html
    assert f"If it is urgent, call us on {TAP_TO_CALL}." in html


# --- Tap to call ------------------------------------------------------------------------------------------------------


def test_the_clinics_number_on_the_first_screen_is_a_tap_to_call_link(client, appointment):
    html = client.get(page_of(appointment)).content.decode()
    coming = html[html.index('id="coming"') : html.index('id="when"')]
    assert f"or call us on {TAP_TO_CALL}, so that someone else can have the time." in coming
    assert TAP_TO_CALL in html.split("<footer>")[1]  # the footer's too


def test_the_link_dials_the_number_in_e164_however_the_clinic_writes_it(client, appointment, settings):
    settings.CLINIC_PHONE = "020 7946 0000"
    html = client.get(page_of(appointment)).content.decode()
    assert '<a href="tel:+442079460000"><span dir="ltr">020 7946 0000</span></a>' in html
    assert 'href="tel:020' not in html
    assert dialable("+1 (212) 555-0123") == "+12125550123"
    assert dialable("ext. 12") == "12"  # not a number phonenumbers knows: its digits, as written
