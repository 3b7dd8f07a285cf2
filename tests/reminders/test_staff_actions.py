"""Staff act on reminders from the appointment page: send a pending one now, retry a failed one, preview."""

import pytest
from django.urls import reverse
from django.utils import timezone

from procedures import services as booking
from reminders.models import Reminder
from reminders.stages import Stage
from tests.factories import (
    PatientFactory,
    ProcedureTypeFactory,
    RadiologistFactory,
    RoomFactory,
    SchedulerFactory,
    clinic_day_after,
    next_clinic_day,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment():
    return booking.book_appointment(
        patient=PatientFactory(),
        procedure_type=ProcedureTypeFactory(),
        room=RoomFactory(),
        scheduled_start=next_clinic_day(days_ahead=12),
        laterality="right",
        discharge="clear",
    )


def test_a_scheduler_sends_a_pending_reminder_now_from_the_appointment_page(client, appointment):
    client.force_login(SchedulerFactory())
    week_before = appointment.reminders.get(stage=Stage.WEEK_BEFORE)
    page = client.get(reverse("procedures:appointment", args=[appointment.pk])).content.decode()
    assert reverse("reminders:send-now", args=[week_before.pk]) in page
    assert reverse("admin:reminders_reminder_preview", args=[appointment.pk]) in page

    response = client.post(reverse("reminders:send-now", args=[week_before.pk]), follow=True)
    week_before.refresh_from_db()
    assert abs(week_before.send_at - timezone.now()).total_seconds() < 60
    assert "being sent now" in response.content.decode()


def test_a_scheduler_retries_a_failed_reminder_and_is_told_when_there_was_nothing_to_retry(client, appointment):
    client.force_login(SchedulerFactory())
    failed = appointment.reminders.get(stage=Stage.DAY_BEFORE)
    Reminder.objects.filter(pk=failed.pk).update(status=Reminder.Status.FAILED, attempts=5, last_error="Provider down")
    pending = appointment.reminders.get(stage=Stage.WEEK_BEFORE)

    client.post(reverse("reminders:retry", args=[failed.pk]))
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Reminder.Status.PENDING, 0)

    response = client.post(reverse("reminders:retry", args=[pending.pk]), follow=True)
    assert "not failed: left alone" in response.content.decode()


def test_a_radiologist_cannot_push_reminders_and_get_is_refused(client, appointment):
    reminder = appointment.reminders.get(stage=Stage.WEEK_BEFORE)
    client.force_login(RadiologistFactory())
    assert client.post(reverse("reminders:send-now", args=[reminder.pk])).status_code == 403
    client.force_login(SchedulerFactory())
    assert client.get(reverse("reminders:send-now", args=[reminder.pk])).status_code == 405
    reminder.refresh_from_db()
    assert reminder.send_at > timezone.now()


def test_the_preview_shows_what_every_stage_will_say(client, appointment):
    client.force_login(SchedulerFactory())
    page = client.get(reverse("admin:reminders_reminder_preview", args=[appointment.pk])).content.decode()
    for subject_start in ("Your appointment on", "Reminder: your appointment on", "Your appointment has moved to"):
        assert subject_start in page
    assert "(160 a segment alone, 153 a part when longer), 1 segment; the limit is 3 (SMS_MAX_SEGMENTS)." in page


def test_the_preview_of_a_moved_appointment_says_where_it_moved_from(client, appointment):
    first_start = appointment.scheduled_start
    # The patient had their confirmation, so the move is announced by a reschedule notice.
    appointment.reminders.filter(stage=Stage.BOOKING_CONFIRMATION).update(
        status=Reminder.Status.SENT, sent_at=timezone.now()
    )
    booking.reschedule_appointment(appointment, new_start=clinic_day_after(first_start))
    assert appointment.reminders.filter(stage=Stage.RESCHEDULED).exists()
    client.force_login(SchedulerFactory())

    page = client.get(reverse("admin:reminders_reminder_preview", args=[appointment.pk])).content.decode()

    assert f"moved from {timezone.localtime(first_start):%a %-d %b %H:%M}" in page
