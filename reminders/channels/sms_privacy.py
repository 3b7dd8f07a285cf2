"""The privacy rule of texts: a text never names the procedure, a body part or a diagnosis, in any language, as a lock
screen or a shared phone must not reveal why someone is going. One word list per shipped language; every text is
checked against ALL of them, as a clinic's name or a room's could be in another language than the patient's.

A word matches at the start of a word ("breast" in "Breastfeeding"); a word in `whole` matches only as a whole word,
for short forms that begin innocent words (Welsh "fron", the soft mutation of "bron", begins English "front";
"bron" itself begins the Welsh hospital name Bronglais). Welsh "bron" also means "almost": Welsh wording must not
use it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class PrivacyWords:
    """One language's words a text must not contain: the procedure's names, the breast, and the rest (nipple,
    discharge, milk duct, cancer, biopsy...), with the inflected and mutated forms that matter."""

    procedure: tuple[str, ...]
    breast: tuple[str, ...]
    other: tuple[str, ...] = ()
    whole: tuple[str, ...] = ()

    def words(self) -> tuple[str, ...]:
        return self.procedure + self.breast + self.other


SMS_FORBIDDEN_WORDS = {
    "en-gb": PrivacyWords(
        procedure=("ductogram", "galactogram", "ductography", "galactography", "mammogram", "mammography"),
        breast=("breast",),
        other=("nipple", "discharge", "cancer", "biopsy", "milk duct"),
    ),
    "cy": PrivacyWords(
        procedure=("dwctogram", "galactogram", "mamogram", "famogram", "mamograff", "famograff"),
        # bron and its mutations (fron, mron), singular and plural (bronnau)
        breast=("bron", "fron", "mron", "bronnau", "fronnau", "mronnau"),
        other=(
            "teth",  # nipple, with its mutations (deth, nheth, theth) and plural tethau
            "deth",
            "nheth",
            "theth",
            "rhedlif",  # discharge, and its soft mutation
            "redlif",
            "dwythell",  # duct, and its mutations
            "ddwythell",
            "nwythell",
            "canser",
            "ganser",
            "nghanser",
            "chanser",
            "biopsi",
            "fiopsi",
            "miopsi",
        ),
        whole=("bron", "fron", "mron", "deth"),
    ),
    "pl": PrivacyWords(
        procedure=("duktografi", "duktogram", "galaktografi", "galaktogram", "mammografi", "mammogram"),
        breast=("pierś", "piersi"),  # piersi, piersią, piersiach...
        other=(
            "sutek",
            "sutk",  # sutka, sutki, sutkiem, sutkowa
            "brodawk",  # brodawka (sutkowa), brodawki, brodawką
            "brodawce",
            "wydzielin",  # wydzielina, wydzieliny, wydzielinę
            "przewód mleczny",
            "przewodu mlecznego",
            "przewody mleczne",
            "przewodów mlecznych",
            "nowotw",  # nowotwór, nowotworu
            "rak",
            "raka",
            "raku",
            "rakiem",
            "biopsj",  # biopsja, biopsji, biopsję
            "onkolog",
        ),
        whole=("rak", "raka", "raku", "rakiem"),
    ),
    "ur": PrivacyWords(
        procedure=("ڈکٹوگرام", "ڈکٹوگرافی", "گیلیکٹوگرام", "گیلیکٹوگرافی", "میموگرام", "میموگرافی", "ممو گرام"),
        breast=("چھاتی", "چھاتیوں", "پستان"),
        other=("نپل", "چوچی", "اخراج", "دودھ کی نالی", "دودھ کی نالیوں", "کینسر", "سرطان", "بایوپسی", "بائیوپسی"),
    ),
}

# Arabic-script letters an Urdu word may be typed with (Arabic kaf and yeh for Urdu's): compared as Urdu's.
_SAME_LETTERS = str.maketrans({"ك": "ک", "ي": "ی", "ى": "ی", "ه": "ہ"})


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_SAME_LETTERS).lower()


@cache
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    found: dict[str, re.Pattern] = {}
    for words in SMS_FORBIDDEN_WORDS.values():
        for word in words.words():
            if word not in found:
                tail = r"\b" if word in words.whole else ""
                found[word] = re.compile(rf"\b{re.escape(_normal(word))}{tail}")
    return tuple(found.items())


def forbidden_words_in(text: str) -> list[str]:
    """The words of any language's list that `text` contains, in the lists' order."""
    normal = _normal(text)
    return [word for word, pattern in _patterns() if pattern.search(normal)]


def all_forbidden_words() -> tuple[str, ...]:
    """Every language's words, each once."""
    return tuple(word for word, _pattern in _patterns())
