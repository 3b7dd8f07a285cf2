"""Logging a result in a few clicks: the worklist's "Log result" opens the admin's result form for the appointment,
filled in as far as what happened is known (the appointment, "performed by", the start from a check-in; never the
end, which is typed or "Save: finished now") with what the radiologist should know shown above it; "Save" comes back
to the worklist. "Now" is Wed 5 June 2030, 12:00 London."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from procedures import services
from procedures.admin.results import ProcedureResultInline
from procedures.models import Appointment, ProcedureResult, SafetyAnswers
from tests.clinic import NOW, TODAY, at
from tests.factories import AppointmentFactory, PatientFactory, ProcedureResultFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache")]

ADD = reverse("admin:procedures_procedureresult_add")
WORKLIST = "/worklist/"


def _follow_log_result(client, appointment, **query):
    """The worklist's "Log result": where it leads."""
    response = client.get(reverse("procedures:log-result", args=[appointment.pk]), query)
    assert response.status_code == 302
    return response["Location"]


def _local(moment) -> tuple[str, str]:
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M")


def test_log_result_prefills_the_form_and_returns_to_the_worklist(client, radiologist, scheduler, frozen_now):
    appointment = AppointmentFactory(scheduled_start=at(TODAY, "11:30"), expected_duration=50, radiologist=None)
    frozen_now.move_to(at(TODAY, "11:17"))
    services.check_in(appointment, by=scheduler)
    frozen_now.move_to(NOW)
    client.force_login(radiologist)

    url = _follow_log_result(client, appointment)
    parts = urlsplit(url)
    assert parts.path == ADD
    assert parse_qs(parts.query) == {"appointment": [str(appointment.pk)], "next": [WORKLIST]}
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert form["appointment"].value() == appointment.pk
    assert form["performed_by"].value() == radiologist.pk
    assert form["started_at"].value() == at(TODAY, "11:17")  # the check-in, not the booked 11:30
    assert form["ended_at"].value() is None  # never the booked start plus the 50 minutes expected
    assert "next" not in form.initial

    day, start = _local(at(TODAY, "11:17"))
    response = client.post(
        url,
        {
            "appointment": appointment.pk,
            "outcome": "performed",
            "started_at_0": day,
            "started_at_1": start,
            "ended_at_0": day,
            "ended_at_1": "12:02",
            "performed_by": radiologist.pk,
            "duct_cannulated": "true",
            "clock_position": "3",
            "contrast_volume_ml": "0.6",
            "findings": ["normal"],
            "complications": "none",
            "views": "CC, ML",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert response["Location"] == WORKLIST
    result = ProcedureResult.objects.get(appointment=appointment)
    assert result.logged_by == radiologist and result.performed_by == radiologist
    assert result.actual_duration == 45
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    worklist = client.get(WORKLIST).content.decode()
    assert "was added successfully" not in worklist and "No results pending" in worklist
    assert "Result logged for" in worklist and "performed, 45 min" in worklist


def test_without_a_check_in_time_no_time_is_assumed(client, radiologist, scheduler, frozen_now):
    """Recorded as attended afterwards (the end of the day's list): no arrival time, so the form starts empty."""
    appointment = AppointmentFactory(scheduled_start=at(TODAY - timedelta(days=2), "10:15"), expected_duration=45)
    services.record_attended(appointment, by=scheduler)
    client.force_login(radiologist)
    form = client.get(_follow_log_result(client, appointment)).context["adminform"].form
    assert form["started_at"].value() is None  # not the booked 10:15, nor the moment of recording
    assert form["ended_at"].value() is None  # not 11:00


def test_the_result_form_shows_the_safety_answers_and_expected_duration(client, radiologist, frozen_now):
    appointment = AppointmentFactory(
        scheduled_start=at(TODAY, "09:00"),
        expected_duration=55,
        duration_reason="Needs extra time: anxious patient",
        laterality=Appointment.Laterality.RIGHT,
        discharge=Appointment.Discharge.SEROUS,
        patient=PatientFactory(given_name="Grace", family_name="Obi"),
    )
    services.record_attended(appointment)
    SafetyAnswers.objects.create(
        appointment=appointment,
        discharge_present="yes",
        pregnant="no",
        contrast_allergy="yes",
        infection="no",
        blood_thinners="unsure",
        note="Rash after a CT scan in 2019",
    )
    client.force_login(radiologist)
    html = client.get(_follow_log_result(client, appointment)).content.decode()
    context = html.split('id="result-context"', 1)[1].split("</fieldset>", 1)[0]
    assert "Grace Obi" in context
    assert 'id="context-side">Right<' in context
    assert 'id="context-discharge">Serous<' in context
    assert "55 min (Needs extra time: anxious patient)" in context
    assert "Are you allergic to X-ray dye (contrast that contains iodine)? <strong>Yes</strong> ⚠ flagged" in context
    assert "Do you take medicine that thins the blood? <strong>Not sure</strong> ⚠ flagged" in context
    assert "Rash after a CT scan in 2019" in context
    assert "No check-in time: enter when the procedure started" in context

    # The same on a logged result's own page, and a form re-shown with errors keeps it.
    response = client.post(_follow_log_result(client, appointment), {"appointment": appointment.pk})
    assert response.status_code == 200 and "Grace Obi" in response.content.decode()
    result = ProcedureResultFactory(appointment=AppointmentFactory(scheduled_start=at(TODAY, "08:00")))
    change = client.get(reverse("admin:procedures_procedureresult_change", args=[result.pk])).content.decode()
    assert 'id="result-context"' in change and "The patient has not answered the safety questions" in change


def test_log_result_opens_the_logged_result_and_saving_it_comes_back(client, radiologist, frozen_now):
    result = ProcedureResultFactory(appointment__scheduled_start=at(TODAY, "09:00"))
    client.force_login(radiologist)
    page = f"/appointments/{result.appointment.pk}/"
    url = _follow_log_result(client, result.appointment, next=page)
    assert urlsplit(url).path == reverse("admin:procedures_procedureresult_change", args=[result.pk])
    assert parse_qs(urlsplit(url).query) == {"next": [page]}
    # A `next` off this site is not followed: the worklist instead.
    elsewhere = _follow_log_result(client, result.appointment, next="https://evil.example/")
    assert parse_qs(urlsplit(elsewhere).query) == {"next": [WORKLIST]}


def test_the_inline_never_offers_a_second_result(client, radiologist, frozen_now):
    pending = AppointmentFactory(scheduled_start=at(TODAY, "09:00"), status=Appointment.Status.CHECKED_IN)
    logged = ProcedureResultFactory(appointment__scheduled_start=at(TODAY, "08:00")).appointment
    client.force_login(radiologist)
    for appointment, forms in ((pending, 1), (logged, 1)):
        page = client.get(reverse("admin:procedures_appointment_change", args=[appointment.pk]))
        formset = next(f for f in page.context["inline_admin_formsets"] if f.formset.model is ProcedureResult)
        assert formset.formset.max_num == 1
        # The admin's script offers "Add another" only while the forms shown are fewer than max_num.
        assert formset.formset.total_form_count() == forms == formset.formset.max_num
    inline = ProcedureResultInline(Appointment, admin.site)
    assert inline.get_extra(None, logged) == 0 and inline.get_extra(None, pending) == 1

    # The empty form left alone saves nothing; the appointment's own details still save.
    data = {
        "laterality": pending.laterality,
        "discharge": pending.discharge,
        "referrer": pending.referrer,
        "notes": "Left side first",
        "result-TOTAL_FORMS": "1",
        "result-INITIAL_FORMS": "0",
        "result-MIN_NUM_FORMS": "0",
        "result-MAX_NUM_FORMS": "1",
        "result-0-appointment": str(pending.pk),
        "result-0-outcome": "performed",
        "result-0-complications": "none",
        "result-0-views": "CC, ML",
        "result-0-performed_by": str(radiologist.pk),
        "reminders-TOTAL_FORMS": "0",
        "reminders-INITIAL_FORMS": "0",
        "reminders-MIN_NUM_FORMS": "0",
        "reminders-MAX_NUM_FORMS": "0",
    }
    response = client.post(reverse("admin:procedures_appointment_change", args=[pending.pk]), data)
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.notes == "Left side first" and not ProcedureResult.objects.filter(appointment=pending).exists()


def test_the_appointment_page_shows_cannulation_clock_and_contrast_and_a_log_result_link(
    client, radiologist, frozen_now
):
    result = ProcedureResultFactory(
        appointment__scheduled_start=at(TODAY, "09:00"), clock_position=4, contrast_volume_ml="0.8"
    )
    waiting = AppointmentFactory(scheduled_start=at(TODAY, "10:00"), status=Appointment.Status.CHECKED_IN)
    client.force_login(radiologist)
    html = client.get(reverse("procedures:appointment", args=[result.appointment.pk])).content.decode()
    assert 'id="result-cannulated">Yes<' in html
    assert 'id="result-clock">4 o\'clock<' in html
    assert 'id="result-contrast">0.8 ml<' in html
    assert "Correct the result" in html
    html = client.get(reverse("procedures:appointment", args=[waiting.pk])).content.decode()
    link = f"{reverse('procedures:log-result', args=[waiting.pk])}?next=/appointments/{waiting.pk}/"
    assert f'href="{link}">Log result</a>' in html
    assert "in the <a" not in html  # no more "Radiologists log results in the admin"
