"""The languages patients read: which a patient's record can name (settings.LANGUAGES), which the clinic offers
(settings.PATIENT_LANGUAGES, each shipped with translations in locale/), and the one rule for what a patient is
spoken to in: their own language when it is offered, else English with one sentence in their language about an
interpreter. Every message, page and letter for a patient asks here (speaking_to); staff pages stay in English.

Imports no model, so the channels and the models may use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

ENGLISH = "en-gb"

# "An interpreter or a translated copy is available", in languages we do not ship translations for (a shipped
# language's sentence is in its .po file, under INTERPRETER_SENTENCE). `{phone}` is the clinic's number.
INTERPRETER_SENTENCE = gettext_noop(
    "If you would like an interpreter or a translated copy of this, please call us on {phone}."
)
INTERPRETER_SENTENCES = {
    "ro": "Dacă doriți un interpret sau o copie tradusă, vă rugăm să ne sunați la {phone}.",
    "pa": "ਜੇ ਤੁਸੀਂ ਦੁਭਾਸ਼ੀਆ ਜਾਂ ਇਸ ਦੀ ਅਨੁਵਾਦ ਕੀਤੀ ਕਾਪੀ ਚਾਹੁੰਦੇ ਹੋ, ਤਾਂ ਕਿਰਪਾ ਕਰਕੇ ਸਾਨੂੰ {phone} 'ਤੇ ਫ਼ੋਨ ਕਰੋ।",
    "bn": "আপনি যদি একজন দোভাষী বা এর অনূদিত কপি চান, তাহলে অনুগ্রহ করে আমাদের {phone} নম্বরে ফোন করুন।",
    "pt": "Se desejar um intérprete ou uma cópia traduzida, ligue-nos para o {phone}.",
    "lt": "Jei norėtumėte vertėjo arba išversto šio teksto egzemplioriaus, paskambinkite mums {phone}.",
    "ar": "إذا كنت ترغب في مترجم فوري أو نسخة مترجمة، يرجى الاتصال بنا على الرقم {phone}.",
    "so": "Haddii aad rabto turjubaan ama nuqul la turjumay, fadlan naga wac {phone}.",
    "tr": "Tercüman ya da çevrilmiş bir kopya isterseniz lütfen bizi {phone} numarasından arayın.",
}


def language_choices() -> list[tuple[str, str]]:
    """Every language a patient's record can name (Patient.language's choices)."""
    return list(settings.LANGUAGES)


def offered() -> list[str]:
    """The languages patients are spoken to in, English first."""
    codes = [code for code in settings.PATIENT_LANGUAGES if code in dict(settings.LANGUAGES)]
    return [ENGLISH, *(code for code in codes if code != ENGLISH)]


def offered_choices() -> list[tuple[str, str]]:
    """The offered languages with their names, for the patient's own choice on their page."""
    names = dict(settings.LANGUAGES)
    return [(code, names[code]) for code in offered()]


def name_of(code: str) -> str:
    return dict(settings.LANGUAGES).get(code, code)


def english_name(code: str) -> str:
    """The language's name on staff pages, which are in English: the part of its LANGUAGES name in brackets
    ("Polski (Polish)" is "Polish"), or the whole name when it has none ("English")."""
    name = name_of(code)
    if name.endswith(")") and "(" in name:
        return name[name.rindex("(") + 1 : -1].strip() or name
    return name


def interpreter_label(code: str) -> str:
    """What staff pages say of a patient who needs an interpreter: "Interpreter: Polish" (in words, never by colour
    alone), or "Interpreter needed" when the record's language is English."""
    return "Interpreter needed" if code in ("", ENGLISH) else f"Interpreter: {english_name(code)}"


def spoken_in(code: str) -> str:
    """The language a patient whose record says `code` is spoken to in: theirs when offered, else English."""
    return code if code in offered() else ENGLISH


def is_rtl(code: str) -> bool:
    return code.split("-")[0] in settings.LANGUAGES_BIDI


def interpreter_sentence(code: str) -> str:
    """For a patient spoken to in English though their language is another: one sentence in their language saying an
    interpreter or a translated copy is available on the clinic's number; "" when they are spoken to in their own
    language, or we have no sentence in it."""
    if spoken_in(code) == code or code == ENGLISH:
        return ""
    phone = settings.CLINIC_PHONE
    if code in settings.SHIPPED_LANGUAGES:
        with translation.override(code):
            sentence = gettext(INTERPRETER_SENTENCE)
        return "" if sentence == INTERPRETER_SENTENCE else sentence.format(phone=phone)
    template = INTERPRETER_SENTENCES.get(code)
    return template.format(phone=phone) if template else ""


@contextmanager
def speaking_to(patient) -> Iterator[str]:
    """Within the block, Django's translations, dates and formats are in the language `patient` is spoken to in
    (yielded); the previous language comes back after, in a worker as in a request."""
    code = spoken_in(getattr(patient, "language", "") or ENGLISH)
    with translation.override(code):
        yield code
