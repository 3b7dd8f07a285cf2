"""Two schedulers (or eight) clicking "Book" for the same slot at the same moment: exactly one gets it.

The booking service's own overlap check runs inside each transaction, but under READ COMMITTED it cannot see a
booking that another transaction has not committed yet; PostgreSQL's exclusion constraint is what holds, and the
losers must hear the same sentence the check would have given them.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from procedures.models import Appointment
from procedures.services import BookingError, book_appointment
from tests.factories import (
    PatientFactory,
    ProcedureTypeFactory,
    RadiologistFactory,
    RoomFactory,
    SchedulerFactory,
    next_clinic_day,
)

THREADS = 8

# serialized_rollback: the flush after a transactional test must not take the migrations' rows (groups, DUCTOGRAM).
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def book_all_at_once(bookings: list[dict]) -> list[Appointment | BookingError]:
    """Run each booking in its own thread and database connection, released together by a barrier."""
    barrier = threading.Barrier(len(bookings))
    outcomes: list[Appointment | BookingError | BaseException | None] = [None] * len(bookings)

    def run(index: int, kwargs: dict) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = book_appointment(**kwargs)
        except BookingError as exc:
            outcomes[index] = exc
        except BaseException as exc:  # noqa: BLE001 - anything else is a failure the test reports
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, kwargs)) for i, kwargs in enumerate(bookings)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    unexpected = [o for o in outcomes if not isinstance(o, Appointment | BookingError)]
    assert not unexpected, unexpected
    return outcomes


def test_eight_schedulers_booking_the_same_slot_at_once_give_one_booking_and_seven_sentences():
    ductogram = ProcedureTypeFactory()
    room = RoomFactory(name="Mammo Room 1")
    start = next_clinic_day(days_ahead=7)
    bookings = [
        dict(
            patient=PatientFactory(),
            procedure_type=ductogram,
            room=room,
            scheduled_start=start,
            booked_by=SchedulerFactory(),
            laterality="left",
            discharge="bloody",
        )
        for _ in range(THREADS)
    ]

    outcomes = book_all_at_once(bookings)

    booked = [o for o in outcomes if isinstance(o, Appointment)]
    refused = [str(o) for o in outcomes if isinstance(o, BookingError)]
    assert len(booked) == 1
    assert refused == ["Mammo Room 1 is booked 10:00-10:45 for another patient."] * (THREADS - 1)
    assert list(Appointment.objects.values_list("pk", flat=True)) == [booked[0].pk]
    # The winner's reminders exist; the losers left nothing behind.
    assert booked[0].reminders.exists()
    assert not Appointment.objects.exclude(pk=booked[0].pk).exists()


def test_overlapping_but_not_identical_slots_booked_at_once_still_give_one_booking(settings):
    settings.SLOT_STEP_MINUTES = 5  # a clinic booking every 5 minutes: eight starts 5 minutes apart all overlap
    ductogram = ProcedureTypeFactory()
    room = RoomFactory(name="Mammo Room 2")
    start = next_clinic_day(days_ahead=8)
    bookings = [
        dict(
            patient=PatientFactory(),
            procedure_type=ductogram,
            room=room,
            scheduled_start=start + timedelta(minutes=5 * i),
            laterality="right",
            discharge="clear",
        )
        for i in range(THREADS)
    ]

    outcomes = book_all_at_once(bookings)

    booked = [o for o in outcomes if isinstance(o, Appointment)]
    refused = [str(o) for o in outcomes if isinstance(o, BookingError)]
    assert len(booked) == 1 and len(refused) == THREADS - 1
    assert all(sentence.startswith("Mammo Room 2 is booked ") for sentence in refused)
    assert Appointment.objects.count() == 1


def test_one_radiologist_booked_into_eight_rooms_at_once_is_booked_into_one():
    ductogram = ProcedureTypeFactory()
    radiologist = RadiologistFactory(first_name="Adaeze", last_name="Okafor")
    rooms = [RoomFactory(name=f"Room {n}") for n in range(1, THREADS + 1)]
    start = next_clinic_day(days_ahead=9)
    bookings = [
        dict(
            patient=PatientFactory(),
            procedure_type=ductogram,
            room=room,
            radiologist=radiologist,
            scheduled_start=start,
            laterality="left",
            discharge="serous",
        )
        for room in rooms
    ]

    outcomes = book_all_at_once(bookings)

    booked = [o for o in outcomes if isinstance(o, Appointment)]
    assert len(booked) == 1
    winner_room = booked[0].room.name
    refused = [str(o) for o in outcomes if isinstance(o, BookingError)]
    assert refused == [f"Adaeze Okafor is already booked 10:00-10:45 in {winner_room}."] * (THREADS - 1)
