"""Messages in the patient's language (issue 19, points 2 and 4): every email (each stage, the move and the
cancellation notices), every letter and the calendar invitation, for a patient who reads Welsh, Polish or Urdu, say
nothing in English but names, numbers, links and the clinic's own data; emails say which language they are in
(Content-Language, <html lang dir>); dates name the language's months; a letter's PDF writes each alphabet, Urdu
right to left; and a patient whose language the clinic does not offer gets English with one sentence in theirs.

The clinical content (FAQ answers, preparation points, a room's directions) is data the content slice translates:
these tests take it out before looking for English, as they take out the clinic's name and address.

"Now" is Wednesday 5 June 2030, 12:00 in London; FAR is Monday 24 June 2030, 10:00.
"""

import html
import io
import re
import unicodedata
from datetime import timedelta

import icalendar
import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation
from pypdf import PdfReader

from procedures.models import FaqEntry
from reminders.channels import Draft, channel_for, letter_type
from reminders.stages import Stage
from reminders.wording import context, relative_day
from tests.clinic import FAR, TODAY
from tests.factories import PatientFactory
from tests.messages import render_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

LANGUAGES = ["cy", "pl", "ur"]
MOVED_TO = FAR + timedelta(days=2, hours=1)
EMAIL_STAGES = [
    Stage.BOOKING_CONFIRMATION,
    Stage.WEEK_BEFORE,
    Stage.PREPARATION_STARTS,
    Stage.TWO_DAYS_BEFORE,
    Stage.DAY_BEFORE,
    Stage.RESCHEDULED,
    Stage.CANCELLATION,
    Stage.SLOT_OFFER,
]
LETTER_STAGES = [
    Stage.BOOKING_CONFIRMATION,
    Stage.WEEK_BEFORE,
    Stage.PREPARATION_STARTS,
    Stage.RESCHEDULED,
    Stage.CANCELLATION,
]
# Words that give English away in any sentence of ours, matched as whole words (not "to", "on" or "at": Polish and
# Welsh words too).
ENGLISH_WORDS = """your you we the and or of is from until please appointment call when where how long what
questions minutes about dear page phone arrive details reminder cancelled moved hospital number yours sincerely more
today tomorrow days week""".split()
ADDRESS = {"address_line1": "Tŷ Gwyn, 3 Heol y Dŵr", "town": "Caerdydd", "postcode": "CF10 1AA"}


def patient_in(language: str, **fields):
    return PatientFactory(language=language, channels=["email", "sms", "letter"], **ADDRESS, **fields)


