"""The FAQ a patient reads, as migration 0003 loads it from the seed: clean, each thing said once, every entry placed
in a topic and in the reminders that carry it, the preparation a patient needs present, and the seed's content kept."""

import importlib
import re
from collections import Counter
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from procedures.models import FaqEntry, ProcedureType
from reminders.stages import Stage

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR).parent / "shared" / "seeds" / "ductography-faq.txt"
faq_migration = importlib.import_module("procedures.migrations.0003_ductogram_and_faq")


def ductogram_faq() -> list[FaqEntry]:
    return list(FaqEntry.objects.filter(procedure_type__code="DUCTOGRAM"))


def text_of(entries) -> str:
    return " ".join(f"{e.question} {e.answer}" for e in entries).lower()


def answers_mentioning(*words: str) -> list[FaqEntry]:
    """Entries whose answer mentions every one of `words` (case-insensitive)."""
    return [e for e in ductogram_faq() if all(w.lower() in e.answer.lower() for w in words)]


def normalised(question: str) -> str:
    q = question.lower().replace("galactogram", "ductogram").replace("galactography", "ductography")
    return re.sub(r"[^a-z ]", "", q).strip()


def test_the_ductogram_is_loaded_with_its_usual_times_and_preparation():
    ductogram = ProcedureType.objects.get(code="DUCTOGRAM")
    assert (ductogram.min_duration, ductogram.default_duration, ductogram.max_duration) == (30, 45, 60)
    assert ductogram.arrival_lead == 15
    preparation = ductogram.preparation.lower()
    for fact in ("squeeze", "deodorant", "two-piece", "pregnant", "iodine", "15 minutes"):
        assert fact in preparation, fact


def test_the_ductogram_faq_is_loaded_and_active():
    entries = ductogram_faq()
    assert len(entries) >= 10
    assert all(e.is_active for e in entries)
    assert [e.order for e in entries] == sorted(e.order for e in entries)
    assert len({e.order for e in entries}) == len(entries)


def test_no_page_debris_is_left_in_any_question_or_answer():
    for entry in ductogram_faq():
        for text in (entry.question, entry.answer):
            assert "rewind" not in text.lower(), entry.question
            assert "seconds." not in text.lower(), entry.question
            assert text == text.strip() and "  " not in text and "\n" not in text, entry.question
        # A heading doubled into the answer ("What is breast ductography? What is breast ductography? ...").
        assert entry.question.lower().rstrip("?") not in entry.answer.lower(), entry.question
        assert entry.question.endswith("?"), entry.question
        assert entry.answer.endswith("."), entry.question


def test_no_question_is_asked_twice_even_under_the_other_name():
    questions = [normalised(e.question) for e in ductogram_faq()]
    repeated = [q for q, n in Counter(questions).items() if n > 1]
    assert repeated == []


@pytest.mark.parametrize("topic", ["about", "procedure", "duration", "discomfort"])
def test_what_it_is_how_it_is_done_how_long_and_does_it_hurt_are_each_answered_once(topic):
    """The seed says each of these twice (ductogram / galactogram); the FAQ says it once."""
    assert sum(e.topic == topic for e in ductogram_faq()) == 1


def test_the_galactogram_name_is_explained_once_not_asked_about_separately():
    assert not [e for e in ductogram_faq() if "galactogram" in e.question.lower()]
    assert len(answers_mentioning("galactogram")) == 1


def test_every_entry_has_a_known_topic_and_at_least_one_known_stage():
    for entry in ductogram_faq():
        assert entry.topic in FaqEntry.Topic.values, entry.question
        assert isinstance(entry.stages, list) and entry.stages, entry.question
        assert set(entry.stages) <= set(Stage.values), entry.question
        assert len(entry.stages) == len(set(entry.stages)), entry.question
        entry.full_clean()


def test_every_topic_has_an_entry():
    topics = {e.topic for e in ductogram_faq()}
    assert topics == set(FaqEntry.Topic.values)


