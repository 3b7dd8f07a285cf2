"""A result only for an appointment whose start has passed: a procedure not yet begun has nothing to report, and a
result would complete the appointment and cancel its reminders ("has taken place"). The service refuses it with a
sentence, and so does every admin page that logs one (the results form, the inline on the appointment's page, and
the appointment's add page). "Now" is Wed 5 June 2030, 12:00 London."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from procedures import services
from procedures.models import Appointment, ProcedureResult
from tests.clinic import FRIDAY, NOW, TODAY, at
from tests.factories import AppointmentFactory, PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache", "frozen_now")]

FRIDAY_SENTENCE = "A result can be logged only once the appointment has started (Fri 7 Jun 2030 10:00)."


def _result(appointment, **fields) -> ProcedureResult:
    start = appointment.scheduled_start
    return ProcedureResult(appointment=appointment, started_at=start, ended_at=start + timedelta(minutes=40), **fields)


def test_a_booking_three_days_ahead_takes_no_result_and_keeps_its_reminders(book, radiologist):
    appointment = book(at(FRIDAY, "10:00"), patient=PatientFactory(email="ada@example.com"))
    pending = set(appointment.reminders.filter(status="pending").values_list("pk", flat=True))
    assert pending  # the email reminders still to come

    with pytest.raises(ValidationError) as refused:
        services.record_result(_result(appointment), by=radiologist)

    assert FRIDAY_SENTENCE in refused.value.messages
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert not ProcedureResult.objects.filter(appointment=appointment).exists()
    assert set(appointment.reminders.filter(status="pending").values_list("pk", flat=True)) == pending


@pytest.mark.parametrize("start", [at(TODAY, "12:01"), at(TODAY, "23:59"), at(FRIDAY, "10:00")])
def test_any_start_still_to_come_is_refused_however_close(start):
    with pytest.raises(ValidationError, match="only once the appointment has started"):
        services.record_result(_result(AppointmentFactory(scheduled_start=start)))


@pytest.mark.parametrize("start", [NOW, at(TODAY, "11:59"), at(TODAY, "08:00")])
def test_from_the_start_on_the_result_is_logged(start):
    appointment = AppointmentFactory(scheduled_start=start)
    services.record_result(_result(appointment))
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED


def _result_fields(prefix="", **extra) -> dict:
    fields = {
        "outcome": "performed",
        "complications": "none",
        "views": "CC, ML",
        "started_at_0": FRIDAY.isoformat(),
        "started_at_1": "10:05",
        "ended_at_0": FRIDAY.isoformat(),
        "ended_at_1": "10:45",
        **extra,
    }
    return {f"{prefix}{name}": value for name, value in fields.items()}


def test_the_results_form_in_the_admin_refuses_it_on_the_page(client, radiologist):
    ahead = AppointmentFactory(scheduled_start=at(FRIDAY, "10:00"))
    client.force_login(radiologist)

    page = client.post(
        reverse("admin:procedures_procedureresult_add"),
        _result_fields(appointment=str(ahead.pk), performed_by=str(radiologist.pk)),
    )

    assert page.status_code == 200
    assert FRIDAY_SENTENCE in page.context["adminform"].form.non_field_errors()
    assert not ProcedureResult.objects.exists()
    ahead.refresh_from_db()
    assert ahead.status == Appointment.Status.BOOKED


def _reminder_forms() -> dict:
    return {
        "reminders-TOTAL_FORMS": "0",
        "reminders-INITIAL_FORMS": "0",
        "reminders-MIN_NUM_FORMS": "0",
        "reminders-MAX_NUM_FORMS": "0",
    }


def _result_inline(radiologist, **extra) -> dict:
    return {
        "result-TOTAL_FORMS": "1",
        "result-INITIAL_FORMS": "0",
        "result-MIN_NUM_FORMS": "0",
        "result-MAX_NUM_FORMS": "1",
        **_result_fields("result-0-", performed_by=str(radiologist.pk), **extra),
    }


def test_the_result_on_the_appointments_page_is_refused_before_the_start(client, radiologist):
    """The path the probe took: the inline on the appointment's change page, three days ahead."""
    ahead = AppointmentFactory(scheduled_start=at(FRIDAY, "10:00"))
    client.force_login(radiologist)
    data = {
        "laterality": ahead.laterality,
        "discharge": ahead.discharge,
        "referrer": ahead.referrer,
        **_result_inline(radiologist, appointment=str(ahead.pk)),
        **_reminder_forms(),
    }

    page = client.post(reverse("admin:procedures_appointment_change", args=[ahead.pk]), data)

    assert page.status_code == 200
    result_forms = next(f for f in page.context["inline_admin_formsets"] if f.formset.model is ProcedureResult)
    assert FRIDAY_SENTENCE in result_forms.formset.forms[0].non_field_errors()
    ahead.refresh_from_db()
    assert ahead.status == Appointment.Status.BOOKED
    assert not ProcedureResult.objects.exists()


def test_a_result_filled_in_while_adding_the_booking_is_refused_on_the_page(client, superuser, ductogram, room):
    """A new booking is always ahead, so its result is refused on the add page itself (the result's appointment is
    not saved yet while the page is checked), not by the service after the booking was saved."""
    patient = PatientFactory()
    client.force_login(superuser)
    data = {
        "patient": str(patient.pk),
        "procedure_type": str(ductogram.pk),
        "room": str(room.pk),
        "scheduled_start_0": FRIDAY.isoformat(),
        "scheduled_start_1": "10:00",
        "expected_duration": "45",
        "laterality": "left",
        "discharge": "bloody",
        "referrer": "Dr Jones, Breast Clinic",
        **_result_inline(superuser),
        **_reminder_forms(),
    }

    page = client.post(reverse("admin:procedures_appointment_add"), data)

    assert page.status_code == 200
    result_forms = next(f for f in page.context["inline_admin_formsets"] if f.formset.model is ProcedureResult)
    assert FRIDAY_SENTENCE in result_forms.formset.forms[0].non_field_errors()
    assert not Appointment.objects.exists() and not ProcedureResult.objects.exists()
