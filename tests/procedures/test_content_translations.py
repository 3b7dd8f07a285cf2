"""The clinic's own content in the patient's language: the FAQ, the preparation and the room's directions, in Welsh,
Polish and Urdu as shipped (migration 0019, unreviewed), English wherever a translation is missing, read as cheaply
in four languages as in one.

"Now" is frozen at Wednesday 5 June 2030, 12:00 in London; FAR is Monday 24 June 2030 at 10:00.
"""

import html
import importlib
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from procedures import translations
from procedures.models import (
    FaqEntry,
    FaqEntryTranslation,
    ProcedureType,
    ProcedureTypeTranslation,
    Room,
    RoomTranslation,
)
from procedures.patient_page import selectors
from procedures.patient_page import services as patient_services
from reminders import queueing, services
from reminders.models import Reminder
from reminders.stages import Stage
from tests.clinic import FAR
from tests.factories import PatientFactory, RoomFactory
from tests.messages import render

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

seeded = importlib.import_module("procedures.migrations.0003_ductogram_and_faq")
shipped = importlib.import_module("procedures.migrations.0019_ship_welsh_polish_urdu_content")
SEEDED_QUESTIONS = [question for _, _, question, _ in seeded.FAQ]
WEEK = Stage.WEEK_BEFORE

DIRECTIONS = {"en-gb": "Level 2, Rose Wing, first door on the left", "cy": "Lefel 2, Adain y Rhosyn, y drws cyntaf"}


@pytest.fixture
def rose_wing():
    room = RoomFactory(name="Mammo Room 7", location=DIRECTIONS["en-gb"])
    RoomTranslation.objects.create(source=room, language="cy", location=DIRECTIONS["cy"])
    return room


def week_before_email(appointment):
    return render(appointment.reminders.get(stage=WEEK, channel="email", occasion=""))


def in_week_before_email(language: str) -> list[FaqEntryTranslation]:
    """The shipped translations, in `language`, of the entries the week-before email carries (its first five)."""
    entries = FaqEntry.objects.filter(is_active=True, kind__in=FaqEntry.KINDS_IN_REMINDERS).order_by("order", "id")
    shown = [entry for entry in entries if WEEK in entry.stages][:5]
    return [entry.translations.get(language=language) for entry in shown]


# --- Messages ---------------------------------------------------------------------------------------------------------


def test_a_welsh_patient_gets_the_week_before_email_with_the_faq_answered_in_welsh(book, rose_wing):
    appointment = book(FAR, patient=PatientFactory(language="cy"), room=rose_wing)

    message = week_before_email(appointment)

    text, page = message.text, html.unescape(message.html)
    for welsh in in_week_before_email("cy"):
        assert welsh.question in text and welsh.answer in text
        assert welsh.question in page and welsh.answer in page
        assert welsh.source.answer not in text, "the English answer is replaced, not added to"
    assert "Peidiwch â gwasgu na godro eich teth am 3 diwrnod cyn y prawf." in text  # the Welsh preparation point
    assert DIRECTIONS["cy"] in text and DIRECTIONS["cy"] in page
    assert DIRECTIONS["en-gb"] not in text


def test_an_english_patient_in_the_same_room_still_reads_the_english(book, rose_wing):
    message = week_before_email(book(FAR, room=rose_wing))

    for welsh in in_week_before_email("cy"):
        assert welsh.source.answer in message.text and welsh.answer not in message.text
    assert DIRECTIONS["en-gb"] in message.text


def test_an_entry_with_no_polish_translation_reaches_a_polish_patient_in_english(book):
    untranslated, *translated = in_week_before_email("pl")
    untranslated.delete()

    message = week_before_email(book(FAR, patient=PatientFactory(language="pl")))

    assert untranslated.source.question in message.text and untranslated.source.answer in message.text
    for polish in translated:
        assert polish.answer in message.text


def test_a_patient_whose_language_is_not_offered_reads_the_english_faq(book, settings):
    settings.PATIENT_LANGUAGES = ["en-gb", "cy"]

    message = week_before_email(book(FAR, patient=PatientFactory(language="pl")))

    for polish in in_week_before_email("pl"):
        assert polish.source.answer in message.text and polish.answer not in message.text


# --- The patient's page -----------------------------------------------------------------------------------------------


