"""Reviewing the translations of what patients read: in the admin, by someone who reads the language, recorded with
who and when; changed words need a new review; and a clinic that offers a language with unreviewed content hears
about it at start-up (procedures.checks)."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse

from procedures import checks
from procedures.models import FaqEntry, FaqEntryTranslation, ProcedureTypeTranslation, Room, RoomTranslation
from procedures.services import mark_reviewed
from tests.clinic import NOW
from tests.factories import RoomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def changelist(model) -> str:
    return reverse(f"admin:procedures_{model._meta.model_name}_changelist")


def review_everything_in(language: str, by) -> None:
    for model in (FaqEntryTranslation, ProcedureTypeTranslation, RoomTranslation):
        mark_reviewed(model.objects.filter(language=language), by=by)


def warnings_now() -> list[str]:
    return [warning.msg for warning in checks.offered_languages_reviewed(None)]


# --- The rule: changed words need a new review ------------------------------------------------------------------------


def test_editing_a_reviewed_translations_words_clears_its_review(superuser):
    welsh = FaqEntryTranslation.objects.get(source__question="What should I wear?", language="cy")
    mark_reviewed([welsh], by=superuser)
    welsh = FaqEntryTranslation.objects.get(pk=welsh.pk)
    assert welsh.is_reviewed and welsh.reviewed_by == superuser

    welsh.save()  # saved again, the same words: the review stands
    assert FaqEntryTranslation.objects.get(pk=welsh.pk).is_reviewed

    welsh.answer += " Dewch â sanau cynnes."
    welsh.save(update_fields=["answer"])

    saved = FaqEntryTranslation.objects.get(pk=welsh.pk)
    assert saved.answer.endswith("sanau cynnes.")
    assert not saved.is_reviewed and saved.reviewed_by is None and saved.reviewed_at is None


def test_editing_the_words_in_the_admin_inline_clears_the_review(client, superuser):
    entry = FaqEntry.objects.get(question="When should I arrive?")
    welsh = entry.translations.get(language="cy")
    mark_reviewed([welsh], by=superuser)
    client.force_login(superuser)
    url = reverse("admin:procedures_faqentry_change", args=[entry.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["stages"] = entry.stages
    inline = {"translations-TOTAL_FORMS": "3", "translations-INITIAL_FORMS": "3"}
    for n, shipped in enumerate(entry.translations.order_by("pk")):
        inline |= {
            f"translations-{n}-id": shipped.pk,
            f"translations-{n}-source": entry.pk,
            f"translations-{n}-language": shipped.language,
            f"translations-{n}-question": shipped.question,
            f"translations-{n}-answer": shipped.answer + (" Diolch." if shipped.pk == welsh.pk else ""),
            f"translations-{n}-point": shipped.point,
        }

    response = client.post(url, data | inline)

    assert response.status_code == 302, response.context and response.context["errors"]
    welsh.refresh_from_db()
    assert welsh.answer.endswith("Diolch.") and not welsh.is_reviewed


def faq_form_as_shown(client, entry) -> dict:
    """The FAQ entry's change form as the admin shows it, posted back with its translations inline untouched."""
    form = client.get(reverse("admin:procedures_faqentry_change", args=[entry.pk])).context["adminform"].form
    data = {name: form.initial[name] for name in form.fields if form.initial.get(name) is not None}
    data["is_active"] = "on" if entry.is_active else ""
    return data | {"translations-TOTAL_FORMS": "0", "translations-INITIAL_FORMS": "0"}


def test_changing_the_english_in_the_admin_clears_the_reviews_of_its_translations(client, superuser):
    entry = FaqEntry.objects.get(question="What should I wear?")
    other = FaqEntry.objects.get(question="Does it hurt?")
    mark_reviewed(FaqEntryTranslation.objects.filter(source__in=[entry, other]), by=superuser)
    client.force_login(superuser)
    url = reverse("admin:procedures_faqentry_change", args=[entry.pk])

    kept = client.post(url, faq_form_as_shown(client, entry) | {"order": entry.order + 1})
    assert kept.status_code == 302
    assert all(t.is_reviewed for t in entry.translations.all()), "the order is not words a translation carries"

    changed = client.post(
        url, faq_form_as_shown(client, entry) | {"answer": "Loose, comfortable clothes."}, follow=True
    )

    assert "3 reviewed translation(s) need updating and reviewing again" in changed.content.decode()
    assert not any(t.is_reviewed for t in entry.translations.all())
    assert all(t.is_reviewed for t in other.translations.all())


def test_english_is_the_source_and_one_translation_a_language_is_kept():
    entry = FaqEntry.objects.get(question="Does it hurt?")
    with pytest.raises(IntegrityError), transaction.atomic():
        FaqEntryTranslation.objects.create(source=entry, language="en-gb", question="Does it hurt?", answer="No.")
    with pytest.raises(IntegrityError), transaction.atomic():
        FaqEntryTranslation.objects.create(source=entry, language="cy", question="Eto?", answer="Eto.")


# --- The admin --------------------------------------------------------------------------------------------------------


def test_mark_reviewed_in_the_admin_records_who_reviewed_and_when(client, superuser, frozen_now):
    polish = FaqEntryTranslation.objects.filter(language="pl").order_by("pk")[:3]
    chosen = [t.pk for t in polish]
    client.force_login(superuser)
    frozen_now.shift(timedelta(minutes=5))

    response = client.post(
        changelist(FaqEntryTranslation), {"action": "mark_reviewed", "_selected_action": chosen}, follow=True
    )

    assert "Marked 3 translation(s) reviewed by you." in response.content.decode()
    for translation in FaqEntryTranslation.objects.filter(pk__in=chosen):
        assert translation.reviewed_by == superuser
        assert translation.reviewed_at == NOW + timedelta(minutes=5)
    assert (
        not FaqEntryTranslation.objects.filter(language="pl").exclude(pk__in=chosen).filter(reviewed_at__isnull=False)
    )
    history = FaqEntryTranslation.history.filter(id=chosen[0]).latest("history_date")
    assert history.history_user == superuser


