"""A patient who switches to Welsh on her page gets her next reminder in Welsh, from a real Celery worker (a
subprocess, on a redis-server of the test's own, sending to an SMTP sink: tests/reminders/test_worker.py's parts).
The worker reads Patient.language when it composes the message (ReminderChannel.render), so nothing else has to
change when the patient does."""

import pytest
from django.test import Client
from django.utils import dateformat, timezone, translation

from procedures import clinic_time
from procedures.links import patient_token
from reminders import services
from reminders.models import Reminder
from reminders.stages import Stage
from tests.factories import AppointmentFactory, PatientFactory, next_clinic_day, reminder_rule
from tests.realparts import wait_for

# The real parts, as tests/reminders/test_worker.py makes them (imported, pytest finds them here by name).
from tests.reminders.test_worker import make_worker, redis_server, smtp_sink  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_patient_who_switches_to_welsh_on_her_page_gets_the_next_reminder_in_welsh_from_a_real_worker(request):
    start_worker, sink = request.getfixturevalue("make_worker"), request.getfixturevalue("smtp_sink")
    request.getfixturevalue("own_cache")
    amelia = AppointmentFactory(
        patient=PatientFactory(given_name="Amelia", channels=["email"]), scheduled_start=next_clinic_day(days_ahead=8)
    )
    response = Client().post(f"/p/{patient_token(amelia)}/language/", {"language": "cy"})
    assert response.status_code == 302 and response["Content-Language"] == "cy"

    rule = reminder_rule(Stage.WEEK_BEFORE)
    reminder = Reminder.objects.create(
        appointment=amelia,
        rule=rule,
        stage=rule.stage,
        channel="email",
        for_start=amelia.scheduled_start,
        send_at=timezone.now(),
        content_stages=[rule.stage],
    )
    start_worker(concurrency=1)
    services.dispatch_due()
    wait_for(lambda: sink.messages, timeout=20, what="the week-before email")
    text = sink.messages[0].get_body(("plain",)).get_content()

    local = clinic_time.local(amelia.scheduled_start)
    with translation.override("cy"):
        welsh_day = dateformat.format(local, "l j F Y")  # "Dydd Llun 14 Rhagfyr 2026"
    with translation.override("en-gb"):
        english_day = dateformat.format(local, "l j F Y")
    assert welsh_day in text and english_day not in text
    wait_for(lambda: Reminder.objects.get(pk=reminder.pk).status == Reminder.Status.SENT, 5, what="sent status")
