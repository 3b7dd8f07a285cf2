"""Who is spoken to in what: a patient's own language when the clinic offers it, else English with one sentence in
their language about an interpreter (procedures.languages)."""

import pytest
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext

from procedures import languages
from tests.factories import PatientFactory

SENTENCE = languages.INTERPRETER_SENTENCE


def test_english_comes_first_among_the_offered_languages():
    with override_settings(PATIENT_LANGUAGES=["pl", "cy"]):
        assert languages.offered() == ["en-gb", "pl", "cy"]


def test_a_language_the_clinic_does_not_know_is_never_offered():
    with override_settings(PATIENT_LANGUAGES=["en-gb", "xx", "cy"]):
        assert languages.offered() == ["en-gb", "cy"]


@pytest.mark.parametrize("code", ["cy", "pl", "ur"])
def test_a_patient_whose_language_is_offered_is_spoken_to_in_it(code):
    assert languages.spoken_in(code) == code
    assert languages.interpreter_sentence(code) == ""


def test_a_language_left_out_of_the_offer_is_spoken_to_in_english_with_the_sentence_in_it():
    with override_settings(PATIENT_LANGUAGES=["en-gb", "cy"], CLINIC_PHONE="+44 20 7946 0000"):
        assert languages.spoken_in("pl") == "en-gb"
        sentence = languages.interpreter_sentence("pl")
    assert "tłumacza" in sentence
    assert "+44 20 7946 0000" in sentence


def test_a_language_we_ship_no_translation_for_gets_its_own_sentence():
    with override_settings(CLINIC_PHONE="+44 20 7946 0000"):
        assert languages.spoken_in("ro") == "en-gb"
        assert languages.interpreter_sentence("ro").startswith("Dacă doriți un interpret")
        assert "+44 20 7946 0000" in languages.interpreter_sentence("ro")


def test_every_language_a_record_can_name_but_english_has_an_interpreter_sentence():
    """A clinic offering only English still tells each patient, in their language, how to get help."""
    with override_settings(PATIENT_LANGUAGES=["en-gb"]):
        missing = [code for code, _name in languages.language_choices()[1:] if not languages.interpreter_sentence(code)]
    assert missing == []


@pytest.mark.parametrize("code", ["cy", "pl", "ur"])
def test_each_shipped_catalogue_translates_the_interpreter_sentence(code):
    with translation.override(code):
        translated = gettext(SENTENCE)
    assert translated != SENTENCE
    assert "{phone}" in translated


def test_urdu_and_arabic_read_right_to_left_and_welsh_does_not():
    assert languages.is_rtl("ur")
    assert languages.is_rtl("ar")
    assert not languages.is_rtl("cy")
    assert not languages.is_rtl("en-gb")


@pytest.mark.django_db
def test_speaking_to_a_patient_changes_the_language_only_inside_the_block():
    patient = PatientFactory(language="cy")
    with translation.override("en-gb"):
        with languages.speaking_to(patient) as code:
            assert code == "cy"
            assert translation.get_language() == "cy"
        assert translation.get_language() == "en-gb"


@pytest.mark.django_db
def test_a_patient_whose_language_is_not_offered_is_spoken_to_in_english():
    patient = PatientFactory(language="ro")
    with languages.speaking_to(patient) as code:
        assert code == "en-gb"
        assert translation.get_language() == "en-gb"
