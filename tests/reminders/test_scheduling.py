"""Which reminders a booking gets, and how they follow the appointment when it moves, is cancelled or ends.

"Now" is frozen at Wednesday 5 June 2030, 12:00 in London (BST, UTC+1) unless a test travels elsewhere. The default
rules (DESIGN.md): booking_confirmation email+sms at once; week_before email 7 days before; preparation_starts email+sms
the day before the preparation window (3 days) opens, 4 days before; two_days_before sms+email 2 days before;
day_before sms 1 day before; rescheduled and cancellation email+sms on the event.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from procedures.models import Appointment, Patient
from procedures.services import (
    cancel_appointment,
    check_in,
    complete_appointment,
    confirm_attendance,
    mark_no_show,
    reschedule_appointment,
)
from reminders import services
from reminders.models import Reminder
from reminders.services import TOO_LATE, opt_out, schedule_reminders
from reminders.stages import Stage
from tests.clinic import FAR, LONDON, NOW, at
from tests.factories import PatientFactory, reminder_rule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

ELSEWHEN = at(date(2030, 7, 4), "14:00")  # Thursday, a month ahead

CONF, WEEK, PREP, TWO_DAYS, DAY = (
    Stage.BOOKING_CONFIRMATION,
    Stage.WEEK_BEFORE,
    Stage.PREPARATION_STARTS,
    Stage.TWO_DAYS_BEFORE,
    Stage.DAY_BEFORE,
)
EVERY_ROW = {
    (CONF, "email"),
    (CONF, "sms"),
    (WEEK, "email"),
    (PREP, "email"),
    (PREP, "sms"),
    (TWO_DAYS, "sms"),
    (TWO_DAYS, "email"),
    (DAY, "sms"),
}
CONFIRMATIONS = {(CONF, "email"), (CONF, "sms")}
# What a booking two days ahead is too late for (the preparation's text goes at once instead: see below).
LATE_STAGES = {(WEEK, "email"), (PREP, "email"), (TWO_DAYS, "sms"), (TWO_DAYS, "email")}


def rows(appointment, **filters) -> set[tuple[str, str]]:
    return set(appointment.reminders.filter(**filters).values_list("stage", "channel"))


def the(appointment, stage, channel, **filters) -> Reminder:
    return appointment.reminders.get(stage=stage, channel=channel, **filters)


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment, LONDON)


# Booking: one row per active rule and allowed channel


def test_booking_creates_one_reminder_per_rule_and_channel_at_the_right_times(book):
    appointment = book(FAR)

    assert rows(appointment) == EVERY_ROW
    assert appointment.reminders.count() == len(EVERY_ROW)
    assert rows(appointment, status=Reminder.Status.PENDING) == EVERY_ROW
    expected_send_at = {
        CONF: NOW,
        WEEK: at(date(2030, 6, 17), "10:00"),
        PREP: at(date(2030, 6, 20), "10:00"),
        TWO_DAYS: at(date(2030, 6, 22), "10:00"),
        DAY: at(date(2030, 6, 23), "10:00"),
    }
    for reminder in appointment.reminders.all():
        assert reminder.send_at == expected_send_at[reminder.stage], reminder
        assert reminder.for_start == FAR
        assert reminder.occasion == ""
        assert reminder.content_stages == [reminder.stage]
        assert reminder.attempts == 0 and reminder.sent_at is None and reminder.body == ""


def test_scheduling_again_creates_nothing_new(book):
    appointment = book(FAR)
    before = list(appointment.reminders.order_by("pk").values())

    schedule_reminders(appointment)
    schedule_reminders(appointment)

    assert list(appointment.reminders.order_by("pk").values()) == before


@pytest.mark.parametrize(
    "preferred, channels",
    [
        (["email", "sms"], {"email", "sms"}),
        (["email"], {"email"}),
        (["sms"], {"sms"}),
        ([], set()),
    ],
)
def test_the_channels_the_patient_agreed_to_decide_which_reminders_she_gets(book, preferred, channels):
    appointment = book(FAR, patient=PatientFactory(channels=preferred))

    assert rows(appointment) == {(stage, channel) for stage, channel in EVERY_ROW if channel in channels}


def test_a_patient_with_no_mobile_gets_no_texts(book):
    appointment = book(FAR, patient=PatientFactory(mobile="", channels=["email", "sms"]))

    assert rows(appointment) == {(CONF, "email"), (WEEK, "email"), (PREP, "email"), (TWO_DAYS, "email")}


def test_a_patient_who_wants_texts_but_has_no_mobile_gets_nothing(book):
    appointment = book(FAR, patient=PatientFactory(mobile="", channels=["sms"]))

    assert not appointment.reminders.exists()


def test_a_patient_who_opted_out_gets_no_reminders(book):
    patient = PatientFactory(reminders_opt_out_at=NOW - timedelta(days=30))

    appointment = book(FAR, patient=patient)

    assert not appointment.reminders.exists()


def test_a_switched_off_rule_makes_no_reminders(book):
    rule = reminder_rule(WEEK)
    rule.is_active = False
    rule.save()

    appointment = book(FAR)

    assert rows(appointment) == EVERY_ROW - {(WEEK, "email")}


def test_a_rule_with_fewer_channels_makes_fewer_rows(book):
    rule = reminder_rule(TWO_DAYS)
    rule.channels = ["sms"]
    rule.save()

    appointment = book(FAR)

    assert rows(appointment, stage=TWO_DAYS) == {(TWO_DAYS, "sms")}


# Late bookings: stages already past are recorded as skipped and their content rides with the confirmation


def test_a_booking_two_days_ahead_skips_past_stages_and_folds_them_into_the_confirmation(book):
    appointment = book(at(date(2030, 6, 7), "12:00"))  # Friday, exactly 48 hours ahead

    skipped = rows(appointment, status=Reminder.Status.SKIPPED)
    assert skipped == {(WEEK, "email"), (PREP, "email"), (TWO_DAYS, "sms"), (TWO_DAYS, "email")}
    assert set(appointment.reminders.filter(status=Reminder.Status.SKIPPED).values_list("last_error", flat=True)) == {
        TOO_LATE
    }
    # The preparation's text is never skipped: a text cannot carry it in the confirmation, so it goes at once.
    assert rows(appointment, status=Reminder.Status.PENDING) == {
        (CONF, "email"),
        (CONF, "sms"),
        (PREP, "sms"),
        (DAY, "sms"),
    }
    assert the(appointment, PREP, "sms").send_at == NOW
    assert the(appointment, DAY, "sms").send_at == at(date(2030, 6, 6), "12:00")
    for channel in ("email", "sms"):
        assert the(appointment, CONF, channel).content_stages == [CONF, WEEK, PREP, TWO_DAYS]


def test_a_booking_30_hours_ahead_folds_the_week_and_two_day_stages_but_keeps_the_day_before(book, frozen_now):
    frozen_now.move_to(at(date(2030, 6, 5), "11:00"))

    appointment = book(at(date(2030, 6, 6), "17:00"))  # Thursday 17:00, 30 hours ahead

    assert rows(appointment, status=Reminder.Status.SKIPPED) == {
        (WEEK, "email"),
        (PREP, "email"),
        (TWO_DAYS, "sms"),
        (TWO_DAYS, "email"),
    }
    assert the(appointment, DAY, "sms").status == Reminder.Status.PENDING
    assert the(appointment, DAY, "sms").send_at == at(date(2030, 6, 5), "17:00")
    assert the(appointment, CONF, "email").content_stages == [CONF, WEEK, PREP, TWO_DAYS]


def test_a_stage_due_within_the_fold_window_goes_with_the_confirmation_instead(book, settings):
    settings.REMINDER_FOLD_MINUTES = 60
    appointment = book(at(date(2030, 6, 6), "12:30"))  # the day-before text would be due in 30 minutes

    assert the(appointment, DAY, "sms").status == Reminder.Status.SKIPPED
    assert the(appointment, CONF, "sms").content_stages == [CONF, WEEK, PREP, TWO_DAYS, DAY]


def test_skipped_stages_of_a_late_booking_are_never_sent_later(book, frozen_now, mailoutbox, sms_outbox):
    appointment = book(at(date(2030, 6, 7), "12:00"))
    frozen_now.move_to(at(date(2030, 6, 7), "11:00"))

    ids = []
    services.dispatch_due(queue=ids.extend)
    for reminder_id in ids:
        services.send_reminder(reminder_id)

    sent = rows(appointment, status=Reminder.Status.SENT)
    assert (WEEK, "email") not in sent and (TWO_DAYS, "sms") not in sent and (TWO_DAYS, "email") not in sent
    assert rows(appointment, status=Reminder.Status.SKIPPED) >= {
        (WEEK, "email"),
        (TWO_DAYS, "sms"),
        (TWO_DAYS, "email"),
    }


# Transactions: rows are written with the booking, sends queued once it commits


def test_a_rolled_back_booking_leaves_no_reminder(book, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            book(FAR)
            assert Reminder.objects.count() == len(EVERY_ROW)
            raise RuntimeError("the form failed after booking")

    assert not Appointment.objects.exists()
    assert not Reminder.objects.exists()
    assert callbacks == []
    assert queued == []


def test_the_confirmation_is_queued_when_the_booking_commits_not_before(
    book, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        appointment = book(FAR)
    assert queued == []  # nothing reaches a worker before the commit

    for callback in callbacks:
        callback()

    assert sorted(queued) == sorted(appointment.reminders.filter(stage=CONF).values_list("pk", flat=True))


# Quiet hours for texts: 21:00-08:00 clinic time


@pytest.mark.parametrize(
    "booked_at, text_goes_at",
    [
        (at(date(2030, 6, 5), "22:00"), at(date(2030, 6, 6), "08:00")),
        (at(date(2030, 6, 5), "21:30"), at(date(2030, 6, 6), "08:00")),
        (at(date(2030, 6, 5), "21:00"), at(date(2030, 6, 6), "08:00")),
        (at(date(2030, 6, 5), "03:00"), at(date(2030, 6, 5), "08:00")),
        (at(date(2030, 6, 5), "07:59"), at(date(2030, 6, 5), "08:00")),
    ],
)
def test_a_confirmation_text_booked_in_quiet_hours_waits_for_8_but_the_email_goes_at_once(
    book, frozen_now, booked_at, text_goes_at
):
    frozen_now.move_to(booked_at)

    appointment = book(FAR)

    assert the(appointment, CONF, "sms").send_at == text_goes_at
    assert the(appointment, CONF, "email").send_at == booked_at


@pytest.mark.parametrize("booked_at", [at(date(2030, 6, 5), "08:00"), at(date(2030, 6, 5), "20:59")])
def test_a_confirmation_text_booked_outside_quiet_hours_goes_at_once(book, frozen_now, booked_at):
    frozen_now.move_to(booked_at)

    appointment = book(FAR)

    assert the(appointment, CONF, "sms").send_at == booked_at


def test_a_text_booked_on_the_night_the_clocks_go_forward_waits_for_8_summer_time(book, frozen_now):
    frozen_now.move_to(at(date(2027, 3, 27), "22:00"))  # Saturday; at 01:00 GMT on Sunday it becomes 02:00 BST

    appointment = book(at(date(2027, 3, 29), "10:00"))

    assert the(appointment, CONF, "sms").send_at == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)  # 08:00 BST


def test_quiet_hours_can_be_switched_off(book, frozen_now, settings):
    settings.SMS_QUIET_HOURS = ""
    frozen_now.move_to(at(date(2030, 6, 5), "23:30"))

    appointment = book(FAR)

    assert the(appointment, CONF, "sms").send_at == at(date(2030, 6, 5), "23:30")


# Send times across the clock changes: whole days count on the clinic's calendar, so 10:00 stays 10:00


@pytest.mark.parametrize("zone", [LONDON, UTC], ids=["start-in-london-time", "start-in-utc"])
def test_send_times_across_the_clocks_going_forward_in_march(book, frozen_now, zone):
    frozen_now.move_to(at(date(2027, 3, 1), "12:00"))
    start = at(date(2027, 3, 29), "10:00")  # Monday after the last Sunday of March (28th): BST, 09:00 UTC
    assert start == datetime(2027, 3, 29, 9, 0, tzinfo=UTC)

    appointment = book(start.astimezone(zone))  # however the caller spelled it

    assert the(appointment, WEEK, "email").send_at == datetime(2027, 3, 22, 10, 0, tzinfo=UTC)  # 10:00 GMT
    assert the(appointment, TWO_DAYS, "sms").send_at == datetime(2027, 3, 27, 10, 0, tzinfo=UTC)  # Sat 10:00 GMT
    assert the(appointment, TWO_DAYS, "email").send_at == datetime(2027, 3, 27, 10, 0, tzinfo=UTC)
    assert the(appointment, DAY, "sms").send_at == datetime(2027, 3, 28, 9, 0, tzinfo=UTC)  # Sun 10:00 BST
    for reminder in appointment.reminders.exclude(stage=CONF):
        assert local(reminder.send_at).hour == 10, reminder


@pytest.mark.parametrize("zone", [LONDON, UTC], ids=["start-in-london-time", "start-in-utc"])
def test_send_times_across_the_clocks_going_back_in_october(book, frozen_now, zone):
    frozen_now.move_to(at(date(2027, 10, 1), "12:00"))
    start = at(date(2027, 11, 1), "10:00")  # Monday after the last Sunday of October (31st): GMT, 10:00 UTC
    assert start == datetime(2027, 11, 1, 10, 0, tzinfo=UTC)

    appointment = book(start.astimezone(zone))  # however the caller spelled it

    assert the(appointment, WEEK, "email").send_at == datetime(2027, 10, 25, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert the(appointment, TWO_DAYS, "sms").send_at == datetime(2027, 10, 30, 9, 0, tzinfo=UTC)  # Sat 10:00 BST
    assert the(appointment, DAY, "sms").send_at == datetime(2027, 10, 31, 10, 0, tzinfo=UTC)  # Sun 10:00 GMT
    for reminder in appointment.reminders.exclude(stage=CONF):
        assert local(reminder.send_at).hour == 10, reminder


@pytest.mark.parametrize("zone", [LONDON, UTC], ids=["start-in-london-time", "start-in-utc"])
def test_an_offset_in_hours_is_elapsed_time_across_the_clock_change(book, frozen_now, zone):
    frozen_now.move_to(at(date(2027, 3, 1), "12:00"))
    rule = reminder_rule(DAY)
    rule.offset = timedelta(hours=44)
    rule.save()

    appointment = book(at(date(2027, 3, 29), "17:00").astimezone(zone))  # 16:00 UTC, BST

    # 44 real hours before 16:00 UTC Monday is 20:00 UTC Saturday, 20:00 GMT: before the quiet hours. (Counting on
    # the wall clock instead would give 21:00 GMT, quiet, and the text would wait for Sunday 08:00.)
    assert the(appointment, DAY, "sms").send_at == datetime(2027, 3, 27, 20, 0, tzinfo=UTC)


def test_an_offset_in_hours_gives_the_same_time_whichever_way_the_appointment_was_loaded(book, frozen_now):
    frozen_now.move_to(at(date(2027, 3, 1), "12:00"))
    rule = reminder_rule(DAY)
    rule.offset = timedelta(hours=44)
    rule.save()
    patient = PatientFactory(mobile="")
    appointment = book(at(date(2027, 3, 29), "17:00"), patient=patient)
    Patient.objects.filter(pk=patient.pk).update(mobile="+447911123456")

    services.patient_details_changed(Patient.objects.get(pk=patient.pk))  # loads the appointment from the database

    assert the(appointment, DAY, "sms").send_at == datetime(2027, 3, 27, 20, 0, tzinfo=UTC)


def test_a_patient_who_now_wants_email_only_has_her_pending_texts_closed_at_once(book):
    patient = PatientFactory(channels=["email", "sms"], mobile="+447911123456")
    appointment = book(FAR, patient=patient)
    assert appointment.reminders.filter(channel="sms", status=Reminder.Status.PENDING).exists()
    Patient.objects.filter(pk=patient.pk).update(channels=["email"])

    services.patient_details_changed(Patient.objects.get(pk=patient.pk))

    texts = appointment.reminders.filter(channel="sms")
    assert set(texts.values_list("status", flat=True)) <= {Reminder.Status.CANCELLED, Reminder.Status.SENT}
    assert texts.filter(last_error="The patient no longer wants reminders by sms.").exists()
    assert appointment.reminders.filter(channel="email", status=Reminder.Status.PENDING).exists()


# Rescheduling


def test_rescheduling_moves_pending_reminders(book, frozen_now):
    appointment = book(FAR)
    timed_before = set(appointment.reminders.exclude(stage=CONF).values_list("pk", flat=True))
    frozen_now.shift(timedelta(minutes=5))

    reschedule_appointment(appointment, new_start=ELSEWHEN)

    moved = appointment.reminders.exclude(stage__in=[CONF, Stage.RESCHEDULED])
    assert set(moved.values_list("pk", flat=True)) == timed_before  # moved, not duplicated
    expected = {
        WEEK: at(date(2030, 6, 27), "14:00"),
        PREP: at(date(2030, 6, 30), "14:00"),
        TWO_DAYS: at(date(2030, 7, 2), "14:00"),
        DAY: at(date(2030, 7, 3), "14:00"),
    }
    for reminder in moved:
        assert reminder.status == Reminder.Status.PENDING
        assert reminder.for_start == ELSEWHEN
        assert reminder.send_at == expected[reminder.stage], reminder
    assert not appointment.reminders.filter(for_start=FAR, status=Reminder.Status.PENDING).exists()


def test_rescheduling_to_a_near_time_skips_the_stages_already_past(book, frozen_now):
    appointment = book(FAR)
    frozen_now.shift(timedelta(minutes=5))
    near = at(date(2030, 6, 7), "11:00")  # Friday, two days ahead less an hour

    reschedule_appointment(appointment, new_start=near)

    assert rows(appointment, for_start=near, status=Reminder.Status.SKIPPED) == {
        (WEEK, "email"),
        (PREP, "email"),
        (TWO_DAYS, "sms"),
        (TWO_DAYS, "email"),
    }
    assert the(appointment, PREP, "sms", for_start=near).status == Reminder.Status.PENDING  # the rule, by text, now
    day_before = the(appointment, DAY, "sms")
    assert (day_before.status, day_before.for_start, day_before.send_at) == (
        Reminder.Status.PENDING,
        near,
        at(date(2030, 6, 6), "11:00"),
    )
    # The old time's reminders for those stages are closed, saying why.
    old = appointment.reminders.filter(for_start=FAR).exclude(stage=CONF)
    assert {r.status for r in old} == {Reminder.Status.CANCELLED}
    assert all("moved to" in r.last_error for r in old)
    # And nothing is left to fire at the old time.
    assert not appointment.reminders.filter(status=Reminder.Status.PENDING, for_start=FAR).exists()


def test_rescheduling_tells_the_patient_where_the_confirmation_went_and_moves_the_one_that_had_not(
    book, frozen_now, mailoutbox, sms_outbox
):
    appointment = book(FAR)
    services.send_reminder(the(appointment, CONF, "email").pk)  # the email went; the text has not yet
    assert the(appointment, CONF, "email").status == Reminder.Status.SENT
    frozen_now.shift(timedelta(minutes=5))

    reschedule_appointment(appointment, new_start=ELSEWHEN)

    notice = the(appointment, Stage.RESCHEDULED, "email")
    assert (notice.status, notice.for_start, notice.send_at) == (Reminder.Status.PENDING, ELSEWHEN, timezone.now())
    assert notice.content_stages[0] == Stage.RESCHEDULED
    assert not appointment.reminders.filter(stage=Stage.RESCHEDULED, channel="sms").exists()
    text = the(appointment, CONF, "sms")
    assert (text.status, text.for_start, text.send_at) == (Reminder.Status.PENDING, ELSEWHEN, timezone.now())
    # The sent confirmation keeps the time it announced.
    assert the(appointment, CONF, "email").for_start == FAR


def test_rescheduling_in_quiet_hours_holds_the_text_notice_till_8(book, frozen_now, mailoutbox, sms_outbox):
    appointment = book(FAR)
    for reminder in appointment.reminders.filter(stage=CONF):
        services.send_reminder(reminder.pk)
    frozen_now.move_to(at(date(2030, 6, 5), "22:15"))

    reschedule_appointment(appointment, new_start=ELSEWHEN)

    assert the(appointment, Stage.RESCHEDULED, "sms").send_at == at(date(2030, 6, 6), "08:00")
    assert the(appointment, Stage.RESCHEDULED, "email").send_at == at(date(2030, 6, 5), "22:15")


def test_rescheduling_back_and_forth_tells_the_patient_each_time(book, frozen_now, mailoutbox, sms_outbox):
    appointment = book(FAR)
    for reminder in appointment.reminders.filter(stage=CONF):
        services.send_reminder(reminder.pk)

    frozen_now.shift(timedelta(hours=1))
    appointment = reschedule_appointment(appointment, new_start=ELSEWHEN)
    for reminder in appointment.reminders.filter(stage=Stage.RESCHEDULED):
        services.send_reminder(reminder.pk)
    frozen_now.shift(timedelta(hours=1))
    appointment = reschedule_appointment(appointment, new_start=FAR)

    notices = appointment.reminders.filter(stage=Stage.RESCHEDULED)
    assert sorted((r.channel, r.for_start, r.status) for r in notices) == [
        ("email", FAR, Reminder.Status.PENDING),
        ("email", ELSEWHEN, Reminder.Status.SENT),
        ("sms", FAR, Reminder.Status.PENDING),
        ("sms", ELSEWHEN, Reminder.Status.SENT),
    ]
    # The timed reminders are back at the first time, once each.
    assert rows(appointment, status=Reminder.Status.PENDING, occasion="") == EVERY_ROW - {
        (CONF, "email"),
        (CONF, "sms"),
    }
    assert the(appointment, WEEK, "email", status=Reminder.Status.PENDING).send_at == at(date(2030, 6, 17), "10:00")
    assert appointment.reminders.filter(status=Reminder.Status.PENDING).exclude(for_start=FAR).count() == 0


def test_a_notice_of_a_move_that_was_undone_before_it_went_is_not_sent(book, frozen_now, mailoutbox, sms_outbox):
    appointment = book(FAR)
    for reminder in appointment.reminders.filter(stage=CONF):
        services.send_reminder(reminder.pk)
    frozen_now.shift(timedelta(minutes=1))
    appointment = reschedule_appointment(appointment, new_start=ELSEWHEN)
    frozen_now.shift(timedelta(minutes=1))

    appointment = reschedule_appointment(appointment, new_start=FAR)

    stale = appointment.reminders.filter(stage=Stage.RESCHEDULED, for_start=ELSEWHEN)
    assert {r.status for r in stale} == {Reminder.Status.CANCELLED}
    assert rows(appointment, stage=Stage.RESCHEDULED, status=Reminder.Status.PENDING) == {
        (Stage.RESCHEDULED, "email"),
        (Stage.RESCHEDULED, "sms"),
    }


def test_moving_to_a_near_time_and_back_brings_the_skipped_stages_back(book, frozen_now):
    appointment = book(FAR)
    frozen_now.shift(timedelta(minutes=1))
    appointment = reschedule_appointment(appointment, new_start=at(date(2030, 6, 7), "11:00"))
    frozen_now.shift(timedelta(minutes=1))

    appointment = reschedule_appointment(appointment, new_start=FAR)

    # Nineteen days ahead again: every timed stage is to come, once.
    pending = appointment.reminders.filter(status=Reminder.Status.PENDING, for_start=FAR, occasion="")
    assert rows(appointment, pk__in=pending) == EVERY_ROW
    assert the(appointment, WEEK, "email", status=Reminder.Status.PENDING).send_at == at(date(2030, 6, 17), "10:00")
    assert the(appointment, TWO_DAYS, "sms", status=Reminder.Status.PENDING).send_at == at(date(2030, 6, 22), "10:00")


def test_rescheduling_a_confirmed_appointment_asks_again_for_confirmation(book):
    appointment = confirm_attendance(book(FAR))

    appointment = reschedule_appointment(appointment, new_start=ELSEWHEN)

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


# Cancelling, no-show, check-in


def test_cancelling_cancels_pending_reminders_and_sends_the_cancellation_notice(
    book, frozen_now, queued, django_capture_on_commit_callbacks
):
    appointment = book(FAR)
    frozen_now.shift(timedelta(hours=2))

    with django_capture_on_commit_callbacks(execute=True):
        cancel_appointment(appointment, reason_code="patient_request", reason="Patient asked to cancel")

    cancelled = appointment.reminders.exclude(stage=Stage.CANCELLATION)
    assert {r.status for r in cancelled} == {Reminder.Status.CANCELLED}
    assert {r.last_error for r in cancelled} == {"The appointment was cancelled."}
    notices = appointment.reminders.filter(stage=Stage.CANCELLATION)
    assert {(r.channel, r.status, r.send_at, r.for_start) for r in notices} == {
        ("email", Reminder.Status.PENDING, timezone.now(), FAR),
        ("sms", Reminder.Status.PENDING, timezone.now(), FAR),
    }
    assert all(r.content_stages == [Stage.CANCELLATION] for r in notices)
    assert sorted(queued) == sorted(r.pk for r in notices)


def test_cancelling_leaves_what_was_already_sent_as_sent(book, frozen_now, mailoutbox, sms_outbox):
    appointment = book(FAR)
    confirmation = the(appointment, CONF, "email")
    services.send_reminder(confirmation.pk)
    frozen_now.shift(timedelta(hours=2))

    cancel_appointment(appointment, reason_code="patient_request", reason="Patient asked to cancel")

    confirmation.refresh_from_db()
    assert confirmation.status == Reminder.Status.SENT
    assert confirmation.body  # what the patient saw is kept


def test_no_show_closes_the_open_reminders(book, frozen_now):
    appointment = book(FAR)
    frozen_now.move_to(FAR + timedelta(minutes=30))

    mark_no_show(appointment)

    assert not appointment.reminders.filter(status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING]).exists()
    assert set(appointment.reminders.values_list("last_error", flat=True)) == {"The patient did not attend."}
    assert not appointment.reminders.filter(stage=Stage.CANCELLATION).exists()


@pytest.mark.parametrize(
    "action, reason",
    [(check_in, "The patient has checked in."), (complete_appointment, "The appointment has taken place.")],
)
def test_checking_in_or_completing_closes_the_open_reminders(book, frozen_now, action, reason):
    appointment = book(FAR)
    frozen_now.move_to(FAR - timedelta(minutes=20))

    action(appointment)

    assert {r.status for r in appointment.reminders.all()} == {Reminder.Status.CANCELLED}
    assert set(appointment.reminders.values_list("last_error", flat=True)) == {reason}


# Opting out


def test_opting_out_cancels_pending_reminders_and_records_when(book, frozen_now, mailoutbox, sms_outbox):
    patient = PatientFactory()
    first = book(FAR, patient=patient)
    second = book(ELSEWHEN, patient=patient)
    services.send_reminder(the(first, CONF, "email").pk)
    frozen_now.shift(timedelta(hours=3))

    count = opt_out(patient)

    patient.refresh_from_db()
    assert patient.reminders_opt_out_at == timezone.now()
    assert count == 2 * len(EVERY_ROW) - 1
    for appointment in (first, second):
        assert not appointment.reminders.filter(status=Reminder.Status.PENDING).exists()
    assert the(first, CONF, "email").status == Reminder.Status.SENT
    assert set(Reminder.objects.filter(status=Reminder.Status.CANCELLED).values_list("last_error", flat=True)) == {
        "The patient opted out of reminders."
    }


def test_opting_out_twice_keeps_the_first_time(book, frozen_now):
    patient = PatientFactory()
    book(FAR, patient=patient)
    opt_out(patient)
    first_time = timezone.now()
    frozen_now.shift(timedelta(days=1))

    assert opt_out(patient) == 0

    patient.refresh_from_db()
    assert patient.reminders_opt_out_at == first_time


def test_a_patient_who_stopped_reminders_is_still_told_of_a_move_and_a_cancellation(book, frozen_now):
    """Service notices are not reminders (issue 18): stopping reminders stops the reminders, not the news."""
    patient = PatientFactory()
    appointment = book(FAR, patient=patient)
    opt_out(patient)
    frozen_now.shift(timedelta(minutes=5))

    appointment = reschedule_appointment(appointment, new_start=ELSEWHEN)
    assert rows(appointment, status=Reminder.Status.PENDING) == {
        (Stage.RESCHEDULED, "email"),
        (Stage.RESCHEDULED, "sms"),
    }
    cancel_appointment(appointment, reason_code="patient_request", reason="Patient request")

    # The move's notice, not yet sent, is stale now: the cancellation says what she needs to know.
    assert rows(appointment, status=Reminder.Status.PENDING) == {
        (Stage.CANCELLATION, "email"),
        (Stage.CANCELLATION, "sms"),
    }
    assert not appointment.reminders.filter(stage__in=[WEEK, PREP, TWO_DAYS, DAY], status=Reminder.Status.PENDING)


def test_a_move_notice_never_texts_a_number_that_replied_stop(book, frozen_now):
    patient = PatientFactory(sms_stopped_at=NOW)
    appointment = book(FAR, patient=patient)
    appointment.reminders.filter(stage=CONF).update(status=Reminder.Status.SENT, sent_at=NOW)
    frozen_now.shift(timedelta(minutes=5))

    appointment = reschedule_appointment(appointment, new_start=ELSEWHEN)

    assert rows(appointment, stage=Stage.RESCHEDULED, status=Reminder.Status.PENDING) == {(Stage.RESCHEDULED, "email")}


def test_a_move_no_channel_can_carry_is_kept_as_missed_and_sent_once_when_she_restarts(book, frozen_now):
    patient = PatientFactory(email="", channels=["sms"])
    appointment = book(FAR, patient=patient)
    appointment.reminders.filter(stage=CONF).update(status=Reminder.Status.SENT, sent_at=NOW)
    Patient.objects.filter(pk=patient.pk).update(sms_stopped_at=NOW)  # she replied STOP
    appointment.patient.refresh_from_db()
    frozen_now.shift(timedelta(minutes=5))

    appointment = reschedule_appointment(appointment, new_start=ELSEWHEN)
    missed = the(appointment, Stage.RESCHEDULED, "sms")
    assert (missed.status, missed.close_reason) == (Reminder.Status.CANCELLED, Reminder.CloseReason.UNREACHABLE)
    assert missed.last_error.startswith("Missed: The patient replied STOP")

    Patient.objects.filter(pk=patient.pk).update(sms_stopped_at=None)  # she replied START
    patient.refresh_from_db()
    assert services.send_missed_notices(patient) == 1
    assert services.send_missed_notices(patient) == 0  # once
    missed.refresh_from_db()
    assert (missed.status, missed.previous_start, missed.for_start) == (Reminder.Status.PENDING, FAR, ELSEWHEN)
