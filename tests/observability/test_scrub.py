"""What the scrubber takes out of text bound for Sentry and the logs, and what it leaves for whoever reads them."""

import time

import pytest
from django.db import IntegrityError, transaction

from prepapp.observability.scrub import scrub_text
from tests.factories import PatientFactory


@pytest.mark.parametrize(
    "text, scrubbed",
    [
        ("Texting OSEI, Ama (RX200001) failed", "Texting [patient] failed"),
        ("for ÖZTÜRK, Ayşe Nur (MRN0000001)", "for [patient]"),
        ("for O'BRIEN-SMITH, Mary Jane (X1) and DE LA CRUZ, Maria (X2)", "for [patient] and [patient]"),
        ("Cannot assign <Patient: OSEI, Ama (RX200001)>", "Cannot assign <Patient: [Filtered]>"),
        ("to ama.osei+clinic@patients.example.co.uk.", "to [email]."),
        (
            "mobile +44 7700 900123, landline (020) 7946 0000, 07700900123",
            "mobile [number], landline ([number], [number]",
        ),
        ("NHS 943 476 5919 or 943-476-5919 or 9434765919", "NHS [number] or [number] or [number]"),
        ("from 203.0.113.42", "from [ip]"),
        (
            "GET https://clinic.example/p/42.kY3fAbCdEfGhIjKlMnOpQr/confirm/",
            "GET https://clinic.example/p/[token]/confirm/",
        ),
        ("GET /u/17.AbCdEfGhIjKlMnOpQrStUv/", "GET /u/[token]/"),
        ("GET /calendar/Zq8v1L0pT4xR7nW2aB3cD4eF.ics", "GET /calendar/[token].ics"),
        ("GET /patients/?q=Ama+Osei&page=2 HTTP/1.1", "GET /patients/?[query] HTTP/1.1"),
        ("Authorization: Bearer Zq8v1L0pT4xR7nW2aB3cD4eF5gH6", "Authorization: Bearer [token]"),
    ],
)
def test_patient_data_is_taken_out(text, scrubbed):
    assert scrub_text(text) == scrubbed


@pytest.mark.parametrize(
    "text",
    [
        "Reminder 42 was not delivered (undelivered): 30007",
        "Moved from 2030-06-05 12:00 to 2030-06-12 09:30:00+01:00",
        "claim 4bf92f35-77b3-4da6-a3ce-929d0e0e4736 lost",
        "test_rescheduling_moves_pending_reminders_and_closes_them in reminders.services.scheduling",
        "HTTPSMSBackend: SMS_HTTP_TIMEOUT is 10 s; CELERY_TASK_TIME_LIMIT 120",
        "A batch of 50 reminders reached the soft time limit",
        "/p/ pages answered 404",
    ],
)
def test_what_helps_an_engineer_stays(text):
    assert scrub_text(text) == text


@pytest.mark.django_db
def test_the_values_postgresql_quotes_in_an_error_are_taken_out(on_postgres):
    PatientFactory(mrn="RX731902")
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        PatientFactory(mrn="RX731902")
    message = str(refused.value)
    if on_postgres:
        assert "Key (mrn)=(RX731902) already exists" in message
    assert "RX731902" not in scrub_text(message)


def test_postgresqls_words_for_a_duplicate_lose_the_value_on_any_database():
    """What PostgreSQL says, written out: on SQLite the test above never sees a value in the error."""
    message = 'duplicate key value violates unique constraint "procedures_patient_mrn_key"\n'
    message += "DETAIL:  Key (mrn)=(RX731902) already exists."
    scrubbed = scrub_text(message)
    assert "RX731902" not in scrubbed and "procedures_patient_mrn_key" in scrubbed


@pytest.mark.parametrize(
    "text", ["A" * 30000, "A " * 15000, "a" * 30000, "Key (a)=(" * 3000, "x@" * 15000, "1." * 15000]
)
def test_a_long_odd_text_is_scrubbed_quickly(text):
    started = time.perf_counter()
    scrub_text(text)
    assert time.perf_counter() - started < 10  # a pattern that backtracks takes minutes on 30,000 characters