def test_the_week_before_reminder_carries_the_whole_faq():
    assert all(Stage.WEEK_BEFORE in e.stages for e in ductogram_faq())


def test_the_booking_confirmation_says_what_the_test_is_how_it_is_done_how_long_and_not_to_express():
    confirmation = [e for e in ductogram_faq() if Stage.BOOKING_CONFIRMATION in e.stages]
    assert {"about", "procedure", "duration"} <= {e.topic for e in confirmation}
    text = text_of(confirmation)
    assert "30 and 60 minutes" in text
    assert re.search(r"(do not|don't) (squeeze|express)", text)


def test_the_day_before_reminder_says_arrive_early_no_deodorant_and_a_two_piece_outfit():
    text = text_of(e for e in ductogram_faq() if Stage.DAY_BEFORE in e.stages)
    for fact in ("15 minutes", "deodorant", "lotion", "two-piece"):
        assert fact in text, fact


def test_the_two_days_before_reminder_asks_whether_the_discharge_is_still_there():
    entries = [e for e in ductogram_faq() if Stage.TWO_DAYS_BEFORE in e.stages]
    assert any("discharge has stopped" in e.answer for e in entries)


def test_event_notices_carry_no_faq():
    for entry in ductogram_faq():
        assert Stage.RESCHEDULED not in entry.stages and Stage.CANCELLATION not in entry.stages, entry.question


# Kinds (migration 0010): what a reminder may carry.

KIND_OF_TOPIC = {
    "about": "procedure",
    "procedure": "procedure",
    "duration": "procedure",
    "discomfort": "procedure",
    "preparation": "preparation",
    "aftercare": "after",
    "background": "background",
}


def test_every_entry_has_the_kind_its_topic_implies():
    for entry in ductogram_faq():
        assert entry.kind == KIND_OF_TOPIC[entry.topic], entry.question


def test_how_milk_is_made_and_where_is_background_that_no_reminder_carries():
    background = [e for e in ductogram_faq() if e.kind == FaqEntry.Kind.BACKGROUND]
    assert {"How does milk come out of the nipple?", "Where in the breast is milk made?"} <= {
        e.question for e in background
    }
    assert not any(e.in_reminders for e in background)


def test_each_preparation_entry_has_a_one_line_point_to_lead_a_reminder():
    for entry in ductogram_faq():
        if entry.kind == FaqEntry.Kind.PREPARATION:
            assert entry.point and len(entry.point) <= 160 and "\n" not in entry.point, entry.question
            assert entry.point.endswith("."), entry.question
        else:
            assert entry.point == "", entry.question


def test_every_reminder_stage_has_preparation_points():
    for stage in (Stage.BOOKING_CONFIRMATION, Stage.WEEK_BEFORE, Stage.TWO_DAYS_BEFORE, Stage.DAY_BEFORE):
        assert any(e.point and stage in e.stages for e in ductogram_faq()), stage


# The preparation a patient needs, each said in some answer and filed as preparation or aftercare.

PREPARATION_FACTS = {
    "do not express the nipple beforehand": ("not squeeze", "express", "3 days"),
    "no deodorant on the day": ("deodorant",),
    "no talcum powder": ("powder",),
    "no lotion": ("lotion",),
    "a two-piece outfit": ("two-piece",),
    "tell us about pregnancy": ("pregnant",),
    "tell us about a contrast allergy": ("contrast", "iodine"),
    "tell us about infection": ("infected",),
    "tell us about blood thinners": ("thins the blood",),
    "arrive 15 minutes early": ("arrive 15 minutes",),
    "call if the discharge has stopped": ("discharge has stopped", "call us"),
}


@pytest.mark.parametrize("words", PREPARATION_FACTS.values(), ids=PREPARATION_FACTS.keys())
def test_the_preparation_entries_tell_the_patient(words):
    entries = answers_mentioning(*words)
    assert entries, words
    assert any(e.topic == FaqEntry.Topic.PREPARATION for e in entries)


