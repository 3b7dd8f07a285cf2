"""The waiting list (issue 20): a cancelled or moved appointment's time is offered, by text and email, to patients who
said they could come earlier at short notice; the first to accept gets it, the others keep their time; offers expire
and pass on; the accepting patient's old time is offered in turn.

"Now" is Wednesday 5 June 2030, 12:00 in London. The freed time is Friday 7 June 10:00 (46 hours ahead)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from procedures.links import patient_url
from procedures.models import Appointment, FreedSlot, SlotOffer
from procedures.services import (
    BookingError,
    accept_offer,
    cancel_appointment,
    decline_offer,
    reschedule_appointment,
    run_rounds,
    set_short_notice,
)
from procedures.services.waitlist import NOBODY_FITS, TOO_CLOSE, waiting_for
from reminders.models import Reminder
from reminders.stages import Stage
from tests.clinic import FAR, FRIDAY, MONDAY, NOW, at
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

SOON = at(FRIDAY, "10:00")


@pytest.fixture
def freed_friday(book):
    """Friday 10:00 in Mammo Room 1, booked, to be cancelled by the test."""
    return book(SOON)


@pytest.fixture
def waiting(book, room2):
    """Three patients on the list, booked later in Room 2, booked in this order (earliest booked first)."""
    made = []
    for days in (0, 1, 2):
        appointment = book(FAR + timedelta(days=days), room=room2, patient=PatientFactory(given_name=f"W{days}"))
        made.append(set_short_notice(appointment, ok=True, hours=Appointment.ShortNotice.A_DAY))
    return made


def cancel(appointment):
    return cancel_appointment(appointment, reason_code=Appointment.CancelReason.UNWELL)


def offers_to(appointment):
    return SlotOffer.objects.filter(appointment=appointment)


def test_a_cancellation_offers_the_time_to_the_earliest_booked_waiting_patients(freed_friday, waiting, settings):
    settings.OFFER_ROUND_SIZE = 2
    cancel(freed_friday)
    slot = FreedSlot.objects.get(freed_by=freed_friday)
    assert slot.status == FreedSlot.Status.OPEN and slot.cause == FreedSlot.Cause.CANCELLED
    offered = set(slot.offers.values_list("appointment_id", flat=True))
    assert offered == {waiting[0].pk, waiting[1].pk}
    offer = slot.offers.get(appointment=waiting[0])
    assert offer.expires_at == NOW + timedelta(minutes=settings.OFFER_MINUTES)
    rows = Reminder.objects.filter(appointment=waiting[0], stage=Stage.SLOT_OFFER)
    assert sorted(rows.values_list("channel", flat=True)) == ["email", "sms"]
    assert set(rows.values_list("occasion", flat=True)) == {offer.occasion}


def test_the_first_acceptance_moves_her_and_the_next_is_told_it_was_taken(freed_friday, waiting, room):
    cancel(freed_friday)
    first, second = (offers_to(w).get() for w in waiting[:2])
    taken = accept_offer(first)
    assert taken.status == SlotOffer.Status.ACCEPTED
    moved = Appointment.objects.get(pk=waiting[0].pk)
    assert (moved.scheduled_start, moved.room) == (SOON, room)
    late = accept_offer(second)
    assert late.status == SlotOffer.Status.TAKEN
    assert Appointment.objects.get(pk=waiting[1].pk).scheduled_start == waiting[1].scheduled_start  # keeps her time
    slot = FreedSlot.objects.get(freed_by=freed_friday)
    assert slot.status == FreedSlot.Status.FILLED and slot.filled_by_id == waiting[0].pk


def test_a_freed_time_off_todays_slot_step_is_still_taken_when_accepted(freed_friday, waiting, room, settings):
    """Friday 10:00 was booked on the 15-minute step; the step is now 25 minutes (08:00, 08:25, ... 09:40, 10:05):
    the time someone held is still the patient's to take, not refused as off the step and reported "taken"."""
    settings.SLOT_STEP_MINUTES = 25
    cancel(freed_friday)
    accepted = accept_offer(offers_to(waiting[0]).get())
    assert accepted.status == SlotOffer.Status.ACCEPTED
    assert Appointment.objects.get(pk=waiting[0].pk).scheduled_start == SOON


def test_the_accepting_patients_old_time_is_offered_on(freed_friday, waiting, book, room2):
    sooner = set_short_notice(book(FAR - timedelta(days=3), room=room2), ok=True)
    later = set_short_notice(book(FAR + timedelta(days=7), room=room2), ok=True)
    cancel(freed_friday)
    accept_offer(offers_to(waiting[0]).get())
    left = FreedSlot.objects.get(freed_by=waiting[0], cause=FreedSlot.Cause.MOVED)
    assert left.start == waiting[0].scheduled_start
    # Only those booked later than the freed time can want it: the two who lost Friday to her (their offers closed
    # in that acceptance) and the later patient; not the one booked sooner, though she booked before the later one.
    assert set(left.offers.values_list("appointment_id", flat=True)) == {waiting[1].pk, waiting[2].pk, later.pk}
    assert not offers_to(sooner).filter(freed_slot=left).exists()


