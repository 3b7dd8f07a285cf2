"""Learned durations: the 80th percentile of the last 50 performed procedures, the radiologist's when they have 10."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from procedures.booking.durations import DEFAULT, PROCEDURE_TYPE, RADIOLOGIST, suggest_duration
from procedures.models import ProcedureResult
from tests.clinic import NOW
from tests.factories import ProcedureResultFactory, RadiologistFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

BOOK_URL = reverse("procedures:book")


def logged(minutes, *, performed_by=None, booked_with=None, days_ago=1, **overrides):
    """One result per entry of `minutes`, the first the most recent, a day apart from `days_ago` back."""
    results = []
    for i, length in enumerate(minutes if isinstance(minutes, list) else [minutes]):
        start = NOW - timedelta(days=days_ago + i, hours=2)
        fields = {
            "appointment__scheduled_start": start,
            "appointment__radiologist": booked_with,
            "performed_by": performed_by,
            "started_at": start,
            "ended_at": start + timedelta(minutes=length),
        }
        fields.update(overrides)
        results.append(ProcedureResultFactory(**fields))
    return results


def test_a_radiologist_with_10_or_more_gets_their_own_80th_percentile_rounded_up(ductogram, radiologist):
    logged([30] * 2 + [41] * 6 + [52] * 2, performed_by=radiologist)  # 80% within 41 -> 45
    logged([58] * 20)  # others' are longer: not used
    suggestion = suggest_duration(procedure_type=ductogram, radiologist=radiologist)
    assert (suggestion.minutes, suggestion.sample_size, suggestion.basis) == (45, 10, RADIOLOGIST)
    assert suggestion.explanation == "usually 45 min: 80% of Adaeze Okafor's last 10 ductograms ended within it"


def test_nearest_rank_takes_the_value_at_the_80_percent_rank(ductogram):
    # 12 results: rank ceil(0.8 * 12) = 10 -> the 10th shortest, 46 minutes -> 50.
    logged([31, 32, 33, 34, 35, 36, 37, 38, 39, 46, 59, 59])
    suggestion = suggest_duration(procedure_type=ductogram)
    assert (suggestion.minutes, suggestion.sample_size, suggestion.basis) == (50, 12, PROCEDURE_TYPE)


def test_a_duration_on_the_step_stays_and_a_second_over_goes_up(ductogram, radiologist):
    logged([40] * 10)
    assert suggest_duration(procedure_type=ductogram).minutes == 40
    logged([40 + 1 / 60] * 10, performed_by=radiologist, days_ago=20)  # 40 min 1 s
    assert suggest_duration(procedure_type=ductogram, radiologist=radiologist).minutes == 45


def test_the_result_of_a_booked_radiologist_counts_when_nobody_was_recorded_as_performing(ductogram, radiologist):
    logged([50] * 10, booked_with=radiologist)
    logged([50] * 5, booked_with=radiologist, performed_by=RadiologistFactory(), days_ago=20)  # someone else did
    suggestion = suggest_duration(procedure_type=ductogram, radiologist=radiologist)
    assert (suggestion.minutes, suggestion.sample_size, suggestion.basis) == (50, 10, RADIOLOGIST)


def test_a_radiologist_with_fewer_than_10_gets_the_types(ductogram, radiologist):
    logged([55] * 9, performed_by=radiologist)
    logged([35] * 11, days_ago=10)
    suggestion = suggest_duration(procedure_type=ductogram, radiologist=radiologist)
    # The type's last 20: 9 of 55 and 11 of 35 -> the 16th shortest is 55.
    assert (suggestion.minutes, suggestion.sample_size, suggestion.basis) == (55, 20, PROCEDURE_TYPE)
    assert suggestion.explanation == (
        "usually 55 min: 80% of the last 20 logged ductograms ended within it "
        "(Adaeze Okafor has 9 logged yet, fewer than 10)"
    )
    newcomer = RadiologistFactory(first_name="Tomás", last_name="Reyes")
    assert suggest_duration(procedure_type=ductogram, radiologist=newcomer).explanation.endswith(
        "(none logged by Tomás Reyes yet, fewer than 10)"
    )


def test_fewer_than_10_overall_keeps_the_types_default(ductogram, radiologist):
    logged([59] * 9, performed_by=radiologist)
    for who in (radiologist, None):
        suggestion = suggest_duration(procedure_type=ductogram, radiologist=who)
        assert (suggestion.minutes, suggestion.sample_size, suggestion.basis) == (45, 9, DEFAULT)
        assert suggestion.explanation == "the usual 45 min: fewer than 10 logged ductograms to learn from yet"


def test_a_suggestion_is_clamped_to_the_types_bounds_both_ways(ductogram):
    logged([12] * 10)
    short = suggest_duration(procedure_type=ductogram)
    assert short.minutes == 30
    assert short.explanation == (
        "30 min, the shortest ductogram booking: 80% of the last 10 logged ductograms ended within 15 min"
    )
    ProcedureResult.objects.all().delete()
    logged([95] * 10)
    long = suggest_duration(procedure_type=ductogram)
    assert long.minutes == 60
    assert long.explanation == (
        "60 min, the longest booking without a reason: 80% of the last 10 logged ductograms ended within 95 min"
    )


def test_only_performed_procedures_with_sensible_times_before_now_count(ductogram, settings):
    settings.RESULT_MAX_HOURS = 4
    logged([35] * 10)
    logged([59] * 3, outcome=ProcedureResult.Outcome.NO_DISCHARGE)
    logged([59] * 2, outcome=ProcedureResult.Outcome.CANNULATION_FAILED)
    logged([59] * 2, started_at=None)
    logged([59] * 2, ended_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        logged([0])  # no time at all: the database refuses it now (result_ends_after_start), so it never counts
    logged([5 * 60] * 3)  # absurd: longer than RESULT_MAX_HOURS
    logged([59] * 3, days_ago=-5)  # after now
    suggestion = suggest_duration(procedure_type=ductogram)
    assert (suggestion.minutes, suggestion.sample_size) == (35, 10)


def test_a_result_still_running_at_now_does_not_count(ductogram):
    logged([35] * 10)
    start = NOW - timedelta(minutes=20)
    ProcedureResultFactory(appointment__scheduled_start=start, started_at=start, ended_at=start + timedelta(hours=1))
    assert suggest_duration(procedure_type=ductogram).sample_size == 10


def test_other_procedure_types_do_not_count(ductogram):
    from tests.factories import ProcedureTypeFactory

    other = ProcedureTypeFactory(code="GALACTO", name="Galactogram")
    logged([35] * 10)
    logged([59] * 10, appointment__procedure_type=other)
    assert (suggest_duration(procedure_type=ductogram).minutes, suggest_duration(procedure_type=other).minutes) == (
        35,
        60,
    )


def test_only_the_50_most_recent_count(ductogram, radiologist):
    logged([35] * 50, performed_by=radiologist)
    logged([59] * 30, performed_by=radiologist, days_ago=51)  # older: left out
    suggestion = suggest_duration(procedure_type=ductogram, radiologist=radiologist)
    assert (suggestion.minutes, suggestion.sample_size) == (35, 50)
    assert (
        suggest_duration(procedure_type=ductogram).minutes,
        suggest_duration(procedure_type=ductogram).sample_size,
    ) == (
        35,
        50,
    )


def test_the_radiologists_last_50_are_theirs_even_when_others_fill_the_types_last_50(ductogram, radiologist):
    logged([35] * 50)  # the type's latest 50, by others
    logged([55] * 12, performed_by=radiologist, days_ago=51)
    logged([20] * 5, performed_by=radiologist, days_ago=70)  # their 13th-17th latest: still among their 50
    own = suggest_duration(procedure_type=ductogram, radiologist=radiologist)
    assert (own.minutes, own.sample_size, own.basis) == (55, 17, RADIOLOGIST)
    overall = suggest_duration(procedure_type=ductogram)
    assert (overall.minutes, overall.sample_size) == (35, 50)


def test_a_suggestion_runs_one_query(ductogram, radiologist, django_assert_num_queries):
    logged([35] * 12, performed_by=radiologist)
    logged([45] * 55, days_ago=20)
    with django_assert_num_queries(1):
        assert suggest_duration(procedure_type=ductogram, radiologist=radiologist).basis == RADIOLOGIST
    with django_assert_num_queries(1):
        assert suggest_duration(procedure_type=ductogram).basis == PROCEDURE_TYPE
    newcomer = RadiologistFactory()
    with django_assert_num_queries(1):
        assert suggest_duration(procedure_type=ductogram, radiologist=newcomer).basis == PROCEDURE_TYPE


def test_now_can_be_given(ductogram):
    logged([35] * 10)
    assert suggest_duration(procedure_type=ductogram, now=NOW - timedelta(days=30)).basis == DEFAULT


# The booking page


def test_the_booking_page_prefills_the_learned_duration_and_says_why(as_scheduler, ductogram, room1):
    logged([50] * 10)
    page = as_scheduler.get(BOOK_URL)
    assert page.context["form"]["expected_duration"].value() == 50
    assert "usually 50 min: 80% of the last 10 logged ductograms ended within it" in page.content.decode()


def test_the_booking_page_says_when_there_is_too_little_to_learn_from(as_scheduler, ductogram, room1):
    page = as_scheduler.get(BOOK_URL)
    assert page.context["form"]["expected_duration"].value() == 45
    assert "the usual 45 min: fewer than 10 logged ductograms to learn from yet" in page.content.decode()


def search_post(**fields) -> dict:
    data = {
        "action": "search",
        "patient_source": "existing",
        "patient_query": "Hughes",
        "radiologist": "",
        "expected_duration": "45",
        "suggested_duration": "45",
    }
    data.update({k: str(v) for k, v in fields.items()})
    return data


def test_after_find_the_duration_follows_the_chosen_radiologist(as_scheduler, ductogram, radiologist, room1):
    logged([55] * 10, performed_by=radiologist)
    page = as_scheduler.post(BOOK_URL, search_post(radiologist=radiologist.pk))  # the 45 shown, untouched
    assert page.status_code == 200
    assert page.context["form"]["expected_duration"].value() == 55  # this radiologist's: 55
    html = page.content.decode()
    assert "usually 55 min: 80% of Adaeze Okafor&#x27;s last 10 ductograms ended within it" in html
    assert 'name="suggested_duration" value="55"' in html


def test_after_find_an_untouched_duration_follows_a_radiologist_chosen_since(
    as_scheduler, ductogram, radiologist, room1
):
    logged([55] * 10, performed_by=radiologist)
    page = as_scheduler.post(
        BOOK_URL, search_post(radiologist=radiologist.pk, expected_duration=40, suggested_duration=40)
    )
    assert page.context["form"]["expected_duration"].value() == 55


def test_a_duration_the_scheduler_typed_stays(as_scheduler, ductogram, radiologist, room1):
    logged([55] * 10, performed_by=radiologist)
    page = as_scheduler.post(BOOK_URL, search_post(radiologist=radiologist.pk, expected_duration=35))
    assert page.context["form"]["expected_duration"].value() == "35"