def test_the_aftercare_entry_says_the_breast_may_be_mildly_sore_and_when_to_call():
    entries = [e for e in answers_mentioning("sore") if e.topic == FaqEntry.Topic.AFTERCARE]
    assert len(entries) == 1
    assert "fever" in entries[0].answer
    assert "paracetamol" in entries[0].answer


# The seed's content survives the cleaning.

SEED_FACTS = {
    "What is breast ductography?": ("contrast", "milk ducts", "bloody or clear discharge", "normal mammogram"),
    "How is ductography done?": ("like a mammogram", "dye", "in detail"),
    "How long does a Ductogram take?": ("30 and 60 minutes",),
    "How do you perform a galactogram?": ("through a very fine tube at the nipple", "surgeon"),
    "Does a galactogram hurt?": ("uncomfortable", "not usually painful", "opening of the duct"),
    "Is a Ductogram painful?": ("uncomfortable", "little discharge"),
    "How does milk come out of nipples?": ("oxytocin", "lobules", "let-down reflex", "milk-ejection reflex"),
    "Where does milk come out of a woman?": ("mammary glands", "alveoli", "lobule", "lobe"),
    "Can you squeeze fluid from nipples?": ("squeezed", "bra", "jogging"),
}


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the FAQ seed is not at {SEED}")
    return SEED.read_text(encoding="utf-8")


def seed_questions(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().endswith("?")]


def test_the_seed_questions_checked_here_are_the_seeds_questions(seed_text):
    """If the seed changes, this list (and the migration) must be revisited."""
    assert set(seed_questions(seed_text)) == set(SEED_FACTS)


@pytest.mark.parametrize("question, facts", SEED_FACTS.items(), ids=list(SEED_FACTS))
def test_every_seed_answer_is_kept_in_some_faq_answer(seed_text, question, facts):
    assert question in seed_text
    answers = " ".join(e.answer for e in ductogram_faq())
    for fact in facts:
        assert fact in answers, f"{question!r}: {fact!r}"


# The migration itself.


def test_loading_the_faq_again_adds_nothing():
    before = sorted(FaqEntry.objects.values_list("question", "answer", "topic", "order"))
    faq_migration.load(django_apps, None)
    assert sorted(FaqEntry.objects.values_list("question", "answer", "topic", "order")) == before


def test_staff_edits_survive_loading_the_faq_again():
    entry = FaqEntry.objects.get(procedure_type__code="DUCTOGRAM", question="How long does it take?")
    entry.answer = "About 45 minutes."
    entry.save()
    faq_migration.load(django_apps, None)
    entry.refresh_from_db()
    assert entry.answer == "About 45 minutes."


def overlap_constraints() -> set[str]:
    """The exclusion constraints of migration 0002 (PostgreSQL only; none on SQLite)."""
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'procedures_appointment'::regclass AND contype = 'x'"
        )
        return {name for (name,) in cursor.fetchall()}


# Transactional, because migrations change the schema; serialized_rollback restores the migrations' rows before the
# test (so there is a FAQ to reverse) and the flush afterwards leaves other transactional tests what they expect.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_faq_and_overlap_migrations_can_be_reversed_and_applied_again():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    assert executor.migration_plan(latest) == []
    assert len(ductogram_faq()) == len(faq_migration.FAQ)
    try:
        call_command("migrate", "procedures", "0002", verbosity=0)
        assert not FaqEntry.objects.filter(procedure_type__code="DUCTOGRAM").exists()
        call_command("migrate", "procedures", "0001", verbosity=0)
        assert overlap_constraints() == set()
    finally:
        call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        assert overlap_constraints() == {"appointment_no_room_overlap", "appointment_no_radiologist_overlap"}
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(latest) == []
    entries = ductogram_faq()
    assert len(entries) == len(faq_migration.FAQ)
    assert len({e.question for e in entries}) == len(entries)
    assert {e.question for e in entries} == {question for _, _, question, _ in faq_migration.FAQ}
