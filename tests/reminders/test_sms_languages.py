"""Texts in the patient's language (issue 19, points 2, 4 and 5): every text the templates can make, in every shipped
language, is translated (no English sentence left but names, numbers, links and the clinic's own data) and names
nothing clinical in any language; the privacy rule has each shipped language's words for the procedure and the
breast; the answers to a patient's texts come in her language, and her language's word for YES is understood."""

import itertools
import re

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from procedures.models import Appointment
from procedures.patient_page.services import answer_text
from reminders.channels.sms import SMS_LEVELS
from reminders.channels.sms_encoding import measure
from reminders.channels.sms_privacy import SMS_FORBIDDEN_WORDS, forbidden_words_in
from reminders.models import InboundText
from reminders.services.conversations import CONFIRM_WORD, acknowledgement, handle_reply, intent_of
from reminders.stages import Stage
from reminders.wording import context
from tests.clinic import FAR
from tests.factories import PatientFactory
from tests.messages import render_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

ENGLISH = "en-gb"
TRANSLATED = [code for code in settings.SHIPPED_LANGUAGES if code != ENGLISH]
MOVED_FROM = FAR.replace(day=20)

# Every branch of the templates: confirmed or not, "arrive as soon as you can" or a time, something to rebook or
# not, the preparation started or not, the appointment near or not.
SWITCHES = ("confirmed", "arrive_asap", "rebook", "preparation_started", "appointment_is_near")
VARIANTS = [dict(zip(SWITCHES, values, strict=True)) for values in itertools.product((False, True), repeat=5)]
# The context's values a text carries as they are: names, dates, times, numbers, links, the clinic's own data (and
# the day words reminders.wording translates).
CARRIED = (
    "sms_name",
    "link",
    "clinic_phone",
    "short_date",
    "time",
    "arrival_time",
    "moved_from",
    "appointment_day",
    "preparation_from",
)


def every_text(appointment: Appointment, language: str) -> dict[tuple, tuple[str, dict]]:
    """Every text the SMS templates can make for `appointment` in `language`, each with the context it was made from:
    each stage, at each level, in each variant."""
    made = {}
    with translation.override(language):
        for stage in Stage:
            ctx = context(appointment, stage, FAR, [stage], with_faq=False, previous_start=MOVED_FROM)
            for (n, level), (m, variant) in itertools.product(enumerate(SMS_LEVELS), enumerate(VARIANTS)):
                values = {**ctx, **variant, **level}
                text = " ".join(render_to_string("reminders/sms.txt", values).split())
                made[(stage, n, m)] = (text, values)
    return made


def words(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"[A-Za-z']+", text)}


def template_words(text: str, values: dict) -> set[str]:
    """The English words of a text that its template wrote (not the values it carries), four letters or more:
    shorter ones are words of Welsh or Polish too ("to", "a", "i", "at", "do")."""
    carried = set().union(*(words(str(values[name])) for name in CARRIED))
    return {word for word in words(text) - carried if len(word) >= 4}


@pytest.fixture
def appointment(book):
    return book(FAR)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_in_the_language_leaves_no_english_sentence(appointment, language):
    english, translated = every_text(appointment, ENGLISH), every_text(appointment, language)

    for key, (text, _values) in translated.items():
        english_text, english_values = english[key]
        left = template_words(english_text, english_values) & words(text)
        assert not left, (key, left, text)
        assert text.startswith(f"{settings.CLINIC_SMS_NAME}: "), text


@pytest.mark.parametrize("language", settings.SHIPPED_LANGUAGES)
def test_every_text_in_every_shipped_language_names_nothing_clinical_in_any_language(appointment, language):
    for key, (text, _values) in every_text(appointment, language).items():
        assert forbidden_words_in(text) == [], (key, text)


@pytest.mark.parametrize("language", settings.SHIPPED_LANGUAGES)
@pytest.mark.parametrize("stage", list(Stage))
def test_every_stages_text_is_sent_within_the_limit_with_a_production_address(book, settings, language, stage):
    settings.SITE_URL = "https://prep.riverside.nhs.uk"
    appointment = book(FAR, patient=PatientFactory(language=language))
    text = render_for(appointment, stage, "sms", FAR, [stage], previous_start=MOVED_FROM).text

    assert measure(text).segments <= settings.SMS_MAX_SEGMENTS
    assert text.startswith("Riverside Hospital: ")
    assert "https://prep.riverside.nhs.uk/p/" in text or stage == Stage.CANCELLATION


# The privacy rule, per language

