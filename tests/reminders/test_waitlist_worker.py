"""The waiting list (issue 20) on real parts: a Celery worker subprocess, a redis-server of the test's own, an SMTP
sink (tests/reminders/test_worker.py's fixtures). A cancellation's time is offered by email through the worker; the
first acceptance moves her and the worker tells her so; the next is told it was taken and her slow email is never
sent; the accepting patient's old time is offered on; offers that expire pass the time on.

The clock is the real one (the worker's cannot be frozen): the appointments are weeks ahead on clinic days, and an
offer's expiry is brought to now by writing its row, the edge of the clock."""

import json
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from django.utils import timezone

from procedures import clinic_time
from procedures import services as booking
from procedures.models import Appointment, FreedSlot, SlotOffer
from reminders import services as reminders
from reminders.models import Reminder
from reminders.stages import Stage
from tests.factories import PatientFactory, ProcedureTypeFactory, RoomFactory, next_clinic_day
from tests.realparts import SMTPSink, wait_for
from tests.reminders.test_worker import make_worker, redis_server, smtp_sink  # noqa: F401 - the worker's fixtures

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

OFFERED = "An earlier appointment is free: "
MOVED = "Your appointment has moved to "


@dataclass
class Clinic:
    """Dora, booked next week, who will cancel; Anna, Beth and Cara on the waiting list, booked in that order for
    three and four weeks ahead, Cara last and latest."""

    dora: Appointment
    anna: Appointment
    beth: Appointment
    cara: Appointment


def _book(name: str, *, days_ahead: int, at: time, room, channels=("email",)) -> Appointment:
    return booking.book_appointment(
        patient=PatientFactory(given_name=name, channels=list(channels)),
        procedure_type=ProcedureTypeFactory(),
        room=room,
        scheduled_start=next_clinic_day(days_ahead=days_ahead, at=at),
        laterality="left",
        discharge="bloody",
    )


def _on_the_list(appointment: Appointment) -> Appointment:
    return booking.set_short_notice(appointment, ok=True, hours=Appointment.ShortNotice.A_DAY)


@pytest.fixture
def clinic(make_worker, settings) -> Clinic:  # noqa: F811 - after make_worker: its broker, no quiet hours
    settings.OFFER_ROUND_SIZE = 2  # two offers a round: Cara, booked last, is not offered at first
    room1, room2 = RoomFactory(name="Mammo Room 1"), RoomFactory(name="Mammo Room 2")
    dora = _book("Dora", days_ahead=5, at=time(10, 0), room=room1)
    # Beth also takes texts: her text is how she hears of the offer while her email is stuck.
    anna = _on_the_list(_book("Anna", days_ahead=21, at=time(10, 0), room=room2))
    beth = _on_the_list(_book("Beth", days_ahead=25, at=time(14, 0), room=room2, channels=("email", "sms")))
    cara = _on_the_list(_book("Cara", days_ahead=32, at=time(15, 0), room=room2))
    return Clinic(dora, anna, beth, cara)


def _emails(sink: SMTPSink, appointment: Appointment, subject: str) -> list:
    with sink.lock:
        return [m for m in sink.messages if m["To"] == appointment.patient.email and m["Subject"].startswith(subject)]


def _offer_subject(start) -> str:
    return f"{OFFERED}{clinic_time.short_date(start)} at {clinic_time.time_of_day(start)}"


def _offer_row(offer: SlotOffer, channel: str = "email") -> Reminder:
    return Reminder.objects.get(stage=Stage.SLOT_OFFER, occasion=offer.occasion, channel=channel)


def _status(row: Reminder) -> str:
    return Reminder.objects.get(pk=row.pk).status


def _status_after_dispatch(row: Reminder) -> str:
    reminders.dispatch_due()  # what beat does every 30 seconds: a row due for its retry goes to the worker
    return _status(row)


def _confirmations_sent(clinic: Clinic) -> None:
    """The bookings' confirmations, sent by the worker before the story starts."""
    rows = Reminder.objects.filter(stage=Stage.BOOKING_CONFIRMATION, appointment__in=vars(clinic).values())
    assert rows.count() >= 4
    wait_for(lambda: not rows.exclude(status=Reminder.Status.SENT).exists(), 60, what="the booking confirmations")


def _cancel(appointment: Appointment) -> FreedSlot:
    booking.cancel_appointment(appointment, reason_code=Appointment.CancelReason.UNWELL)
    return FreedSlot.objects.get(freed_by=appointment, cause=FreedSlot.Cause.CANCELLED)