def test_the_patients_page_content_is_in_urdu_with_english_where_a_translation_is_missing(ductogram):
    missing = ductogram.faq_entries.get(question="When will I get my results?")
    missing.translations.filter(language="ur").delete()

    with translation.override("ur"):
        entries = patient_services.faq_entries(ductogram)
        content = patient_services.preparation_content(ductogram, entries)

    urdu = {t.source_id: t for t in FaqEntryTranslation.objects.filter(language="ur")}
    for entry in entries:
        expected = urdu[entry.pk].answer if entry.pk in urdu else entry.entry.answer
        assert entry.answer == expected
    assert missing.answer in [entry.answer for entry in entries]
    urdu_preparation = ductogram.translations.get(language="ur").preparation
    assert content["preparation"][0] in urdu_preparation
    assert len(content["preparation"]) == len(patient_services.preparation_lines(ductogram))
    assert content["language"] == "ur"  # a read records which words were read


def test_an_english_reads_record_is_as_before_so_reads_already_kept_stay_current(ductogram):
    content = patient_services.preparation_content(ductogram)

    assert set(content) == {"preparation", "faq"}
    assert content["faq"][0]["question"] == "What is a ductogram?"


def test_a_welsh_read_of_the_preparation_is_kept_in_welsh_and_staff_see_it_current_until_the_welsh_changes(
    book, scheduler
):
    appointment = book(FAR, patient=PatientFactory(language="cy"))
    with translation.override("cy"):  # the patient's page speaks Welsh
        shown = patient_services.preparation_content(appointment.procedure_type)
        read, _ = patient_services.record_preparation_read(appointment, seen_hash=patient_services.content_hash(shown))

    welsh = appointment.procedure_type.translations.get(language="cy")
    assert read.content["language"] == "cy" and read.content["preparation"][0] in welsh.preparation
    assert selectors.appointment_panel(appointment, scheduler)["read_is_current"]  # on a staff page, in English

    welsh.preparation = welsh.preparation.replace("3 diwrnod", "4 diwrnod")
    welsh.save()
    assert not selectors.appointment_panel(appointment, scheduler)["read_is_current"]


def test_a_room_with_no_translation_gives_its_english_directions(rose_wing):
    assert translations.directions_in("cy", rose_wing) == DIRECTIONS["cy"]
    assert translations.directions_in("pl", rose_wing) == DIRECTIONS["en-gb"]
    assert translations.directions_in("en-gb", rose_wing) == DIRECTIONS["en-gb"]


def test_a_preparation_point_cleared_in_english_is_not_shown_in_welsh(ductogram):
    entry = ductogram.faq_entries.get(question="What should I wear?")
    entry.point = ""
    entry.save()

    (welsh,) = translations.faq_in("cy", [entry])

    assert welsh.point == "" and welsh.question == entry.translations.get(language="cy").question


def test_a_translation_never_outlives_its_english(ductogram, rose_wing):
    ProcedureType.objects.filter(pk=ductogram.pk).update(preparation="")
    rose_wing.location = ""
    ductogram.refresh_from_db()

    assert translations.preparation_in("cy", ductogram) == ""
    assert translations.directions_in("cy", rose_wing) == ""


# --- What a batch costs -----------------------------------------------------------------------------------------------


@pytest.fixture
def send_due_confirmations(django_capture_on_commit_callbacks, mailoutbox, sms_outbox, own_cache):
    """Claims the due rows and sends their batches (one a channel); returns (the queries sending took, batches)."""

    def _send() -> tuple[int, int]:
        queued: list[int] = []
        with django_capture_on_commit_callbacks(execute=True):
            services.dispatch_due(queue=queued.extend)
        channels = dict(Reminder.objects.filter(pk__in=queued).values_list("pk", "channel"))
        batches = queueing.batches_by_channel([(pk, channels[pk]) for pk in queued])
        with CaptureQueriesContext(connection) as sending:
            for batch in batches:
                services.send_batch(batch)
        return len(sending.captured_queries), len(batches)

    return _send


