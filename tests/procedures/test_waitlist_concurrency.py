"""Several patients tapping "Take this time" for the same freed time at the same moment: exactly one gets it, the
others are told it was taken and keep their own time; and a scheduler booking the time by hand at the same moment
as a patient's acceptance never gives two bookings. Real threads, real PostgreSQL connections."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from procedures.models import Appointment, FreedSlot, SlotOffer
from procedures.services import BookingError, accept_offer, book_appointment, cancel_appointment, set_short_notice
from tests.factories import PatientFactory, ProcedureTypeFactory, RoomFactory, next_clinic_day

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def at_once(calls) -> list:
    """Run each call in its own thread and connection, released together by a barrier; their results (or errors)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index: int, call) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except BaseException as exc:  # noqa: BLE001 - the test looks at every outcome
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def book(room, start, **details):
    return book_appointment(
        patient=PatientFactory(),
        procedure_type=ProcedureTypeFactory(),
        room=room,
        scheduled_start=start,
        laterality="left",
        discharge="bloody",
        **details,
    )


@pytest.fixture
def freed(settings):
    """A time six days ahead in Room 1, cancelled, offered to four waiting patients booked later in Room 2."""
    settings.OFFER_ROUND_SIZE = 4
    settings.SMS_QUIET_HOURS = ""
    room1, room2 = RoomFactory(name="Mammo Room 1"), RoomFactory(name="Mammo Room 2")
    start = next_clinic_day(days_ahead=6)
    waiting = [set_short_notice(book(room2, start + timedelta(days=14, hours=h)), ok=True) for h in range(4)]
    cancel_appointment(book(room1, start), reason_code=Appointment.CancelReason.UNWELL)
    return room1, start, waiting


def test_four_patients_accepting_at_once_give_one_move_and_three_taken(freed):
    room1, start, waiting = freed
    offers = list(SlotOffer.objects.filter(appointment__in=waiting))
    assert len(offers) == 4

    outcomes = at_once([lambda offer=offer: accept_offer(offer) for offer in offers])

    assert sorted(o.status for o in outcomes) == ["accepted", "taken", "taken", "taken"], outcomes
    assert Appointment.objects.filter(room=room1, scheduled_start=start, status="booked").count() == 1
    winner = next(o for o in outcomes if o.status == "accepted").appointment_id
    for appointment in waiting:
        now = Appointment.objects.get(pk=appointment.pk).scheduled_start
        assert now == (start if appointment.pk == winner else appointment.scheduled_start)
    assert FreedSlot.objects.get(start=start).filled_by_id == winner


def test_a_scheduler_booking_the_time_as_a_patient_accepts_gives_one_booking(freed):
    room1, start, waiting = freed
    offer = SlotOffer.objects.filter(appointment=waiting[0]).get()

    outcomes = at_once([lambda: accept_offer(offer), lambda: book(room1, start)])

    live = Appointment.objects.filter(room=room1, scheduled_start=start).exclude(status="cancelled")
    assert live.count() == 1
    accepted = isinstance(outcomes[0], SlotOffer) and outcomes[0].status == "accepted"
    assert accepted != isinstance(outcomes[1], Appointment)  # one of the two, never both
    if not accepted:
        assert outcomes[0].status == "taken"
    else:
        assert isinstance(outcomes[1], BookingError)
