"""Names spelled alike, for the patient search on PostgreSQL: "hughs" finds Hughes, "fatma" finds Fatima.

A word typed is compared with the words of the patients' names (`NameWord`: each folded word once), by pg_trgm's
similarity, the share of three-letter pieces two words have in common. A name word is close enough at THRESHOLD,
0.4: "hughs" and Hughes, "fatma" and Fatima, "brnte" and Bronte, "okafr" and Okafor score 0.44, "mcdonld" and
McDonald 0.55, while a common start alone stays below it ("grace" and Grant 0.33, "jones" and Jonas 0.33, "smith"
and Smiley 0.30), as does nonsense (0). Only words of letters, MIN_LENGTH or more, are compared (fewer letters have
too few pieces to tell names apart), and only with name words of about their length (LENGTH_SLACK letters more or
fewer: a typo adds or drops a letter or two). The closest SPELLINGS of each word are kept.

The search then lists, after the patients whose names hold every word as typed, those whose names hold, for each
word, the word as typed or one of its spellings as a whole word (`search.matching`), the closest first. So a typo of
a common name costs one look at a few name words however many patients carry it, and the patients are then found
as a name typed rightly would find them, by the trigram index on `search_name` (migration 0009): by their names
only, never by any other field.

The look-up uses `%`, served by the name words' trigram GIN index (migration 0028). `%` compares with the setting
pg_trgm.similarity_threshold, whose default, 0.3, is below THRESHOLD, so it finds a little more than is kept (a
database set above 0.4 would find less). SQLite has no trigrams: there the search matches the letters typed, as
before, and the page says so.
"""

from __future__ import annotations

from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Case, CharField, F, FloatField, Q, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Concat, Length
from django.db.models.lookups import Contains

from ..models import NameWord

THRESHOLD = 0.4
MIN_LENGTH = 4
LENGTH_SLACK = 2
SPELLINGS = 5  # per word typed, the closest
FIELD = "search_name"

Spellings = dict[str, list[tuple[str, float]]]  # word typed: [(name word, similarity)], the closest first


def available() -> bool:
    """Whether the database can match names spelled alike (PostgreSQL, with pg_trgm)."""
    return connection.vendor == "postgresql"


def sought(words: tuple[str, ...]) -> tuple[str, ...]:
    """The folded words to match by spelling too: none on SQLite, else those of MIN_LENGTH letters or more."""
    if not available():
        return ()
    return tuple(word for word in words if word.isalpha() and len(word) >= MIN_LENGTH)


def spellings(words: tuple[str, ...]) -> Spellings:
    """For each word, the name words spelled like it (and not holding it: those the search finds as typed), the
    closest SPELLINGS first. One query for all the words: a UNION of one look-up each, so that each is served by the
    trigram index."""
    words = tuple(dict.fromkeys(words))  # each once
    if not words:
        return {}
    lookups = [
        NameWord.objects.annotate(length=Length("word"))
        .filter(TrigramSimilar(F("word"), Value(word)))
        .filter(length__range=(len(word) - LENGTH_SLACK, len(word) + LENGTH_SLACK))
        .exclude(word__contains=word)
        .annotate(typed=Value(word, output_field=CharField()), likeness=TrigramSimilarity("word", word))
        .filter(likeness__gte=THRESHOLD)
        .values_list("typed", "word", "likeness")
        for word in words
    ]
    found: Spellings = {word: [] for word in words}
    for typed, name_word, like in lookups[0].union(*lookups[1:], all=True):
        found[typed].append((name_word, like))
    return {word: sorted(near, key=lambda s: (-s[1], s[0]))[:SPELLINGS] for word, near in found.items()}


# The folded names with a space either side, so that " hughes " is Hughes as a whole word, not Hughes123 or Hughesdon.
_PADDED = Concat(Value(" "), F(FIELD), Value(" "), output_field=CharField())


def _holds(name: str) -> Q:
    """The names hold `name` as a whole word: found by the trigram index on `search_name` (LIKE '%name%'), then
    checked with spaces around it (a LIKE too, several times cheaper than a regular expression)."""
    return Q(**{f"{FIELD}__contains": name}) & Q(Contains(_PADDED, f" {name} "))


def holds_any(spelled: list[tuple[str, float]]) -> Q:
    """The patients whose names hold one of these spellings as a whole word."""
    either = Q()
    for name, _ in spelled:
        either |= _holds(name)
    return either


def likeness(found: Spellings) -> Combinable:
    """How alike a patient's names are to the words typed: for each word, the similarity of the closest of its
    spellings that the names hold (0 for none), summed over the words."""
    total: Combinable = Value(0.0, output_field=FloatField())
    for spelled in found.values():
        if spelled:
            closest = [When(Contains(_PADDED, f" {name} "), then=Value(like)) for name, like in spelled]
            total = total + Case(*closest, default=Value(0.0), output_field=FloatField())
    return total