def test_a_batch_in_four_languages_reads_the_content_as_often_as_a_batch_in_english(
    book, rose_wing, ductogram, send_due_confirmations, mailoutbox
):
    languages = ["en-gb", "cy", "pl", "ur"]
    for hour in range(4):
        book(FAR + timedelta(hours=hour), room=rose_wing)
    in_english, _ = send_due_confirmations()
    for hour, language in enumerate(languages):
        book(FAR + timedelta(days=1, hours=hour), patient=PatientFactory(language=language), room=rose_wing)
    in_four, batches = send_due_confirmations()
    for n in range(10):  # more entries, each in every language
        entry = FaqEntry.objects.create(
            procedure_type=ductogram, question=f"Extra {n}?", answer="Yes.", topic="about", kind="procedure"
        )
        for language in languages[1:]:
            FaqEntryTranslation.objects.create(
                source=entry, language=language, question=f"{language} {n}?", answer=f"{language} {n}."
            )
    for hour, language in enumerate(languages):
        book(FAR + timedelta(days=2, hours=hour), patient=PatientFactory(language=language), room=rose_wing)
    with_more_entries, _ = send_due_confirmations()

    assert in_four == with_more_entries, "more entries and translations cost no query"
    assert batches == 2  # emails, texts
    assert in_four <= in_english + batches, "the rooms' directions in other languages are read once a batch"
    welsh = next(m for m in mailoutbox if DIRECTIONS["cy"] in m.body)
    assert FaqEntry.objects.get(question="What is a ductogram?").translations.get(language="cy").answer in welsh.body


# --- The shipped translations (migration 0019) ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["cy", "pl", "ur"])
def test_every_seeded_faq_entry_and_the_preparation_are_shipped_in_the_language_unreviewed(language):
    for question in SEEDED_QUESTIONS:
        entry = FaqEntry.objects.get(procedure_type__code="DUCTOGRAM", question=question)
        shipped_one = entry.translations.get(language=language)
        assert shipped_one.question.strip() and shipped_one.answer.strip(), question
        assert bool(shipped_one.point.strip()) == bool(entry.point), question
        assert shipped_one.question != entry.question and shipped_one.answer != entry.answer
        assert not shipped_one.is_reviewed and shipped_one.reviewed_by is None
    preparation = ProcedureTypeTranslation.objects.get(source__code="DUCTOGRAM", language=language)
    english = ProcedureType.objects.get(code="DUCTOGRAM").preparation
    assert len(preparation.preparation.splitlines()) == len(english.splitlines())
    assert not preparation.is_reviewed


def test_polish_addresses_the_patient_as_pani_and_urdu_uses_the_polite_aap():
    polish = " ".join(t.answer for t in FaqEntryTranslation.objects.filter(language="pl"))
    urdu = " ".join(t.answer for t in FaqEntryTranslation.objects.filter(language="ur"))
    assert "Pani" in polish and " ty " not in f" {polish.lower()} "
    assert "آپ" in urdu and "تم " not in urdu


def test_the_shipping_skips_an_entry_the_clinic_rewrote_or_deleted_and_keeps_a_clinics_own_translation():
    FaqEntryTranslation.objects.all().delete()
    ProcedureTypeTranslation.objects.all().delete()
    rewritten = FaqEntry.objects.get(question="Does it hurt?")
    rewritten.answer = "Our own words."
    rewritten.save()
    FaqEntry.objects.filter(question="What should I wear?").delete()
    ours = FaqEntry.objects.get(question="How long does it take?")
    FaqEntryTranslation.objects.create(source=ours, language="cy", question="Pa mor hir?", answer="Ein geiriau ni.")

    shipped.ship(django_apps, connection.schema_editor)

    assert not rewritten.translations.exists()
    assert ours.translations.get(language="cy").answer == "Ein geiriau ni."
    assert ours.translations.filter(language="pl").exists()
    assert FaqEntryTranslation.objects.values("source").distinct().count() == len(SEEDED_QUESTIONS) - 2


def test_the_demo_rooms_directions_come_in_welsh_polish_and_urdu_once(settings):
    settings.DEBUG = True
    for _ in range(2):
        call_command("seed_demo", stdout=StringIO(), stderr=StringIO())

    for room in Room.objects.filter(name__in=["Mammo Room 1", "Mammo Room 2"]):
        shipped_rooms = {t.language: t for t in room.translations.all()}
        assert set(shipped_rooms) == {"cy", "pl", "ur"}
        assert all(t.location.strip() and not t.is_reviewed for t in shipped_rooms.values())