def test_those_who_lost_the_time_to_her_come_first_for_her_old_time(freed_friday, waiting, book, room2, settings):
    settings.OFFER_ROUND_SIZE = 2
    later = set_short_notice(book(FAR + timedelta(days=7), room=room2), ok=True)
    cancel(freed_friday)  # offered to W0 and W1
    accept_offer(offers_to(waiting[0]).get())
    left = FreedSlot.objects.get(freed_by=waiting[0], cause=FreedSlot.Cause.MOVED)
    # W1's offer of Friday closed as taken in that same acceptance: booked before W2 and the later patient, she is
    # among the first offered W0's old time, not passed over until the next round.
    assert offers_to(waiting[1]).get(freed_slot__freed_by=freed_friday).status == SlotOffer.Status.TAKEN
    assert set(left.offers.values_list("appointment_id", flat=True)) == {waiting[1].pk, waiting[2].pk}
    assert not offers_to(later).exists()


def test_the_database_lets_only_one_acceptance_stand(freed_friday, waiting):
    cancel(freed_friday)
    first, second = (offers_to(w).get() for w in waiting[:2])
    SlotOffer.objects.filter(pk=first.pk).update(status=SlotOffer.Status.ACCEPTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        SlotOffer.objects.filter(pk=second.pk).update(status=SlotOffer.Status.ACCEPTED)


def test_expired_offers_pass_on_to_the_next_patients(freed_friday, waiting, settings, frozen_now):
    settings.OFFER_ROUND_SIZE = 2
    cancel(freed_friday)
    frozen_now.shift(timedelta(minutes=settings.OFFER_MINUTES + 1))
    assert run_rounds() == 1
    assert offers_to(waiting[0]).get().status == SlotOffer.Status.EXPIRED
    assert offers_to(waiting[2]).get().status == SlotOffer.Status.OFFERED
    assert accept_offer(offers_to(waiting[0]).get()).status == SlotOffer.Status.EXPIRED  # too late to take it


def test_declining_the_last_offer_out_passes_it_on_at_once(freed_friday, waiting, settings):
    settings.OFFER_ROUND_SIZE = 1
    cancel(freed_friday)
    decline_offer(offers_to(waiting[0]).get())
    assert offers_to(waiting[0]).get().status == SlotOffer.Status.DECLINED
    assert offers_to(waiting[1]).get().status == SlotOffer.Status.OFFERED


def test_nobody_is_offered_a_time_with_less_notice_than_they_need(freed_friday, waiting):
    set_short_notice(waiting[0], ok=True, hours=Appointment.ShortNotice.TWO_DAYS)  # Friday 10:00 is 46 hours away
    cancel(freed_friday)
    assert not offers_to(waiting[0]).exists()
    assert offers_to(waiting[1]).exists()


def test_only_the_same_procedure_length_and_later_bookings_fit(freed_friday, book, room2):
    longer = set_short_notice(book(FAR, room=room2, expected_duration=60), ok=True)
    earlier = set_short_notice(book(at(FRIDAY, "08:00"), room=room2), ok=True)
    not_waiting = book(FAR + timedelta(days=1), room=room2)
    cancel(freed_friday)
    slot = FreedSlot.objects.get(freed_by=freed_friday)
    assert slot.status == FreedSlot.Status.UNFILLED and slot.note == NOBODY_FITS
    assert not SlotOffer.objects.filter(appointment__in=[longer, earlier, not_waiting]).exists()


def test_a_text_only_patient_without_a_mobile_is_skipped_not_stuck(freed_friday, waiting):
    Appointment.objects.get(pk=waiting[0].pk).patient.__class__.objects.filter(pk=waiting[0].patient_id).update(
        mobile="", email="", channels=["sms"]
    )
    cancel(freed_friday)
    assert not offers_to(waiting[0]).exists()
    assert offers_to(waiting[1]).exists()


def test_a_time_too_close_to_answer_and_come_is_not_offered(book, waiting, frozen_now):
    soon = book(NOW + timedelta(minutes=45))
    cancel(soon)
    assert not FreedSlot.objects.filter(freed_by=soon).exists()


def test_a_time_that_came_too_close_during_its_rounds_closes_unfilled(freed_friday, waiting, frozen_now):
    cancel(freed_friday)
    frozen_now.move_to(at(FRIDAY, "09:30"))  # every offer has expired, and nobody could answer and come in time
    assert run_rounds() == 0
    slot = FreedSlot.objects.get(freed_by=freed_friday)
    assert (slot.status, slot.note) == (FreedSlot.Status.UNFILLED, TOO_CLOSE)
    assert not slot.offers.filter(status=SlotOffer.Status.OFFERED).exists()


def test_no_round_starts_in_the_quiet_hours(book, waiting, frozen_now):
    afternoon = book(at(FRIDAY, "15:00"))
    for appointment in waiting:
        set_short_notice(appointment, ok=True, hours=Appointment.ShortNotice.HOURS)
    frozen_now.move_to(at(FRIDAY - timedelta(days=1), "22:30"))
    cancel(afternoon)
    slot = FreedSlot.objects.get(freed_by=afternoon)
    assert not slot.offers.exists()
    assert slot.next_round_at == at(FRIDAY, "08:00")
    frozen_now.move_to(at(FRIDAY, "07:59"))
    assert run_rounds() == 0
    frozen_now.move_to(at(FRIDAY, "08:00"))
    assert run_rounds() == 3


def test_a_time_staff_booked_meanwhile_closes_and_its_offers_say_taken(freed_friday, waiting, book):
    cancel(freed_friday)
    book(SOON)  # a scheduler fills Friday 10:00 by hand
    offer = offers_to(waiting[0]).get()
    assert accept_offer(offer).status == SlotOffer.Status.TAKEN
    assert FreedSlot.objects.get(freed_by=freed_friday).status == FreedSlot.Status.BOOKED
    assert Appointment.objects.get(pk=waiting[0].pk).scheduled_start == waiting[0].scheduled_start


def test_moving_or_cancelling_her_appointment_withdraws_her_offers(freed_friday, waiting):
    cancel(freed_friday)
    reschedule_appointment(waiting[0], new_start=waiting[0].scheduled_start + timedelta(days=7))
    assert offers_to(waiting[0]).get().status == SlotOffer.Status.WITHDRAWN


def test_an_offer_message_is_not_sent_once_the_time_is_taken(freed_friday, waiting, sms_outbox):
    from reminders.services import send_reminder

    cancel(freed_friday)
    accept_offer(offers_to(waiting[0]).get())
    friday = offers_to(waiting[1]).get(freed_slot__freed_by=freed_friday)  # she is offered W0's old time too
    row = Reminder.objects.get(occasion=friday.occasion, stage=Stage.SLOT_OFFER, channel="sms")
    send_reminder(row.pk)
    row.refresh_from_db()
    assert row.status == Reminder.Status.CANCELLED and row.close_reason == Reminder.CloseReason.OFFER_CLOSED
    assert sms_outbox == []


def test_the_offer_text_names_the_time_and_link_and_nothing_clinical(freed_friday, waiting, sms_outbox):
    from reminders.services import send_reminder

    cancel(freed_friday)
    offer = offers_to(waiting[0]).get()
    row = Reminder.objects.get(appointment=waiting[0], stage=Stage.SLOT_OFFER, channel="sms")
    send_reminder(row.pk)
    row.refresh_from_db()
    assert row.status == Reminder.Status.SENT, row.last_error
    assert "Fri 7 Jun" in row.body and "10:00" in row.body and patient_url(waiting[0]) in row.body  # her page
    assert "12:30" in row.body  # open until
    # Friday is inside the three-day preparation window: one segment says the preparation starts at once, and her
    # page says what to do before she takes it.
    assert "prep from now" in row.body and len(row.body) <= 160
    assert offer.status == SlotOffer.Status.OFFERED


def test_the_offer_email_says_what_to_do_and_carries_no_invitation(freed_friday, waiting, mailoutbox):
    from reminders.services import send_reminder

    cancel(freed_friday)
    row = Reminder.objects.get(appointment=waiting[0], stage=Stage.SLOT_OFFER, channel="email")
    send_reminder(row.pk)
    (email,) = [m for m in mailoutbox if m.to == [waiting[0].patient.email]]
    assert email.subject.startswith("An earlier appointment is free")
    assert "your preparation starts at once" in email.body
    assert not email.attachments


def test_staff_cannot_put_a_cancelled_appointment_on_the_list(freed_friday):
    cancel(freed_friday)
    with pytest.raises(BookingError):
        set_short_notice(freed_friday, ok=True)


def test_the_best_matches_are_the_earliest_booked(freed_friday, waiting):
    cancel(freed_friday)
    slot = FreedSlot.objects.get(freed_by=freed_friday)
    SlotOffer.objects.filter(freed_slot=slot).delete()
    assert [a.pk for a in waiting_for(slot, NOW)] == [w.pk for w in waiting]


def test_a_slot_freed_on_monday_is_not_offered_to_someone_booked_before_it(book, room2):
    monday = book(at(MONDAY, "10:00"))
    before = set_short_notice(book(at(FRIDAY, "14:00"), room=room2), ok=True)
    cancel(monday)
    assert not offers_to(before).exists()


def test_a_patient_moving_herself_frees_her_time_for_the_list(freed_friday, waiting):
    from procedures.patient_page.selectors import times_to_choose
    from procedures.patient_page.services import choose_new_time

    offered = [start for _day, starts in times_to_choose(freed_friday) for start in starts]
    choose_new_time(freed_friday, start=offered[-1])
    slot = FreedSlot.objects.get(freed_by=freed_friday)
    assert (slot.cause, slot.start) == (FreedSlot.Cause.MOVED, SOON)
    assert offers_to(waiting[0]).exists()


def test_with_clinical_content_kept_out_of_email_the_offer_names_no_body_part(freed_friday, waiting, settings):
    from reminders.channels import Draft, channel_for

    settings.REMINDER_EMAIL_CONTENT = "link"
    cancel(freed_friday)
    row = Reminder.objects.select_related("appointment__patient", "appointment__procedure_type", "appointment__room")
    message = channel_for("email").render(
        Draft.of(row.get(appointment=waiting[0], channel="email", stage=Stage.SLOT_OFFER))
    )
    assert "please read what to do on the page before you accept" in message.text
    assert "nipple" not in message.text.lower() and "nipple" not in message.html.lower()


def test_a_time_less_than_a_day_earlier_is_not_worth_a_move(freed_friday, book, room2, settings):
    settings.OFFER_MIN_GAIN_HOURS = 24
    same_evening = set_short_notice(book(at(FRIDAY, "16:00"), room=room2), ok=True)
    a_day_later = set_short_notice(book(at(MONDAY, "10:00"), room=room2), ok=True)
    cancel(freed_friday)
    assert not offers_to(same_evening).exists()
    assert offers_to(a_day_later).exists()


def test_taking_an_earlier_time_takes_her_off_the_list_so_one_cancellation_moves_her_once(freed_friday, waiting):
    cancel(freed_friday)
    accept_offer(offers_to(waiting[0]).get())
    moved = Appointment.objects.get(pk=waiting[0].pk)
    assert moved.scheduled_start == SOON and moved.short_notice_ok is False


def test_declining_an_offer_past_its_time_records_it_expired_as_accepting_would(freed_friday, waiting, frozen_now):
    cancel(freed_friday)
    frozen_now.shift(timedelta(minutes=31))
    assert decline_offer(offers_to(waiting[0]).get()).status == SlotOffer.Status.EXPIRED
    assert accept_offer(offers_to(waiting[1]).get()).status == SlotOffer.Status.EXPIRED


def test_offers_switched_off_in_the_admin_close_the_time_saying_so(freed_friday, waiting, frozen_now):
    from procedures.services.waitlist import OFFERS_OFF
    from reminders.models import ReminderRule

    cancel(freed_friday)
    slot = FreedSlot.objects.get(freed_by=freed_friday)
    ReminderRule.objects.filter(stage=Stage.SLOT_OFFER).update(is_active=False)
    frozen_now.shift(timedelta(minutes=31))
    assert run_rounds() == 0
    slot.refresh_from_db()
    assert (slot.status, slot.note) == (FreedSlot.Status.UNFILLED, OFFERS_OFF)


def test_a_round_reads_the_offer_rule_once_whatever_the_number_of_patients(freed_friday, waiting, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.OFFER_ROUND_SIZE = 3
    with CaptureQueriesContext(connection) as queries:
        cancel(freed_friday)
    rule_reads = [q for q in queries.captured_queries if 'FROM "reminders_reminderrule"' in q["sql"]]
    # One to decide the time is worth recording, one for its round (the cancellation notice reads its own rule).
    assert len([q for q in rule_reads if "slot_offer" in q["sql"]]) == 2


def test_the_offer_email_shares_the_reminders_frame_down_to_its_phone_width_styles(freed_friday, waiting):
    from reminders.channels import Draft, channel_for

    cancel(freed_friday)
    row = Reminder.objects.select_related("appointment__patient", "appointment__procedure_type", "appointment__room")
    html = (
        channel_for("email")
        .render(Draft.of(row.get(appointment=waiting[0], channel="email", stage=Stage.SLOT_OFFER)))
        .html
    )
    assert "@media (max-width: 480px)" in html and 'class="button"' in html
    assert html.index("Dear ") < html.index("An earlier time for your appointment is free") < html.index("call us on")