# A shipped language's words for the procedure and for the breast, as a patient's text could carry them.
CAUGHT = {
    "en-gb": ["Your ductogram tomorrow", "Riverside Breast Unit", "the Breastfeeding room", "Mammography, level 2"],
    "cy": ["Eich dwctogram yfory", "Clinig y Fron", "Uned Bron Glangwili", "archwiliad y bronnau", "Canolfan Ganser"],
    "pl": ["Pani duktografia jutro", "badanie piersi", "Poradnia Chorób Piersi", "Pracownia Mammografii", "rak"],
    "ur": ["آپ کا ڈکٹوگرام کل ہے", "چھاتی کا کلینک", "پستان", "نپل", "چھاتی کا ك"],
}
# Words of the same letters that say nothing clinical: a place, a town, "front".
PASSED = ["Ysbyty Bronglais", "Front desk", "Kraków", "Rakieta Street", "Tetbury"]


@pytest.mark.parametrize("language", settings.SHIPPED_LANGUAGES)
def test_the_privacy_rule_catches_each_shipped_languages_word_for_the_procedure_and_the_breast(language):
    listed = SMS_FORBIDDEN_WORDS[language]  # a shipped language without a list fails here
    assert listed.procedure and listed.breast

    for word in listed.words():
        assert forbidden_words_in(f"Riverside Hospital: {word.upper()} 10:00"), (language, word)
    for sentence in CAUGHT[language]:
        assert forbidden_words_in(sentence), (language, sentence)


def test_the_privacy_rule_checks_every_language_whatever_the_patients():
    text = "Riverside Hospital, Clinig y Fron: see you tomorrow"  # an English text, a Welsh name

    assert forbidden_words_in(text) == ["fron"]


@pytest.mark.parametrize("text", PASSED)
def test_the_privacy_rule_passes_innocent_words_with_the_same_letters(text):
    assert forbidden_words_in(text) == []


def test_the_privacy_rule_reads_urdu_typed_with_arabic_letters():
    assert forbidden_words_in("كينسر") == ["کینسر"]  # Arabic kaf and yeh for Urdu's


# The answers to a patient's texts


@pytest.mark.parametrize("language", settings.SHIPPED_LANGUAGES)
def test_each_languages_word_for_yes_confirms(language):
    with translation.override(language):
        word = str(CONFIRM_WORD)

    assert intent_of(word) == "confirm", (language, word)
    assert intent_of(word.lower() + "!") == "confirm"


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_two_days_before_text_asks_for_the_languages_word_for_yes(appointment, language):
    appointment.patient.language = language
    with translation.override(language):
        word = str(CONFIRM_WORD)
        ctx = context(appointment, Stage.TWO_DAYS_BEFORE, FAR, [Stage.TWO_DAYS_BEFORE], with_faq=False)
        text = " ".join(render_to_string("reminders/sms.txt", {**ctx, "level": 2, "confirmed": False}).split())

    assert word != "YES" and re.search(rf"\b{word}\b", text), text


REPLIES = {
    "cy": ("IE", "Riverside Hospital: diolch, mae eich apwyntiad ar "),
    "pl": ("Tak", "Riverside Hospital: dziękujemy, Pani wizyta "),
    "ur": ("ہاں", "Riverside Hospital: شکریہ، "),
}


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_patients_yes_in_her_language_confirms_and_is_answered_in_it(book, language):
    word, answer = REPLIES[language]
    appointment = book(FAR, patient=PatientFactory(language=language))

    reply = handle_reply(
        provider_message_id=f"SM-{language}", sender=appointment.patient.mobile.as_e164, body=word, act=answer_text
    )

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert reply.startswith(answer), reply
    assert InboundText.objects.get(provider_message_id=f"SM-{language}").reply == reply


@pytest.mark.parametrize("language", settings.SHIPPED_LANGUAGES)
@pytest.mark.parametrize("outcome", [o.value for o in InboundText.Outcome])
def test_every_answer_in_every_language_is_one_segment_and_names_nothing_clinical(book, language, outcome):
    appointment = book(FAR, patient=PatientFactory(language=language))

    reply = acknowledgement(outcome, appointment)

    assert measure(reply).segments == 1, reply
    assert forbidden_words_in(reply) == []
    if language != ENGLISH:
        appointment.patient.language = ENGLISH
        english = acknowledgement(outcome, appointment)
        assert not {w for w in words(english) - words(settings.CLINIC_SMS_NAME) if len(w) >= 4} & words(reply)


def test_a_number_matching_nobody_is_answered_in_english():
    assert acknowledgement(InboundText.Outcome.UNMATCHED, None).startswith("Riverside Hospital: sorry,")
