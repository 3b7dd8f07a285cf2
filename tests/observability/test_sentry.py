"""Errors go to Sentry with no patient data: a real event, made by the real SDK with the service's own settings from a
request that fails on a patient's page (and from a Celery task that fails for a patient), is caught on its way out
and read whole: her name, email, numbers and the token of her link are nowhere in it.

Only the transport is replaced: it keeps the envelopes the SDK would have posted to Sentry."""

import pytest
import sentry_sdk
from celery import shared_task
from django.test import Client
from sentry_sdk.transport import Transport

from prepapp.observability.sentry import init_sentry
from procedures.links import patient_token
from procedures.models import Patient
from tests.clinic import FAR
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache", "frozen_now")]


class Captured(Transport):
    """Keeps every envelope the SDK sends, serialized as it would go over the wire."""

    def __init__(self, options=None):
        super().__init__(options)
        self.sent: list[str] = []

    def capture_envelope(self, envelope):
        self.sent.append(envelope.serialize().decode("utf-8"))


@pytest.fixture
def sentry():
    transport = Captured()
    assert init_sentry(
        "https://public@sentry.example/1", environment="test", traces_sample_rate=1.0, transport=transport
    )
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


@pytest.fixture
def her() -> Patient:
    return PatientFactory(
        given_name="Zenobia",
        family_name="Quartermaine",
        mrn="RX731902",
        email="zenobia.q@patients.example",
        mobile="+447700900123",
        nhs_number="943 476 5919",
    )


def her_data(token: str) -> list[str]:
    return [
        "Zenobia",
        "Quartermaine",
        "QUARTERMAINE",
        "RX731902",
        "zenobia.q@patients.example",
        "zenobia",
        "+447700900123",
        "7700900123",
        "7700 900123",
        "9434765919",
        "943 476 5919",
        token,
        token.split(".", 1)[1],
    ]


def test_an_error_on_a_patients_page_reaches_sentry_without_her_data(settings, sentry, her, book):
    settings.ROOT_URLCONF = "tests.observability.urls"
    appointment = book(FAR, patient=her)
    token = patient_token(appointment)
    browser = Client(raise_request_exception=False)
    browser.cookies["sessionid"] = "a-staff-session-zq"

    response = browser.get(
        f"/p/{token}/fails/",
        {"q": "Zenobia Quartermaine", "email": her.email},
        HTTP_X_REQUEST_ID="req-0123456789",
        HTTP_REFERER=f"https://clinic.example/p/{token}/",
    )
    sentry_sdk.flush()

    assert response.status_code == 500
    events = [envelope for envelope in sentry.sent if '"type":"event"' in envelope]
    assert len(events) == 1, sentry.sent
    event = events[0]
    # The event is there and useful: what failed, where, on which route, for which request.
    assert "RuntimeError" in event and "failing_patient_page" in event
    assert "Could not show the page of [patient] ([email], [number])" in event
    assert "/p/[token]/fails/" in event
    assert "req-0123456789" in event
    # And nothing of her: not from the variables, the query string, the path, the cookie, the log, the message.
    for data in her_data(token):
        assert data not in event, f"{data!r} reached Sentry"
    assert "a-staff-session" not in event
    # The same for everything else that went out (the request's trace, with its SQL and Redis spans).
    for envelope in sentry.sent:
        for data in her_data(token):
            assert data not in envelope, f"{data!r} reached Sentry"


@shared_task(name="tests.observability.send_a_reminder")
def remind(patient_id: int, email: str) -> None:
    patient = Patient.objects.get(pk=patient_id)
    raise ConnectionError(f"The mail server hung up on {patient} at {email} (NHS {patient.nhs_number})")


def test_a_failed_task_reaches_sentry_without_the_patients_data(sentry, her):
    result = remind.apply(args=[her.pk, her.email])
    sentry_sdk.flush()

    assert result.failed()
    events = [envelope for envelope in sentry.sent if '"type":"event"' in envelope]
    assert len(events) == 1, sentry.sent
    event = events[0]
    assert "ConnectionError" in event and "tests.observability.send_a_reminder" in event
    assert "The mail server hung up on [patient] at [email] (NHS [number])" in event
    assert result.id in event  # Sentry's Celery integration tags the task's id
    for data in her_data("no.token-here"):
        assert data not in event, f"{data!r} reached Sentry"