def message(appointment, stage: str, channel: str):
    """The message as sending makes it: a move from FAR to MOVED_TO, the others about FAR."""
    moved = stage == Stage.RESCHEDULED
    return render_for(
        appointment,
        stage,
        channel,
        MOVED_TO if moved else FAR,
        [] if stage in (Stage.RESCHEDULED, Stage.CANCELLATION) else [stage],
        previous_start=FAR if moved else None,
    )


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pypdf reads it back, each letter in its plain form (NFKC folds Urdu's joined forms)."""
    reader = PdfReader(io.BytesIO(pdf))
    return unicodedata.normalize("NFKC", "\n".join(page.extract_text() for page in reader.pages))


def without_data(text: str, appointment) -> str:
    """`text` without what is not ours to translate: the clinic's own data, names, links and the clinical content."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    patient, room = appointment.patient, appointment.room
    data = [
        settings.CLINIC_NAME,
        settings.CLINIC_ADDRESS,
        settings.CLINIC_OPENING_HOURS,
        settings.CLINIC_SMS_NAME,
        settings.CLINIC_PHONE,
        room.location,
        room.name,
        patient.full_name,
        patient.given_name,
        patient.family_name,
        appointment.procedure_type.name,
        appointment.procedure_type.name.lower(),
        *ADDRESS.values(),
    ]
    for entry in FaqEntry.objects.filter(procedure_type=appointment.procedure_type):
        data += [entry.question, entry.answer, entry.point]
    # Compared with their spaces and line breaks made one space: a PDF breaks lines where it must.
    text = " ".join(text.split())
    for value in sorted({" ".join(v.split()) for v in data if v}, key=len, reverse=True):
        text = text.replace(value, " ")
    return re.sub(r"https?://\S+", " ", text)


def invitation_words(ics: bytes) -> str:
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    return f"{event['summary']}\n{event['description']}"


def english_sentences(appointment, stage: str, channel: str) -> list[str]:
    """The sentences the same message says in English, less the data: none may be left in a translation."""
    english = appointment.patient.language
    appointment.patient.language = "en-gb"
    try:
        said = message(appointment, stage, "email" if channel == "invitation" else channel)
    finally:
        appointment.patient.language = english
    words = invitation_words(said.ics) if channel == "invitation" else f"{said.subject}\n{said.text}"
    text = without_data(words, appointment)
    pieces = re.split(r"[.:?!\n]|, ", text)
    return [piece.strip() for piece in pieces if len(piece.split()) >= 2]


def assert_no_english(translated: str, appointment, stage: str, channel: str) -> None:
    left = without_data(translated, appointment)
    for sentence in english_sentences(appointment, stage, channel):
        assert sentence not in left, f"English left in the {channel} of {stage}: {sentence!r}"
    for word in ENGLISH_WORDS:
        assert not re.search(rf"\b{word}\b", left, re.IGNORECASE), f"{word!r} in the {channel} of {stage}: {left}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("stage", EMAIL_STAGES)
def test_every_email_a_patient_reads_in_welsh_polish_or_urdu_has_no_english_left(book, language, stage):
    appointment = book(FAR, patient=patient_in(language))
    email = message(appointment, stage, "email")
    for part in (email.subject, email.text, email.html):
        assert_no_english(part, appointment, stage, "email")
    assert ("Content-Language", language) in email.headers


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("stage", LETTER_STAGES)
def test_every_letter_a_patient_reads_in_welsh_polish_or_urdu_has_no_english_left(book, language, stage):
    appointment = book(FAR, patient=patient_in(language))
    letter = message(appointment, stage, "letter")
    assert_no_english(f"{letter.subject}\n{letter.text}", appointment, stage, "letter")
    # The PDF's own words too (labels, footer, page numbers). Urdu comes back in display order, where the English
    # clinical content (not ours to translate) is broken into pieces no longer found whole: only our words are looked
    # for there.
    printed = pdf_text(letter.pdf)
    if language == "ur":
        assert not re.search(r"\b(Page|Phone|Hospital number|Yours sincerely|Dear|When|Where)\b", printed), printed
    else:
        left = without_data(printed, appointment)
        for word in ENGLISH_WORDS:
            assert not re.search(rf"\b{word}\b", left, re.IGNORECASE), f"{word!r} in the letter of {stage}: {left}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("stage", [Stage.BOOKING_CONFIRMATION, Stage.RESCHEDULED, Stage.CANCELLATION])
def test_the_calendar_invitation_says_its_summary_and_description_in_the_patients_language(book, language, stage):
    appointment = book(FAR, patient=patient_in(language))
    ics = message(appointment, stage, "email").ics
    assert_no_english(invitation_words(ics), appointment, stage, "invitation")
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert event["summary"].params["language"] == language
    assert settings.CLINIC_SMS_NAME in event["summary"]


def test_a_welsh_email_says_it_is_welsh_and_names_the_welsh_month(book):
    appointment = book(FAR, patient=patient_in("cy", given_name="Eleri"))
    email = message(appointment, Stage.BOOKING_CONFIRMATION, "email")
    assert email.subject == "Eich apwyntiad: Llu 24 Meh am 10:00"  # Django's Welsh abbreviations
    assert "Dydd Llun 24 Mehefin 2030 am 10:00" in email.text
    assert "Annwyl Eleri," in email.text
    assert email.html.startswith('<!doctype html>\n<html lang="cy" dir="ltr">')
    assert 'lang="cy"' in email.html.split("<body", 1)[1]


def test_a_polish_email_names_the_month_in_the_genitive(book):
    polish = message(book(FAR, patient=patient_in("pl")), Stage.BOOKING_CONFIRMATION, "email")
    assert "poniedziałek, 24 czerwca 2030, godz. 10:00" in polish.text  # not "Czerwiec", the nominative
    assert polish.subject == "Pani wizyta w dniu pon, 24 czerwca o godz. 10:00"


def test_an_urdu_email_is_right_to_left(book):
    urdu = message(book(FAR, patient=patient_in("ur")), Stage.BOOKING_CONFIRMATION, "email")
    assert '<html lang="ur" dir="rtl">' in urdu.html
    assert "text-align: right;" in urdu.html and "text-align: left;" not in urdu.html
    assert "24 جون 2030" in urdu.text
    assert ("Content-Language", "ur") in urdu.headers


def test_days_are_said_per_count_in_each_language_and_nearness_is_counted_not_read_from_the_words(book):
    said = {}
    for language in ["en-gb", *LANGUAGES]:
        with translation.override(language):
            said[language] = [relative_day(TODAY + timedelta(days=n)) for n in (0, 1, 2, 5, 7)]
    assert said["en-gb"] == ["today", "tomorrow", "in two days", "in five days", "in a week"]
    assert said["cy"] == ["heddiw", "yfory", "ymhen deuddydd", "ymhen pum diwrnod", "ymhen wythnos"]
    assert said["pl"] == ["dzisiaj", "jutro", "za dwa dni", "za pięć dni", "za tydzień"]
    assert said["ur"] == ["آج", "کل", "دو دن بعد", "پانچ دن بعد", "ایک ہفتے بعد"]

    tomorrow = FAR.replace(year=TODAY.year, month=TODAY.month, day=TODAY.day) + timedelta(days=1)
    appointment = book(tomorrow, patient=patient_in("cy"))
    with translation.override("cy"):
        ctx = context(appointment, Stage.DAY_BEFORE, tomorrow, [Stage.DAY_BEFORE], with_faq=False)
    assert ctx["appointment_day"] == "yfory" and ctx["appointment_is_near"]


@pytest.mark.parametrize("stage", LETTER_STAGES)
def test_a_letter_writes_welsh_and_polish_letters_in_its_pdf(book, room2, stage):
    welsh = message(book(FAR, patient=patient_in("cy", given_name="Gwenllïan")), stage, "letter")
    printed = pdf_text(welsh.pdf)
    assert "Tŷ Gwyn, 3 Heol y Dŵr" in printed and "Annwyl Gwenllïan," in printed and "Yn gywir," in printed

    polish_patient = patient_in("pl", given_name="Łucja", family_name="Wąsowska")
    polish = message(book(FAR, patient=polish_patient, room=room2), stage, "letter")
    printed = pdf_text(polish.pdf)
    assert "Szanowna Pani Łucja," in printed and "Łucja Wąsowska" in printed and "Z poważaniem," in printed
    assert "ś" in printed and "ą" in printed and "ł" in printed


def test_an_urdu_letter_is_shaped_and_set_right_to_left_in_its_pdf(book):
    letter = message(book(FAR, patient=patient_in("ur", given_name="Ayesha")), Stage.BOOKING_CONFIRMATION, "letter")
    raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(letter.pdf)).pages)
    # Joined letters: the PDF draws Arabic presentation forms (initial, medial, final), not the plain letters.
    assert any(0xFB50 <= ord(c) <= 0xFEFF for c in raw)
    printed = pdf_text(letter.pdf)
    words = printed.split()
    for word in ["اپائنٹمنٹ", "ہسپتال", "صفحہ", "ہے"]:
        # pypdf reads a right-to-left line in the order it is drawn: each word comes back reversed.
        assert word[::-1] in words or word in words, word
    assert "Ayesha" in printed and "10:00" in printed


def test_a_letter_without_its_font_is_refused_with_one_sentence(book, monkeypatch, tmp_path):
    appointment = book(FAR, patient=patient_in("cy"))
    monkeypatch.setattr(letter_type, "DEJAVU", tmp_path)
    monkeypatch.setattr(letter_type, "_matplotlib_dejavu", lambda: tmp_path)
    letter_type.fonts.cache_clear()
    try:
        with pytest.raises(letter_type.LetterFontMissing, match="install the Debian package fonts-dejavu-core"):
            message(appointment, Stage.BOOKING_CONFIRMATION, "letter")
    finally:
        letter_type.fonts.cache_clear()


@pytest.mark.parametrize("language, sentence", [("pl", "tłumacza"), ("ro", "un interpret")])
def test_a_patient_whose_language_is_not_offered_gets_english_with_one_sentence_in_theirs(book, language, sentence):
    with override_settings(PATIENT_LANGUAGES=["en-gb", "cy"]):
        appointment = book(FAR, patient=patient_in(language, given_name="Ana"))
        email = message(appointment, Stage.BOOKING_CONFIRMATION, "email")
        letter = message(appointment, Stage.BOOKING_CONFIRMATION, "letter")
    first, rest = email.text.split("\n\n", 1)
    assert sentence in first and settings.CLINIC_PHONE in first
    assert rest.startswith("Dear Ana,") and ("Content-Language", "en-gb") in email.headers
    assert f'<p class="interpreter" lang="{language}" dir="ltr"' in email.html
    assert email.html.index("interpreter") < email.html.index("Dear Ana,")
    printed = pdf_text(letter.pdf)
    assert sentence in printed and printed.index(sentence) < printed.index("Dear Ana,")
    assert sentence in letter.text.split("Dear Ana,")[0]


def test_the_interpreter_sentence_in_a_letter_is_written_in_an_alphabet_the_letter_can_print(book, room2):
    with override_settings(PATIENT_LANGUAGES=["en-gb", "cy"]):
        urdu = message(book(FAR, patient=patient_in("ur", given_name="Ayesha")), Stage.BOOKING_CONFIRMATION, "letter")
        # Punjabi's Gurmukhi is in no font the letter has: the sentence is said in English instead of empty boxes.
        panjabi = book(FAR, patient=patient_in("pa", given_name="Harpreet"), room=room2)
        panjabi_letter = message(panjabi, Stage.BOOKING_CONFIRMATION, "letter")
    printed = pdf_text(urdu.pdf)
    assert "ترجمہ"[::-1] in printed.split() or "ترجمہ" in printed.split()  # the Urdu sentence, in Urdu letters
    assert printed.index("Dear Ayesha,") > 0
    printed = pdf_text(panjabi_letter.pdf)
    assert "If you would like an interpreter or a translated copy of this" in " ".join(printed.split())
    assert "ਦੁਭਾਸ਼ੀਆ" not in printed
    assert "ਦੁਭਾਸ਼ੀਆ" in message(panjabi, Stage.BOOKING_CONFIRMATION, "email").text


def test_a_patient_spoken_to_in_their_own_language_gets_no_interpreter_sentence(book):
    email = message(book(FAR, patient=patient_in("pl")), Stage.BOOKING_CONFIRMATION, "email")
    assert "tłumacza" not in email.text and 'class="interpreter"' not in email.html


def test_a_message_made_in_welsh_leaves_the_language_as_it_was(book):
    appointment = book(FAR, patient=patient_in("cy"))
    with translation.override("en-gb"):
        channel_for("email").render(
            Draft.of(appointment.reminders.get(stage=Stage.BOOKING_CONFIRMATION, channel="email"))
        )
        assert translation.get_language() == "en-gb"
