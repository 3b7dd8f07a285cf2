"""The one home for clinical content in a patient's language: the FAQ, a procedure type's preparation text and a
room's directions, each in the language asked for, with the English (the source) wherever there is no translation.
Messages (reminders.wording) and the patient's page ask here; so do the admin's badges and the start-up check, for
what is still unreviewed.

Reads only. Unreviewed translations are shown: the clinic decides which languages patients are offered
(PATIENT_LANGUAGES), and the start-up check (procedures.checks) warns while an offered one has unreviewed content.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db.models import Count, F, FilteredRelation, Q, QuerySet

from .languages import ENGLISH, offered
from .models import (
    FaqEntry,
    FaqEntryTranslation,
    ProcedureType,
    ProcedureTypeTranslation,
    Room,
    RoomTranslation,
)

# Within content_loaded(): every preparation and directions translation in the offered languages, read once per
# block (the first time a patient needs one), keyed by model, then (source id, language).
_LOADED: ContextVar[dict | None] = ContextVar("procedures_loaded_translations", default=None)


def stored_code(language: str | None) -> str:
    """The code translations are stored under for a language Django names ("cy", "pl-pl" -> "pl"); English for
    anything not offered, as a patient whose language is not offered reads English."""
    codes = offered()
    language = (language or ENGLISH).lower()
    if language in codes:
        return language
    base = language.split("-")[0]
    return base if base in codes and base != "en" else ENGLISH


# --- The FAQ ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    question: str
    answer: str
    point: str


class TranslatedEntry:
    """An FAQ entry as a patient reading `language` sees it: the translation's question, answer and point where
    there is one (each field falling back to the English when the translation leaves it empty; no point where the
    English has none), everything else
    (kind, stages, order, topic, pk) the entry's own."""

    def __init__(self, entry: FaqEntry, words: Words | None, language: str):
        self.entry = entry
        self.language = language if words else ENGLISH
        self.question = (words and words.question) or entry.question
        self.answer = (words and words.answer) or entry.answer
        # A point only where the English has one: a translation never outlives its source's words.
        self.point = ((words and words.point) or entry.point) if entry.point else ""

    def __getattr__(self, name: str):
        return getattr(self.entry, name)

    def __repr__(self) -> str:
        return f"<TranslatedEntry {self.entry.pk} {self.language}>"


def with_translations(entries: QuerySet[FaqEntry]) -> list[FaqEntry]:
    """The entries, each carrying its translations in every offered language, from the entries' own one query (a
    left join: one row per entry and language, folded back here), so a batch of messages in any mix of languages
    reads the FAQ once. `faq_in` then answers without a query."""
    languages = [code for code in offered() if code != ENGLISH]
    rows = entries.annotate(
        tr=FilteredRelation("translations", condition=Q(translations__language__in=languages)),
        tr_language=F("tr__language"),
        tr_question=F("tr__question"),
        tr_answer=F("tr__answer"),
        tr_point=F("tr__point"),
    )
    folded: dict[int, FaqEntry] = {}
    for row in rows:
        entry = folded.setdefault(row.pk, row)
        if entry is row:
            entry.loaded_translations = {}
        if row.tr_language:
            entry.loaded_translations[row.tr_language] = Words(row.tr_question, row.tr_answer, row.tr_point)
    return list(folded.values())


def faq_in(language: str | None, entries: Iterable[FaqEntry]) -> list:
    """`entries` as a patient reading `language` sees them (TranslatedEntry), in the same order; the entries
    themselves for English. No query for entries loaded by `with_translations`; one for the others."""
    entries = list(entries)
    code = stored_code(language)
    if code == ENGLISH:
        return entries
    unloaded = [entry.pk for entry in entries if not hasattr(entry, "loaded_translations")]
    fetched = {}
    if unloaded:
        found = FaqEntryTranslation.objects.filter(source_id__in=unloaded, language=code)
        fetched = {t.source_id: Words(t.question, t.answer, t.point) for t in found}
    out = []
    for entry in entries:
        loaded = getattr(entry, "loaded_translations", None)
        words = loaded.get(code) if loaded is not None else fetched.get(entry.pk)
        out.append(TranslatedEntry(entry, words, code))
    return out


