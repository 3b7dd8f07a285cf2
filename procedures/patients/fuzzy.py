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
a common name costs one look at a few name words however many patients carry it, and the patients holding a
spelling are then found by an index of their names' words (a GIN index on the array of `search_name`'s words,
migration 0028): by their names only, never by any other field.

The look-up uses `%`, served by the name words' trigram GIN index (migration 0028). `%` compares with the setting
pg_trgm.similarity_threshold, whose default, 0.3, is below THRESHOLD: the look-up sets it to THRESHOLD for itself, so
the index leaves out what would not be kept. Among 60,000 made-up name words that took "fatma" from 0.9 ms to 0.3
(no word took longer); and `%` took 0.2-1 ms a word through a GIN index, 6-18 ms through GiST, whose nearest first
(`<->` with a LIMIT) was no faster: GIN it stays. SQLite has no trigrams: there the search matches the letters
typed, as before, and the page says so.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import Overlap
from django.db import connection
from django.db.models import Case, F, FloatField, Func, Q, TextField, Value, When
from django.db.models.expressions import Combinable

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


# The name words spelled like each word typed: `%` finds them through the words' trigram index (a lookup per word,
# LATERAL), then each is kept if about as long, not holding the word (the search finds those as typed) and alike
# enough. Written out, as the query the ORM would build from querysets costs more to build than to run. Each word
# typed sets `%`'s threshold to THRESHOLD before its look-up (set_config, local to the transaction; a volatile
# function, so PostgreSQL neither drops it, unused, nor moves it), in the same statement: no round trip more, and
# none of the session settings a pooler in transaction mode would share out.
SPELLINGS_SQL = f"""
    SELECT q.typed, w.word, similarity(w.word, q.typed) AS likeness
    FROM (
        SELECT typed, set_config('pg_trgm.similarity_threshold', %s, true) FROM unnest(%s::text[]) AS typed
    ) AS q(typed, threshold)
    CROSS JOIN LATERAL (SELECT word FROM {NameWord._meta.db_table} WHERE word %% q.typed) AS w
    WHERE length(w.word) BETWEEN length(q.typed) - %s AND length(q.typed) + %s
      AND strpos(w.word, q.typed) = 0
      AND similarity(w.word, q.typed) >= %s
"""


def spellings(words: tuple[str, ...]) -> Spellings:
    """For each word, the name words spelled like it (and not holding it: those the search finds as typed), the
    closest SPELLINGS first. One query for all the words, each looked up through the trigram index."""
    words = tuple(dict.fromkeys(words))  # each once
    if not words:
        return {}
    found: Spellings = {word: [] for word in words}
    with connection.cursor() as cursor:
        cursor.execute(SPELLINGS_SQL, [str(THRESHOLD), list(words), LENGTH_SLACK, LENGTH_SLACK, THRESHOLD])
        for typed, name_word, like in cursor.fetchall():
            found[typed].append((name_word, like))
    return {word: sorted(near, key=lambda s: (-s[1], s[0]))[:SPELLINGS] for word, near in found.items()}


# The folded names as an array of words: `&&` (overlap) with the spellings finds the patients holding one of them as
# a whole word (Hughes, not Hughes123 or Hughesdon) through the GIN index on this very expression (migration 0028).
_WORDS = Func(F(FIELD), Value(" "), function="string_to_array", output_field=ArrayField(TextField()))


def _any_of(names: list[str]) -> Overlap:
    return Overlap(_WORDS, Value(names, output_field=ArrayField(TextField())))


def holds_any(spelled: list[tuple[str, float]]) -> Q:
    """The patients whose names hold one of these spellings as a whole word."""
    return Q(_any_of([name for name, _ in spelled]))


def ranks(found: Spellings, words: tuple[str, ...]) -> bool:
    """Whether `likeness` can tell the patients found by spelling apart: not for one word typed with one spelling
    (each of them holds that spelling), where working it out for thousands of patients would only cost time."""
    return len(words) > 1 or any(len(spelled) > 1 for spelled in found.values())


def likeness(found: Spellings) -> Combinable:
    """How alike a patient's names are to the words typed, summed over the words that have spellings: 1 for a word
    the names hold as typed, else the similarity of the closest of its spellings they hold (0 for none). So Fatma
    Hughes comes before Fatima Hughes when "fatma hughs" is typed."""
    total: Combinable = Value(0.0, output_field=FloatField())
    for word, spelled in found.items():
        if spelled:
            as_typed = When(Q(**{f"{FIELD}__contains": word}), then=Value(1.0))
            closest = [When(_any_of([name]), then=Value(like)) for name, like in spelled]
            total = total + Case(as_typed, *closest, default=Value(0.0), output_field=FloatField())
    return total
