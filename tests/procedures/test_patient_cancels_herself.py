"""The patient cancels her appointment herself, with a reason (issue 20): with PATIENT_SELF_RESCHEDULE "direct" her
page offers "Cancel my appointment", with a reason from a short list and a tick to say she means it; the
appointment is cancelled at once through the booking service (the cancellation notice goes, the reason is kept) and
staff see a request to cancel already done on /requests/. In "request" and "off" she asks, as before.

"Now" is Wednesday 5 June 2030, 12:00 in London; she is booked for Monday 24 June 10:00."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from procedures.links import patient_token
from procedures.models import Appointment, PatientRequest
from procedures.patient_page.services import CANCELLED_BY_PATIENT
from reminders.models import Reminder
from reminders.stages import Stage
from tests.clinic import FAR
from tests.factories import AppointmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

SHE_MEANS_IT = {"reason": "no_discharge", "message": "It stopped last week", "confirm": "on"}


@pytest.fixture(autouse=True)
def many_pages(settings):
    settings.PATIENT_PAGE_RATE_LIMIT = 1000


@pytest.fixture
def amelia(book):
    return book(FAR)


def page_of(appointment) -> str:
    return f"/p/{patient_token(appointment)}/"


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" .", ".")


def test_she_cancels_with_a_reason_the_notice_goes_and_staff_see_it(client, amelia, scheduler):
    html = client.get(page_of(amelia)).content.decode()
    assert "Cancel my appointment" in html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # its form sits beside the request's, each field its own

    response = client.post(f"{page_of(amelia)}cancel/", SHE_MEANS_IT)

    assert response.status_code == 200
    assert "Your appointment on Monday 24 June at 10:00 is cancelled." in plain(response.content.decode())
    cancelled = Appointment.objects.get(pk=amelia.pk)
    assert cancelled.status == Appointment.Status.CANCELLED
    assert cancelled.cancel_reason_code == Appointment.CancelReason.NO_DISCHARGE
    assert cancelled.cancellation_reason.startswith(CANCELLED_BY_PATIENT)
    assert cancelled.cancellation_reason.endswith("It stopped last week")
    notices = cancelled.reminders.filter(stage=Stage.CANCELLATION, status=Reminder.Status.PENDING)
    assert notices.exists()
    assert not cancelled.reminders.filter(status=Reminder.Status.PENDING).exclude(stage=Stage.CANCELLATION).exists()
    told = PatientRequest.objects.get(appointment=amelia)
    assert told.kind == PatientRequest.Kind.CANCEL and told.status == PatientRequest.Status.DONE
    assert told.message == "It stopped last week"
    client.force_login(scheduler)
    assert CANCELLED_BY_PATIENT in client.get("/requests/").content.decode()


@pytest.mark.parametrize(
    "posted, said",
    [
        ({"confirm": "on"}, "Please choose a reason for cancelling."),
        ({"reason": "unwell"}, "Please check the form below: nothing has been cancelled."),
    ],
    ids=["no-reason", "not-ticked"],
)
def test_without_a_reason_or_the_tick_the_page_comes_back_with_a_message_and_nothing_changes(
    client, amelia, posted, said
):
    response = client.post(f"{page_of(amelia)}cancel/", posted)

    assert response.status_code == 400
    assert said in plain(response.content.decode())
    assert Appointment.objects.get(pk=amelia.pk).status == Appointment.Status.BOOKED
    assert not PatientRequest.objects.filter(appointment=amelia).exists()


@pytest.mark.parametrize("mode", ["request", "off"])
def test_in_request_and_off_modes_she_asks_to_cancel_as_before(client, amelia, settings, mode):
    settings.PATIENT_SELF_RESCHEDULE = mode
    assert 'id="cancel"' not in client.get(page_of(amelia)).content.decode()

    refused = client.post(f"{page_of(amelia)}cancel/", SHE_MEANS_IT, follow=True)
    client.post(f"{page_of(amelia)}change/", {"kind": "cancel", "message": "Unwell"})

    assert "Please ask us to cancel your appointment below." in plain(refused.content.decode())
    assert Appointment.objects.get(pk=amelia.pk).status == Appointment.Status.BOOKED
    assert PatientRequest.objects.get(appointment=amelia).is_awaiting_staff


def test_a_waiting_request_of_hers_is_answered_by_her_cancelling(client, amelia):
    client.post(f"{page_of(amelia)}change/", {"kind": "reschedule", "message": "Mornings please"})

    client.post(f"{page_of(amelia)}cancel/", SHE_MEANS_IT)

    assert not PatientRequest.objects.awaiting_staff().filter(appointment=amelia).exists()
    assert PatientRequest.objects.filter(appointment=amelia, kind=PatientRequest.Kind.CANCEL).count() == 1
    asked = PatientRequest.objects.get(appointment=amelia, kind=PatientRequest.Kind.RESCHEDULE)
    assert CANCELLED_BY_PATIENT in asked.handled_note


def test_posting_twice_cancels_once(client, amelia):
    client.post(f"{page_of(amelia)}cancel/", SHE_MEANS_IT)
    notices = Reminder.objects.filter(appointment=amelia, stage=Stage.CANCELLATION).count()

    again = client.post(f"{page_of(amelia)}cancel/", SHE_MEANS_IT)

    assert again.status_code == 404  # a cancelled appointment's link says nothing more, as for every link
    assert amelia.history.filter(status=Appointment.Status.CANCELLED).count() == 1
    assert PatientRequest.objects.filter(appointment=amelia).count() == 1
    assert Reminder.objects.filter(appointment=amelia, stage=Stage.CANCELLATION).count() == notices > 0


def test_an_appointment_under_way_cannot_be_cancelled_from_the_page(client):
    under_way = AppointmentFactory(scheduled_start=timezone.now() - timedelta(minutes=10))
    assert 'id="cancel"' not in client.get(page_of(under_way)).content.decode()

    response = client.post(f"{page_of(under_way)}cancel/", SHE_MEANS_IT, follow=True)

    assert "can no longer be changed" in plain(response.content.decode())
    assert Appointment.objects.get(pk=under_way.pk).status == under_way.status
    assert not PatientRequest.objects.filter(appointment=under_way).exists()


def test_a_past_appointment_cannot_be_cancelled_from_the_page(client):
    past = AppointmentFactory(scheduled_start=timezone.now() - timedelta(days=2))

    response = client.post(f"{page_of(past)}cancel/", SHE_MEANS_IT)

    assert response.status_code == 404
    assert Appointment.objects.get(pk=past.pk).status == past.status