# --- The preparation text and the room's directions ----------------------------------------------------------------


@contextmanager
def content_loaded() -> Iterator[None]:
    """Within the block (a batch of messages), the preparation texts' and rooms' translations are read at most once
    each, whatever the number of patients and languages. Nested blocks share the outer one's."""
    if _LOADED.get() is not None:
        yield
        return
    reset = _LOADED.set({})
    try:
        yield
    finally:
        _LOADED.reset(reset)


def _translated(model, field: str, source_id: int, code: str) -> str:
    loaded = _LOADED.get()
    if loaded is None:
        found = model.objects.filter(source_id=source_id, language=code).values_list(field, flat=True)
        return found.first() or ""
    if model not in loaded:
        languages = [c for c in offered() if c != ENGLISH]
        rows = model.objects.filter(language__in=languages).values_list("source_id", "language", field)
        loaded[model] = {(source, language): text for source, language, text in rows}
    return loaded[model].get((source_id, code), "")


def preparation_in(language: str | None, procedure_type: ProcedureType) -> str:
    """The procedure type's preparation text in `language`, else in English; "" when there is no English (a
    translation never outlives its source)."""
    code = stored_code(language)
    if code == ENGLISH or not procedure_type.preparation.strip():
        return procedure_type.preparation
    return _translated(ProcedureTypeTranslation, "preparation", procedure_type.pk, code) or procedure_type.preparation


def directions_in(language: str | None, room: Room) -> str:
    """The room's directions in `language`, else in English; "" when the room has none."""
    code = stored_code(language)
    if code == ENGLISH or not room.location.strip():
        return room.location
    return _translated(RoomTranslation, "location", room.pk, code) or room.location


# --- What is still unreviewed ----------------------------------------------------------------------------------------

# What patients read, by kind: (the sources, their translation model), in the words staff see; and one of each.
ONE_OF = {"FAQ entries": "FAQ entry", "preparation texts": "preparation text", "room directions": "room's directions"}
PATIENT_CONTENT = {
    "FAQ entries": (lambda: FaqEntry.objects.filter(is_active=True), FaqEntryTranslation),
    "preparation texts": (lambda: ProcedureType.objects.exclude(preparation=""), ProcedureTypeTranslation),
    "room directions": (lambda: Room.objects.filter(is_active=True).exclude(location=""), RoomTranslation),
}


def unreviewed(languages: Iterable[str]) -> dict[str, dict[str, int]]:
    """For each language, how many pieces of what patients read (active FAQ entries, preparation texts, active
    rooms' directions) have no reviewed translation in it (missing or unreviewed), by kind; only the kinds with
    some. Two queries a kind, whatever the languages."""
    languages = [code for code in languages if code != ENGLISH]
    out: dict[str, dict[str, int]] = {code: {} for code in languages}
    if not languages:
        return out
    for kind, (sources, model) in PATIENT_CONTENT.items():
        total = sources().count()
        reviewed = (
            model.objects.filter(source__in=sources(), language__in=languages, reviewed_at__isnull=False)
            .values("language")
            .annotate(n=Count("id"))
        )
        done = {row["language"]: row["n"] for row in reviewed}
        for code in languages:
            if total - done.get(code, 0):
                out[code][kind] = total - done.get(code, 0)
    return out


def review_state(translations: Iterable, language: str) -> str:
    """ "reviewed", "unreviewed" or "missing": a source's translation in `language`, among its `translations`."""
    for translation in translations:
        if translation.language == language:
            return "reviewed" if translation.is_reviewed else "unreviewed"
    return "missing"
