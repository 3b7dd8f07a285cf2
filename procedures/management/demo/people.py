"""The demo's patients: the sixteen who show a feature (reached only by post, a landline only, texts only, Welsh,
Polish with an interpreter, Urdu, Romanian), then as many more as the visits need, one per visit, from a pool of
names as varied as a British clinic's list. A patient's details follow from her number alone, so the same number
always makes the same patient; what the clinic records about her complaint (the discharge, its side, who referred
her) is hers, the same at every visit.

Demo phone numbers: mobiles in +44 7911 123 xxx (numbers `phonenumbers`, and so the admin, accept; Ofcom's drama
range 07700 900xxx is refused as invalid), landlines in Ofcom's drama ranges (020 7946 0xxx, 0113 496 0xxx), which
no real line has.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from procedures.models import Appointment

MRN_PREFIX = "DEMO"
# The channels each demo patient agreed to.
BOTH, EMAIL_ONLY, SMS_ONLY, BY_POST = ["email", "sms"], ["email"], ["sms"], ["letter"]
FEATURED = [
    # given, family, born, channels, has email, has mobile, landline
    ("Amelia", "Hughes", date(1971, 3, 14), BOTH, True, True, ""),
    ("Priya", "Shah", date(1965, 11, 2), EMAIL_ONLY, True, False, "+44 20 7946 0102"),
    ("Grace", "O'Neill", date(1980, 6, 30), SMS_ONLY, False, True, ""),
    ("Fatima", "Begum", date(1958, 1, 21), BOTH, True, True, "+44 113 496 0104"),
    ("Chloe", "Martin", date(1987, 9, 9), BOTH, True, True, ""),
    ("Helen", "Baker", date(1949, 4, 5), BY_POST, False, False, ""),  # no phone or email: letters
    ("Sofia", "Rossi", date(1975, 12, 12), EMAIL_ONLY, True, False, "+44 20 7946 0107"),
    ("Zainab", "Ahmed", date(1969, 7, 17), BOTH, True, True, ""),
    ("Olivia", "Walsh", date(1983, 2, 28), SMS_ONLY, False, True, "+44 113 496 0109"),
    ("Emily", "Clarke", date(1962, 10, 1), BOTH, True, True, ""),
    ("Ngozi", "Eze", date(1977, 5, 23), BOTH, True, True, ""),
    ("Hannah", "Price", date(1990, 8, 8), EMAIL_ONLY, True, False, "+44 20 7946 0112"),
    ("Carys", "Llywelyn", date(1972, 4, 19), BOTH, True, True, ""),
    ("Agnieszka", "Kowalska", date(1968, 9, 3), SMS_ONLY, False, True, "+44 20 7946 0114"),
    ("Nasreen", "Akhtar", date(1979, 1, 11), BOTH, True, True, ""),
    ("Ioana", "Popescu", date(1984, 6, 25), EMAIL_ONLY, True, False, ""),
]
# Reached only by post, in large print: her letters are due on /letters/.
ADDRESSES = {
    "Helen": {
        "address_line1": "14 Riverside Court",
        "address_line2": "Mill Lane",
        "town": "London",
        "postcode": "SE1 7EH",
        "needs_large_print": True,
    }
}
# The languages the featured patients read, where not English: Welsh, Polish (with an interpreter booked: the staff
# lists' badge) and Urdu, offered to patients; and Romanian, which is not, so Ioana's messages are in English with
# one sentence in Romanian about an interpreter.
SPEAKS = {
    "Carys": {"language": "cy"},
    "Agnieszka": {"language": "pl", "needs_interpreter": True},
    "Nasreen": {"language": "ur"},
    "Ioana": {"language": "ro"},
}

# The pool the other patients' names come from: (given names, family names, the language every other one of them
# reads, or "" for English). Each group's two lists have lengths without a common factor, so its names do not repeat
# before len(given) * len(family) patients; no given name is a featured patient's.
ENGLISH = (
    "Sarah Rebecca Laura Gemma Joanne Claire Nicola Karen Rachel Lucy Victoria Charlotte Jessica Sophie Katie "
    "Natalie Amy Louise Michelle Deborah Susan Julie Alison Tracey Lisa Kelly Hayley Jennifer Ruth Margaret "
    "Elizabeth".split(),
    "Smith Jones Taylor Brown Wilson Evans Thomas Johnson Roberts Walker Wright Robinson Thompson White Hall Green "
    "Wood Harris Lewis Jackson Clark Turner Hill Cooper Ward Morris Moore King Watson Harrison Young Allen "
    "Mitchell Carter Phillips Barker Dixon".split(),
    "",
)
WELSH = (
    "Rhian Ffion Angharad Siân Eleri Bethan Nia".split(),
    "Pritchard Rees Griffiths Vaughan Powell Bowen Jenkins Parry Howells Prosser Llewellyn".split(),
    "cy",
)
POLISH = (
    "Katarzyna Magdalena Joanna Małgorzata Ewa Anna Zofia".split(),
    "Nowak Wiśniewska Wójcik Kamińska Lewandowska Zielińska Szymańska Dąbrowska Kozłowska Mazur Krawczyk".split(),
    "pl",
)
URDU = (
    "Ayesha Saima Rubina Shazia Farzana Samina Nadia".split(),
    "Khan Hussain Iqbal Malik Rashid Chaudhry Butt Qureshi Mahmood Raza Siddiqui".split(),
    "ur",
)
WEST_AFRICAN_CARIBBEAN = (
    "Adwoa Chiamaka Funmilayo Yewande Abena Marcia Precious".split(),
    "Mensah Okonkwo Adeyemi Boateng Osei Campbell Francis Williams Grant Bailey Nwosu".split(),
    "",
)
IRISH_SCOTTISH = (
    "Siobhan Aoife Niamh Fiona Morag Eilidh Kirsty".split(),
    "Murphy Byrne Doyle MacDonald Fraser Stewart Quinn McLeod Gallagher Brennan Ross".split(),
    "",
)
SOUTH_INDIAN_GUJARATI = (
    "Anjali Deepa Kavita Meera Sunita Pooja Neha".split(),
    "Sharma Mistry Desai Joshi Gill Parmar Chauhan Nair Pillai Solanki Lad".split(),
    "",
)
CHINESE = (
    "Mei Xiaoling Hui Yan Jing Wen Ling".split(),
    "Chen Wong Liu Zhang Huang Lam Ho Cheung Wu Tang Lee".split(),
    "",
)
# Whose name the next patients get, in turn.
GROUPS = [
    ENGLISH,
    WELSH,
    ENGLISH,
    URDU,
    WEST_AFRICAN_CARIBBEAN,
    ENGLISH,
    POLISH,
    IRISH_SCOTTISH,
    ENGLISH,
    SOUTH_INDIAN_GUJARATI,
    ENGLISH,
    CHINESE,
    ENGLISH,
    URDU,
    WELSH,
    POLISH,
]
Discharge, Side = Appointment.Discharge, Appointment.Laterality
# Bloody, serous and clear discharge are what ductograms are asked for; milky and other now and then.
DISCHARGES = [Discharge.BLOODY, Discharge.SEROUS, Discharge.CLEAR, Discharge.BLOODY, Discharge.SEROUS]
DISCHARGES += [Discharge.CLEAR, Discharge.BLOODY, Discharge.MILKY, Discharge.SEROUS, Discharge.CLEAR, Discharge.OTHER]
REFERRERS = [
    "Dr Evans, Breast Clinic",
    "Ms Achebe, Breast Surgery",
    "Dr Rahman, Breast Clinic",
    "Dr Hughes, GP (Riverside Surgery)",
    "Mr Grant, Breast Surgery",
]


@dataclass(frozen=True)
class Person:
    """Demo patient number `n`: what `register_patient` is given, and what a booking for her says."""

    n: int
    fields: dict
    discharge: str
    side: str
    referrer: str


def mrn(n: int) -> str:
    return f"{MRN_PREFIX}{n:04d}"


def number_of(mrn_text: str) -> int | None:
    digits = mrn_text.removeprefix(MRN_PREFIX)
    return int(digits) if mrn_text.startswith(MRN_PREFIX) and digits.isdigit() else None


def mobile(n: int) -> str:
    """+44 7911 123 401 for the first patient, as the demo has always had (the 4xx block for the first 99)."""
    return f"+447911123{(400 + n) % 1000:03d}"


def _landline(n: int) -> str:
    area = "+44 20 7946 0" if (n // 10) % 2 else "+44 113 496 0"
    return f"{area}{(500 + n) % 1000:03d}"


def _ascii(word: str) -> str:
    word = word.lower().replace("ł", "l").replace("'", "")
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()


def _email(given: str, family: str) -> str:
    return f"{_ascii(given)}.{_ascii(family)}@patients.example"


def _named(n: int) -> tuple[str, str, str]:
    """The n-th pooled patient's given and family name and language: the k-th of her group takes its k-th given
    and k-th family name (each list cycling on its own), and every other one reads the group's language."""
    turn = n % len(GROUPS)
    given, family, language = GROUPS[turn]
    k = (n // len(GROUPS)) * GROUPS.count(GROUPS[turn]) + GROUPS[:turn].count(GROUPS[turn])
    return given[k % len(given)], family[k % len(family)], language if language and k % 2 == 0 else ""


def person(n: int) -> Person:
    """The demo's patient number n (from 1): the featured sixteen, then the pool."""
    if n <= len(FEATURED):
        given, family, born, channels, has_email, has_mobile, landline = FEATURED[n - 1]
        fields = {**ADDRESSES.get(given, {}), **SPEAKS.get(given, {})}
    else:
        given, family, language = _named(n)
        born = date(1948 + (n * 13) % 48, 1 + (n * 5) % 12, 1 + (n * 7) % 28)
        # Most agreed to email and texts; some to email only (a landline to call), some to texts only.
        kind = n % 10
        channels = EMAIL_ONLY if kind == 7 else SMS_ONLY if kind == 8 else BOTH
        has_email, has_mobile = channels != SMS_ONLY, channels != EMAIL_ONLY
        landline = _landline(n) if kind in (7, 9) else ""
        fields = {"language": language} if language else {}
    fields.update(
        mrn=mrn(n),
        given_name=given,
        family_name=family,
        date_of_birth=born,
        channels=channels,
        email=_email(given, family) if has_email else "",
        mobile=mobile(n) if has_mobile else "",
        phone=landline,
    )
    return Person(
        n=n,
        fields=fields,
        discharge=DISCHARGES[n % len(DISCHARGES)],
        side=Side.LEFT if n % 3 else Side.RIGHT,
        referrer=REFERRERS[(n * 3) % len(REFERRERS)],
    )
