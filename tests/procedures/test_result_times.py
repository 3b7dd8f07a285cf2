"""Issue 23, point 1: a result's times are entered, never assumed. The form fills the start from a check-in and no
end; a performed procedure saved without an end is refused; "Save: finished now" gives the end; only times a person
gave count in the suggested durations and the reports. Performed-by lists radiologists by name, and the message after
saving speaks the clinic's words. "Now" is Wed 5 June 2030, 12:00 London."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from procedures import services
from procedures.booking.durations import DEFAULT, suggest_duration
from procedures.models import Appointment, ProcedureResult
from procedures.models.results import END_NEEDED_SENTENCE
from procedures.reports import result_queries
from procedures.reports.period import Filters
from tests.clinic import NOW, TODAY, at
from tests.factories import AppointmentFactory, PatientFactory, ProcedureResultFactory, RadiologistFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

ADD = reverse("admin:procedures_procedureresult_add")


def checked_in_at(scheduler, frozen_now, when, **fields) -> Appointment:
    """An appointment at `when` whose patient was checked in ten minutes before it."""
    appointment = AppointmentFactory(scheduled_start=when, **fields)
    frozen_now.move_to(when - timedelta(minutes=10))
    services.check_in(appointment, by=scheduler)
    frozen_now.move_to(NOW)
    return appointment


def result_post(appointment, radiologist, **fields) -> dict:
    data = {
        "appointment": appointment.pk,
        "outcome": "performed",
        "started_at_0": TODAY.isoformat(),
        "started_at_1": "10:00",
        "ended_at_0": "",
        "ended_at_1": "",
        "performed_by": radiologist.pk,
        "duct_cannulated": "true",
        "findings": ["normal"],
        "complications": "none",
        "views": "CC, ML",
    }
    data.update(fields)
    return data


def test_the_result_form_has_no_end_time_until_one_is_given(client, radiologist, scheduler, frozen_now):
    appointment = checked_in_at(scheduler, frozen_now, at(TODAY, "10:00"), expected_duration=50)
    client.force_login(radiologist)
    page = client.get(ADD, {"appointment": appointment.pk})
    form = page.context["adminform"].form
    assert form["started_at"].value() == at(TODAY, "09:50")  # the check-in
    assert form["ended_at"].value() is None  # not 10:40, the check-in plus the expected 50 minutes
    html = page.content.decode()
    assert 'name="ended_at_1"' in html and 'name="ended_at_1" value' not in html
    assert 'id="finished-now"' in html and "Save: finished now" in html


def test_a_result_saved_without_a_typed_end_is_refused(client, radiologist, scheduler, frozen_now):
    appointment = checked_in_at(scheduler, frozen_now, at(TODAY, "10:00"))
    client.force_login(radiologist)

    page = client.post(f"{ADD}?appointment={appointment.pk}", result_post(appointment, radiologist))

    assert page.status_code == 200
    assert page.context["adminform"].form.errors["ended_at"] == [END_NEEDED_SENTENCE]
    assert not ProcedureResult.objects.exists()
    # The service refuses it too, whoever calls it; a procedure not performed needs no times.
    start = at(TODAY, "10:00")
    with pytest.raises(ValidationError, match="Enter when the procedure ended"):
        services.record_result(ProcedureResult(appointment=appointment, started_at=start))
    services.record_result(ProcedureResult(appointment=appointment, outcome="no_discharge"))
    assert not ProcedureResult.objects.get(appointment=appointment).times_given


def test_a_typed_end_is_saved_as_given(client, radiologist, scheduler, frozen_now):
    appointment = checked_in_at(scheduler, frozen_now, at(TODAY, "10:00"), expected_duration=45)
    client.force_login(radiologist)
    data = result_post(appointment, radiologist, ended_at_0=TODAY.isoformat(), ended_at_1="10:45")

    response = client.post(f"{ADD}?appointment={appointment.pk}&next=/worklist/", data)

    assert response.status_code == 302 and response["Location"] == "/worklist/"
    result = ProcedureResult.objects.get(appointment=appointment)
    assert result.times_given and result.actual_duration == 45  # the expected 45, but typed: it counts


def test_finished_now_ends_the_procedure_at_the_moment_of_saving(client, radiologist, scheduler, frozen_now):
    appointment = checked_in_at(scheduler, frozen_now, at(TODAY, "11:00"))
    client.force_login(radiologist)
    frozen_now.move_to(at(TODAY, "11:42") + timedelta(seconds=37))
    client.force_login(radiologist)

    data = result_post(appointment, radiologist, started_at_1="11:05", _finished_now="Save: finished now")
    response = client.post(f"{ADD}?appointment={appointment.pk}&next=/worklist/", data)

    assert response.status_code == 302
    result = ProcedureResult.objects.get(appointment=appointment)
    assert result.ended_at == at(TODAY, "11:42")  # to the minute
    assert result.times_given and result.actual_duration == 37


def test_suggest_duration_ignores_results_whose_times_were_not_given(ductogram):
    def results(minutes: int, count: int, *, given: bool, days_ago: int) -> None:
        for i in range(count):
            start = NOW - timedelta(days=days_ago + i, hours=2)
            ProcedureResultFactory(
                appointment__scheduled_start=start,
                appointment__expected_duration=45,
                started_at=start,
                ended_at=start + timedelta(minutes=minutes),
                times_given=given,
            )

    results(45, 12, given=False, days_ago=1)  # the form's guess saved unchanged: not learned from
    assert suggest_duration(procedure_type=ductogram).basis == DEFAULT
    results(33, 10, given=True, days_ago=20)
    suggestion = suggest_duration(procedure_type=ductogram)
    assert (suggestion.minutes, suggestion.sample_size) == (35, 10)  # only the typed ones: 33 -> 35, not 45


def test_the_reports_durations_count_only_times_a_person_gave():
    start = at(TODAY - timedelta(days=1), "10:00")
    ProcedureResultFactory(appointment__scheduled_start=start, started_at=start, ended_at=start + timedelta(minutes=30))
    assumed = at(TODAY - timedelta(days=1), "14:00")
    ProcedureResultFactory(
        appointment__scheduled_start=assumed,
        started_at=assumed,
        ended_at=assumed + timedelta(minutes=45),
        times_given=False,
    )
    table = result_queries.durations(Filters("custom", TODAY.replace(day=1), TODAY.replace(day=30)))
    (by_type,) = [row for row in table.rows if row[0] == "Procedure type"]
    assert (by_type[2], by_type[5]) == (1, 30.0)  # one procedure, 30 minutes: the assumed 45 is left out


def test_correcting_the_end_of_an_assumed_result_gives_its_times_and_other_corrections_do_not(radiologist):
    start = at(TODAY - timedelta(days=1), "10:00")
    result = ProcedureResultFactory(
        appointment__scheduled_start=start,
        started_at=start,
        ended_at=start + timedelta(minutes=45),
        times_given=False,
        birads="2",
        recommendation="routine",
    )
    assert result.actual_duration is None  # assumed: shown nowhere as a duration

    result.report = "Corrected the report only."
    services.record_result(result, by=radiologist)
    result.refresh_from_db()
    assert not result.times_given

    result.ended_at = start + timedelta(minutes=38)
    services.record_result(result, by=radiologist)
    result.refresh_from_db()
    assert result.times_given and result.actual_duration == 38


def test_performed_by_lists_the_radiologists_by_name(client, radiologist, scheduler, frozen_now):
    RadiologistFactory(username="mlind", first_name="Maria", last_name="Lindqvist")
    appointment = checked_in_at(scheduler, frozen_now, at(TODAY, "10:00"))
    client.force_login(radiologist)
    html = client.get(ADD, {"appointment": appointment.pk}).content.decode()
    select = html.split('name="performed_by"', 1)[1].split("</select>", 1)[0]
    assert (
        ">Maria Lindqvist</option>" in select and f'value="{radiologist.pk}" selected>Adaeze Okafor</option>' in select
    )
    assert "mlind" not in select


def test_the_saved_message_speaks_the_clinics_words(client, radiologist, scheduler, frozen_now):
    patient = PatientFactory(given_name="Grace", family_name="Obi", mrn="RX200001")
    appointment = checked_in_at(scheduler, frozen_now, at(TODAY, "10:00"), patient=patient, radiologist=radiologist)
    client.force_login(radiologist)
    data = result_post(
        appointment,
        radiologist,
        ended_at_0=TODAY.isoformat(),
        ended_at_1="10:40",
        findings=["filling_defect"],
        birads="4B",
        recommendation="surgical_referral",
    )

    page = client.post(f"{ADD}?appointment={appointment.pk}&next=/worklist/", data, follow=True)

    said = [str(m) for m in page.context["messages"]]
    assert said == [
        "Result logged for Grace Obi (MRN RX200001), Wed 5 Jun 2030 10:00: performed, 40 min, BI-RADS 4B. "
        "On the follow-up list (BI-RADS 4B; Surgical referral (duct excision)): Adaeze Okafor to record the action "
        "taken."
    ]