def test_a_cancelled_time_goes_to_the_first_to_accept_and_her_old_time_is_offered_on(
    clinic,
    make_worker,  # noqa: F811
    smtp_sink,  # noqa: F811
    tmp_path,
):
    # Two pool processes: one may be stuck on Beth's email while the other sends. A deferred send is retried 1 s on.
    make_worker(concurrency=2, REMINDER_RETRY_BASE_SECONDS="1")
    _confirmations_sent(clinic)
    anna_was, beth_was = clinic.anna.scheduled_start, clinic.beth.scheduled_start
    smtp_sink.hold_to = clinic.beth.patient.email  # Beth's mail server gets stuck on her next email

    freed = _cancel(clinic.dora)

    offers = {o.appointment_id: o for o in freed.offers.all()}
    assert set(offers) == {clinic.anna.pk, clinic.beth.pk}, "the two booked earliest, not Cara"
    to_anna, to_beth = offers[clinic.anna.pk], offers[clinic.beth.pk]
    subject = _offer_subject(clinic.dora.scheduled_start)
    wait_for(lambda: _emails(smtp_sink, clinic.anna, subject), 60, what="Anna's offer email")
    wait_for(lambda: _status(_offer_row(to_anna)) == Reminder.Status.SENT, 60, what="Anna's offer recorded as sent")
    assert smtp_sink.holding.wait(10), "the worker never began sending Beth's offer email"
    smtp_sink.hold_to = None  # that one stays stuck until released; any later email to her goes through
    beths_email = Reminder.objects.get(pk=_offer_row(to_beth).pk)
    assert beths_email.status == Reminder.Status.SENDING and beths_email.claim_token, "in the worker's hands"
    beths_text = _offer_row(to_beth, "sms")
    wait_for(lambda: _status(beths_text) == Reminder.Status.SENT, 60, what="Beth's offer text")
    texts = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    (text,) = [t for t in texts if t["reference"] == str(beths_text.pk)]
    assert text["to"] == clinic.beth.patient.mobile.as_e164
    assert not SlotOffer.objects.filter(appointment=clinic.cara).exists()

    # Anna takes it from her email; Beth, from her text, a moment later: taken, and she keeps her time.
    assert booking.accept_offer(to_anna).status == SlotOffer.Status.ACCEPTED
    anna = Appointment.objects.get(pk=clinic.anna.pk)
    assert (anna.scheduled_start, anna.room_id) == (clinic.dora.scheduled_start, clinic.dora.room_id)
    assert booking.accept_offer(to_beth).status == SlotOffer.Status.TAKEN
    assert Appointment.objects.get(pk=clinic.beth.pk).scheduled_start == beth_was

    # Her mail server defers the stuck email (451); the retry finds the time taken and sends nothing.
    assert _status(beths_email) != Reminder.Status.SENT
    smtp_sink.released.set()
    wait_for(
        lambda: _status_after_dispatch(beths_email) == Reminder.Status.CANCELLED,
        60,
        interval=0.3,
        what="Beth's email retried and closed",
    )
    assert Reminder.objects.get(pk=beths_email.pk).close_reason == Reminder.CloseReason.OFFER_CLOSED
    assert beths_email.pk not in smtp_sink.reminder_ids()
    assert not _emails(smtp_sink, clinic.beth, subject)

    # The worker tells Anna she has moved.
    moved = f"{MOVED}{clinic_time.short_date(anna.scheduled_start)} at {clinic_time.time_of_day(anna.scheduled_start)}"
    wait_for(lambda: _emails(smtp_sink, clinic.anna, moved), 60, what="Anna's move notice")

    # Anna's old time is offered on to the two booked after it: Beth, who lost the time to her, and Cara, offered
    # nothing till now. The worker emails them both.
    left = FreedSlot.objects.get(freed_by=clinic.anna, cause=FreedSlot.Cause.MOVED)
    assert (left.start, left.status) == (anna_was, FreedSlot.Status.OPEN)
    assert set(left.offers.values_list("appointment_id", flat=True)) == {clinic.beth.pk, clinic.cara.pk}
    for waiting in (clinic.beth, clinic.cara):
        name, offer = waiting.patient.given_name, left.offers.get(appointment=waiting)
        wait_for(lambda w=waiting: _emails(smtp_sink, w, _offer_subject(anna_was)), 60, what=f"{name}'s offer email")
        wait_for(lambda o=offer: _status(_offer_row(o)) == Reminder.Status.SENT, 60, what=f"{name}'s recorded as sent")


def test_offers_nobody_answered_expire_and_the_time_passes_to_the_next_patient(
    clinic,
    make_worker,  # noqa: F811
    smtp_sink,  # noqa: F811
):
    make_worker(concurrency=1)
    _confirmations_sent(clinic)
    freed = _cancel(clinic.dora)
    subject = _offer_subject(clinic.dora.scheduled_start)
    for waiting in (clinic.anna, clinic.beth):
        wait_for(lambda w=waiting: _emails(smtp_sink, w, subject), 60, what=f"{waiting.patient.given_name}'s offer")
    first_round = list(freed.offers.all())
    assert {o.appointment_id for o in first_round} == {clinic.anna.pk, clinic.beth.pk}

    # Half an hour on, nobody has answered: the edge of the clock, moved by writing the offers' expiry.
    SlotOffer.objects.filter(pk__in=[o.pk for o in first_round]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert booking.run_rounds() == 1  # what beat's waitlist_rounds does

    to_cara = freed.offers.get(appointment=clinic.cara)
    assert to_cara.status == SlotOffer.Status.OFFERED
    wait_for(lambda: _emails(smtp_sink, clinic.cara, subject), 60, what="Cara's offer email")
    wait_for(lambda: _status(_offer_row(to_cara)) == Reminder.Status.SENT, 60, what="Cara's offer recorded as sent")

    # The expired offers stay expired: a late answer keeps Anna's time, and the next sweep offers them nothing.
    assert booking.accept_offer(freed.offers.get(appointment=clinic.anna)).status == SlotOffer.Status.EXPIRED
    assert Appointment.objects.get(pk=clinic.anna.pk).scheduled_start == clinic.anna.scheduled_start
    assert booking.run_rounds() == 0
    assert set(freed.offers.values_list("appointment_id", "status")) == {
        (clinic.anna.pk, SlotOffer.Status.EXPIRED),
        (clinic.beth.pk, SlotOffer.Status.EXPIRED),
        (clinic.cara.pk, SlotOffer.Status.OFFERED),
    }
    assert len(_emails(smtp_sink, clinic.anna, OFFERED)) == len(_emails(smtp_sink, clinic.beth, OFFERED)) == 1