def test_the_translations_list_filters_by_language_and_review_and_searches_both_languages(client, superuser):
    mark_reviewed(FaqEntryTranslation.objects.filter(language="cy")[:4], by=superuser)
    client.force_login(superuser)

    def listed(**params) -> set[int]:
        return {t.pk for t in client.get(changelist(FaqEntryTranslation), params).context["cl"].result_list}

    assert len(listed(language="cy", reviewed="no")) == 11
    assert len(listed(language="cy", reviewed="yes")) == 4
    assert len(listed(language="ur")) == 15
    found = listed(q="gŵn")  # the Welsh answer about the gown
    assert {FaqEntryTranslation.objects.get(pk=pk).language for pk in found} == {"cy"}
    assert len(listed(q="What should I wear?")) == 3  # by the English question: its three translations


def test_the_faq_list_shows_each_offered_languages_review_state(client, superuser, settings):
    settings.PATIENT_LANGUAGES = ["en-gb", "cy", "pl"]
    entry = FaqEntry.objects.get(question="What should I wear?")
    mark_reviewed(entry.translations.filter(language="cy"), by=superuser)
    entry.translations.filter(language="pl").delete()
    client.force_login(superuser)

    page = client.get(changelist(FaqEntry), {"q": "What should I wear?"}).content.decode()

    assert "cy: reviewed" in page and "pl: missing" in page
    assert "ur:" not in page  # not offered
    others = client.get(changelist(FaqEntry), {"q": "Does it hurt?"}).content.decode()
    assert "cy: unreviewed" in others and "pl: unreviewed" in others


def test_preparation_and_room_directions_are_reviewed_the_same_way(client, superuser):
    room = RoomFactory(name="Mammo Room 8", location="Level 2")
    welsh_room = RoomTranslation.objects.create(source=room, language="cy", location="Lefel 2")
    urdu_preparation = ProcedureTypeTranslation.objects.get(source__code="DUCTOGRAM", language="ur")
    client.force_login(superuser)

    for model, translation in ((RoomTranslation, welsh_room), (ProcedureTypeTranslation, urdu_preparation)):
        client.post(changelist(model), {"action": "mark_reviewed", "_selected_action": [translation.pk]})
        translation.refresh_from_db()
        assert translation.reviewed_by == superuser and translation.reviewed_at == NOW

    rooms = client.get(changelist(Room), {"q": "Mammo Room 8"}).content.decode()
    assert "cy: reviewed" in rooms and "pl: missing" in rooms


# --- The start-up check -----------------------------------------------------------------------------------------------


def test_the_start_up_check_names_each_offered_language_with_unreviewed_content(settings):
    settings.PATIENT_LANGUAGES = ["en-gb", "cy", "ur"]

    found = warnings_now()

    assert len(found) == 2
    welsh = next(w for w in found if "(PATIENT_LANGUAGES: cy)" in w)
    assert "Welsh" in welsh and "15 FAQ entries" in welsh and "1 preparation text" in welsh
    assert any("(PATIENT_LANGUAGES: ur)" in w and "Urdu" in w for w in found)
    assert all(w.id == "procedures.W001" for w in checks.offered_languages_reviewed(None))


def test_a_fully_reviewed_language_gives_no_warning(settings, superuser):
    settings.PATIENT_LANGUAGES = ["en-gb", "cy"]
    RoomTranslation.objects.create(source=RoomFactory(location="Level 2"), language="cy", location="Lefel 2")
    review_everything_in("cy", superuser)

    assert warnings_now() == []


def test_a_room_without_welsh_directions_keeps_the_warning(settings, superuser):
    settings.PATIENT_LANGUAGES = ["en-gb", "cy"]
    review_everything_in("cy", superuser)
    RoomFactory(name="Mammo Room 9", location="Ground floor, by the lifts")
    RoomFactory(name="Store", location="", is_active=True)  # no directions: nothing for patients to read

    (warning,) = warnings_now()

    assert "1 room's directions" in warning and "FAQ" not in warning


def test_a_new_faq_entry_with_no_translation_brings_the_warning_back(settings, superuser, ductogram):
    settings.PATIENT_LANGUAGES = ["en-gb", "cy"]
    review_everything_in("cy", superuser)
    FaqEntry.objects.create(procedure_type=ductogram, question="Can I drive home?", answer="Yes.", topic="aftercare")

    (warning,) = warnings_now()

    assert "1 FAQ entry" in warning


def test_a_language_not_offered_gives_no_warning(settings):
    settings.PATIENT_LANGUAGES = ["en-gb", "pl"]

    found = warnings_now()

    assert len(found) == 1 and "(PATIENT_LANGUAGES: pl)" in found[0]
    settings.PATIENT_LANGUAGES = ["en-gb"]
    assert warnings_now() == []


def test_the_check_says_nothing_before_the_tables_exist_or_without_a_database(monkeypatch):
    monkeypatch.setattr(connection.introspection, "table_names", lambda *args, **kwargs: ["django_migrations"])
    assert checks.offered_languages_reviewed(None) == []

    def unreachable(*args, **kwargs):
        raise DatabaseError("could not connect to server")

    monkeypatch.setattr(connection.introspection, "table_names", unreachable)
    assert checks.offered_languages_reviewed(None) == []
