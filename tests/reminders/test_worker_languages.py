"""A patient who switches to Welsh gets the next message in Welsh from a real Celery worker (issue 19's "done when"):
the language is read from the patient when the worker makes the message, not when it was scheduled. The worker,
its redis-server and the SMTP sink are tests/reminders/test_worker.py's.
"""

import pytest
from django.test import Client

from procedures import services as booking
from procedures.links import patient_token
from reminders.stages import Stage
from tests.factories import PatientFactory, ProcedureTypeFactory, RoomFactory, clinic_day_after, next_clinic_day
from tests.realparts import wait_for
from tests.reminders.test_worker import make_worker, redis_server, smtp_sink  # noqa: F401 - the worker's fixtures

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.usefixtures("own_cache")
def test_a_patient_who_switches_to_welsh_on_her_page_gets_the_next_email_in_welsh_from_a_real_worker(
    make_worker,  # noqa: F811
    smtp_sink,  # noqa: F811
):
    make_worker(concurrency=1)
    patient = PatientFactory(channels=["email"], given_name="Eleri")
    appointment = booking.book_appointment(
        patient=patient,
        procedure_type=ProcedureTypeFactory(),
        room=RoomFactory(),
        scheduled_start=next_clinic_day(days_ahead=10),
        laterality="left",
        discharge="bloody",
    )
    wait_for(lambda: smtp_sink.messages, timeout=60, what="the confirmation email")
    confirmation = smtp_sink.messages[0]
    assert confirmation["Content-Language"] == "en-gb"
    assert "Dear Eleri," in confirmation.get_body(("plain",)).get_content()

    switched = Client().post(f"/p/{patient_token(appointment)}/language/", {"language": "cy"})
    assert switched.status_code == 302 and switched["Content-Language"] == "cy"
    patient.refresh_from_db()
    assert patient.language == "cy"
    booking.reschedule_appointment(appointment, new_start=clinic_day_after(appointment.scheduled_start))

    wait_for(lambda: len(smtp_sink.messages) == 2, timeout=60, what="the move notice")
    notice = smtp_sink.messages[1]
    assert notice["Content-Language"] == "cy"
    assert notice["Subject"].startswith("Mae eich apwyntiad wedi symud i ")
    text = notice.get_body(("plain",)).get_content()
    assert "Annwyl Eleri," in text and "Mae eich apwyntiad wedi symud o " in text
    assert "Dear" not in text and "Your appointment" not in text
    page = notice.get_body(("html",)).get_content()
    assert '<html lang="cy" dir="ltr">' in page
    assert Stage.RESCHEDULED in {r.stage for r in appointment.reminders.filter(channel="email")}
