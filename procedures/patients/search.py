"""Finding patients (`/patients/?q=`): what the words typed mean, and the page of patients they find.

One box takes a date of birth (YYYY-MM-DD, or DD/MM/YYYY as people write it), a phone number (the mobile or the
other number, any spacing, with or without the country code or the leading 0), an NHS number (with or without its
spaces or dashes; ten digits that pass the modulus 11 check are looked up as one, and as a phone number and an MRN
too, since a number can be more than one of these), an MRN (any case), or names
(every word typed, in any order, forgiving of case, accents, spacing and apostrophes: "mcdonald" finds McDonald,
"Zoe" finds Zoë). On PostgreSQL names spelled like the words typed come too, after those matching as typed: "hughs"
finds Hughes, "fatma" Fatima (`fuzzy`: names only); SQLite matches the letters typed, and the page says so. A page
costs three queries whatever it holds: the matches' ids in order (counted and paged from them), the page's
patients, and their next appointments (and, for a name, on PostgreSQL, the look-up of the name words spelled like
it, and when it finds some, a second query for the ids: those spelled alike, after those as typed; see `ranked`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import phonenumbers
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Case, ExpressionWrapper, Q, QuerySet, Value, When

from .. import nhs_number
from ..folding import fold
from ..models import Appointment, Patient
from ..params import in_calendar, parse_day, parse_query
from . import fuzzy

PAGE_SIZE = 25
QUERY_MAX_LENGTH = 100
# Fewer characters than this match too many names to be worth listing.
MIN_NAME_LENGTH = 2
# A phone number has at least this many digits; fewer is an MRN or nothing.
MIN_PHONE_DIGITS = 7
# Matches are counted up to this many: beyond it the page says "more than" and asks for more words, so a common
# name never costs a count of thousands of rows (and nobody pages past page 40).
COUNT_CAP = 1000

_DMY = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})", re.ASCII)
_PHONE = re.compile(r"\+?[0-9 ()./-]+", re.ASCII)


@dataclass(frozen=True)
class Query:
    """The search box's words, read: `kind` is "empty", "unusable" (too long, control characters, too short),
    "date", "phone" or "name"."""

    text: str
    kind: str
    born: date | None = None
    phone: str | None = None  # E.164, as stored
    nhs_number: str | None = None  # ten digits, as stored: the words were a valid NHS number
    words: tuple[str, ...] = field(default_factory=tuple)
    problem: str = ""

    @property
    def searched(self) -> bool:
        return self.kind in ("date", "phone", "name")


def read_date(text: str) -> date | None:
    """YYYY-MM-DD, or DD/MM/YYYY (also with dots or dashes, days and months of one digit)."""
    day = parse_day(text)
    if day is not None:
        return day
    match = _DMY.fullmatch(text)
    if not match:
        return None
    d, m, y = (int(part) for part in match.groups())
    try:
        day = date(y, m, d)
    except ValueError:
        return None
    return day if in_calendar(day) else None


def read_phone(text: str) -> str | None:
    """The number in E.164, read in the clinic's region (PHONENUMBER_DEFAULT_REGION) when it has no country code:
    "07700 900123", "7700900123", "+44 (0)7700 900 123" and "0044 7700 900123" are all +447700900123."""
    if not _PHONE.fullmatch(text):
        return None
    digits = re.sub(r"[^0-9]", "", text)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    region = getattr(settings, "PHONENUMBER_DEFAULT_REGION", None) or "GB"
    country = str(phonenumbers.country_code_for_region(region))
    if text.startswith("+"):
        pass
    elif digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith(country) and len(digits) > 10:
        pass
    else:
        digits = country + digits.lstrip("0")
    # "+44 (0)7700..." keeps a 0 after the country code that is never dialled.
    if digits.startswith(country + "0"):
        digits = country + digits[len(country) :].lstrip("0")
    return f"+{digits}"


def read_query(raw: str | None) -> Query:
    text = parse_query(raw, max_length=QUERY_MAX_LENGTH)
    if text is None:
        return Query(text=(raw or "")[:QUERY_MAX_LENGTH], kind="unusable", problem="That search cannot match anyone.")
    if not text:
        return Query(text="", kind="empty")
    born = read_date(text)
    if born is not None:
        return Query(text=text, kind="date", born=born)
    phone = read_phone(text)
    if phone is not None:
        nhs = nhs_number.normalise(text) if nhs_number.is_valid(text) else None
        return Query(text=text, kind="phone", phone=phone, nhs_number=nhs, words=(text.replace(" ", ""),))
    words = tuple(fold(text).split())
    if len("".join(words)) < MIN_NAME_LENGTH:
        return Query(text=text, kind="unusable", problem=f"Type at least {MIN_NAME_LENGTH} letters of a name.")
    return Query(text=text, kind="name", words=words)


NAME_ORDER = ("family_name", "given_name", "pk")  # pk last, so pages never overlap


@dataclass(frozen=True)
class _Names:
    """A name query's conditions: `exact`, every word as typed (or the MRN typed whole); `alike`, every word as typed
    or spelled alike (None when no word has spellings, as on SQLite)."""

    exact: Q
    alike: Q | None
    spelled: fuzzy.Spellings


def _names(query: Query) -> _Names:
    # An MRN is typed as one token (folding splits one like "H-77881" in two); matched whole, in any case (an index
    # on UPPER(mrn) serves it).
    mrn = Q(mrn__iexact=query.text) if len(query.text.split()) == 1 else None
    spelled = fuzzy.spellings(fuzzy.sought(query.words))
    every_word, alike = Q(), Q()
    for word in query.words:
        as_typed = Q(search_name__contains=word)
        every_word &= as_typed
        alike &= (as_typed | fuzzy.holds_any(spelled[word])) if spelled.get(word) else as_typed
    return _Names(
        exact=every_word | mrn if mrn else every_word,
        alike=alike if any(spelled.values()) else None,
        spelled=spelled,
    )


def _closest_first(patients: QuerySet[Patient], names: _Names, query: Query) -> QuerySet[Patient]:
    """Patients found by spellings, the closest to the words first (`fuzzy.likeness`), then in name order."""
    if not fuzzy.ranks(names.spelled, query.words):
        return patients.order_by(*NAME_ORDER)
    return patients.alias(likeness=fuzzy.likeness(names.spelled)).order_by("-likeness", *NAME_ORDER)


def matching(query: Query) -> QuerySet[Patient]:
    """The patients a query finds, in name order (family name, given name, then id, so pages never overlap). On
    PostgreSQL, names spelled like the words typed (`fuzzy`) come after those holding every word as typed, the
    closest first, each marked `typed_exactly` or not (one query more, for the spellings). One query, which counts
    them; `ranked` finds the first of them in this same order for less."""
    patients = Patient.objects.order_by(*NAME_ORDER)
    if query.kind == "date":
        return patients.filter(date_of_birth=query.born)
    if query.kind == "phone":
        # A number with no letters could also be an MRN of digits, or an NHS number (the unique index serves it).
        number = Q(mobile=query.phone) | Q(phone=query.phone) | Q(mrn__iexact=query.words[0])
        if query.nhs_number:
            number |= Q(nhs_number=query.nhs_number)
        return patients.filter(number)
    if query.kind == "name":
        names = _names(query)
        if names.alike is None:
            return patients.filter(names.exact)
        found = patients.filter(names.alike | names.exact).annotate(
            typed_exactly=ExpressionWrapper(names.exact, output_field=BooleanField())
        )
        if not fuzzy.ranks(names.spelled, query.words):
            return found.order_by("-typed_exactly", *NAME_ORDER)
        return found.alias(
            likeness=Case(When(names.exact, then=Value(0.0)), default=fuzzy.likeness(names.spelled))
        ).order_by("-typed_exactly", "-likeness", *NAME_ORDER)
    return patients.none()


def ranked(query: Query, limit: int) -> list[tuple[int, bool]]:
    """The ids of the first `limit` patients `matching` finds, in its order, each with whether it matched as typed.

    For a name with spellings, two plain queries instead of one: first those matching as typed, in name order; then,
    if room is left, those matching as typed or spelled alike, the closest first, less those found already (dropped
    here: leaving them out in the query cost a check of every row found, 2.5 ms for "fatma" in `bench/patients.py`).
    Neither sorts by whether a patient matches as typed, which the one query worked out for every patient it found:
    for "fatma" (the bench's 8,254 Fatimas), over a third of its time."""
    if query.kind != "name":
        return [(pk, True) for pk in matching(query).values_list("pk", flat=True)[:limit]]
    names = _names(query)
    by_name = Patient.objects.order_by(*NAME_ORDER)
    exact = [(pk, True) for pk in by_name.filter(names.exact).values_list("pk", flat=True)[:limit]]
    if names.alike is None or len(exact) >= limit:
        return exact
    # Every patient matching as typed is in `exact` now (fewer than `limit`), and those matching all the words as
    # typed are among `alike` too: `limit` of these leave room enough.
    typed = {pk for pk, _ in exact}
    alike = _closest_first(by_name.filter(names.alike), names, query).values_list("pk", flat=True)[:limit]
    return exact + [(pk, False) for pk in alike if pk not in typed][: limit - len(exact)]


def with_next_appointments(patients: list[Patient]) -> list[Patient]:
    """Give each patient `next_appointment`: their soonest upcoming one (any procedure), or None. One query."""
    soonest: dict[int, Appointment] = {}
    coming = (
        Appointment.objects.upcoming()
        .filter(patient_id__in=[p.pk for p in patients])
        .select_related("room", "procedure_type")
        .order_by("scheduled_start", "pk")
    )
    for appointment in coming:
        soonest.setdefault(appointment.patient_id, appointment)
    for patient in patients:
        patient.next_appointment = soonest.get(patient.pk)
    return patients


@dataclass(frozen=True)
class Results:
    query: Query
    page: Page | None
    patients: list[Patient]  # each says `spelled_alike`: found by a name spelled like the words, not as typed
    more: bool = False  # more than COUNT_CAP patients match (only the first COUNT_CAP are listed)

    @property
    def exact_spelling_only(self) -> bool:
        """A name search on a database that cannot match names spelled alike (SQLite): the page says so."""
        return self.query.kind == "name" and not fuzzy.available()


def search(raw: str | None, page_number: str | None) -> Results:
    """The page `page_number` (the last one if past the end, the first if unreadable) of what `raw` finds.

    `ranked` finds the matches' ids in order, up to COUNT_CAP and one more (so the page knows there are more),
    which counts them and pages them too; a query more reads the page's patients by id. (A count and a page each
    finding the matches cost twice the work: for a common name, thousands of rows.)"""
    query = read_query(raw)
    if not query.searched:
        return Results(query=query, page=None, patients=[])
    found = ranked(query, COUNT_CAP + 1)
    page = Paginator(found[:COUNT_CAP], PAGE_SIZE).get_page(page_number)
    by_pk = Patient.objects.in_bulk([pk for pk, _ in page.object_list])
    patients = []
    for pk, typed_exactly in page.object_list:
        if pk in by_pk:  # not deleted in between
            by_pk[pk].spelled_alike = not typed_exactly
            patients.append(by_pk[pk])
    return Results(query=query, page=page, patients=with_next_appointments(patients), more=len(found) > COUNT_CAP)
