"""Free times, computed in one place (procedures/slots.py): what the booking form offers after a refusal, what
free_slots returns and what the day grid shows as free, all on the same slot step."""

import pytest
from django.urls import reverse
from django.utils import timezone

from procedures import slots
from procedures.models import Appointment
from procedures.schedule import day_schedule
from tests.clinic import THURSDAY, at
from tests.factories import AppointmentFactory, PatientFactory, RadiologistFactory, RoomFactory
from tests.procedures.test_views_booking import booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "ductogram")]

BOOK_URL = reverse("procedures:book")


def hhmm(moments) -> list[str]:
    return [f"{timezone.localtime(m):%H:%M}" for m in moments]


def test_a_refused_booking_also_offers_the_nearest_free_times_in_the_other_rooms(as_scheduler, room1, room2):
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "10:00"), expected_duration=45)
    AppointmentFactory(room=room2, scheduled_start=at(THURSDAY, "09:30"), expected_duration=30)
    page = as_scheduler.post(BOOK_URL, booking(PatientFactory(), room=room1.pk, start_time="10:15"))
    assert hhmm(page.context["offered"])[:2] == ["10:45", "11:00"]  # the asked-for room first
    elsewhere = page.context["offered_elsewhere"]
    assert [(o.room.name, f"{timezone.localtime(o.start):%H:%M}") for o in elsewhere] == [
        ("Mammo Room 2", "10:15"),
        ("Mammo Room 2", "10:30"),
        ("Mammo Room 2", "10:45"),
        ("Mammo Room 2", "11:00"),
    ]
    html = page.content.decode()
    assert f'value="{elsewhere[0].start.isoformat()}@{room2.pk}"' in html
    assert "Mammo Room 2: Thu 6 Jun 10:15" in html


def test_taking_a_time_offered_in_another_room_books_that_room(as_scheduler, room1, room2):
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "10:00"))
    patient = PatientFactory()
    data = booking(patient, room=room1.pk, take_slot=f"{at(THURSDAY, '10:00').isoformat()}@{room2.pk}")
    response = as_scheduler.post(BOOK_URL, data)
    assert response.status_code == 302
    booked = Appointment.objects.get(patient=patient)
    assert (booked.room, booked.scheduled_start) == (room2, at(THURSDAY, "10:00"))


def test_other_rooms_are_offered_only_where_the_radiologist_is_free_and_never_when_out_of_use(room1, room2):
    okafor = RadiologistFactory()
    RoomFactory(name="Mammo Room 3", is_active=False)
    AppointmentFactory(room=room1, radiologist=okafor, scheduled_start=at(THURSDAY, "10:00"), expected_duration=60)
    here, elsewhere = slots.offered_slots(room=room1, after=at(THURSDAY, "10:00"), duration=45, radiologist=okafor)
    assert hhmm(here)[0] == "11:00"
    assert {o.room.name for o in elsewhere} == {"Mammo Room 2"}
    assert all(o.start >= at(THURSDAY, "11:00") for o in elsewhere)  # Dr is busy 10:00-11:00 in room 1


def test_offering_times_costs_two_queries_however_many_days_are_searched(room1, room2, django_assert_num_queries):
    for day in range(5):  # a full week in room 1, so the search runs on for days
        start = at(THURSDAY, "08:00") + timezone.timedelta(days=day)
        AppointmentFactory(room=room1, scheduled_start=start, expected_duration=240, duration_reason="x")
        AppointmentFactory(
            room=room1, scheduled_start=start.replace(hour=12), expected_duration=240, duration_reason="x"
        )
        AppointmentFactory(
            room=room1, scheduled_start=start.replace(hour=16), expected_duration=120, duration_reason="x"
        )
    with django_assert_num_queries(2):
        here, _ = slots.offered_slots(room=room1, after=at(THURSDAY, "09:00"), duration=45)
    assert here and timezone.localtime(here[0]).date() > THURSDAY


def test_the_slot_step_setting_is_the_step_of_offered_times_free_slots_and_the_day_grid(settings, room1):
    settings.SLOT_STEP_MINUTES = 30
    free = slots.free_slots(room=room1, day=THURSDAY, duration=45)
    assert hhmm(free)[:3] == ["08:00", "08:30", "09:00"]
    cells = [c.label for c in day_schedule(THURSDAY).free_cells]
    assert cells[:3] == ["08:00", "08:30", "09:00"]
    here, _ = slots.offered_slots(room=room1, after=at(THURSDAY, "10:10"), duration=45)
    assert hhmm(here)[:2] == ["10:30", "11:00"]


def test_the_grids_free_cells_and_free_slots_agree_on_what_is_free(room1):
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "10:00"), expected_duration=45)
    cells = {c.start for c in day_schedule(THURSDAY).free_cells if c.room == room1}
    quarter_hours = set(slots.free_slots(room=room1, day=THURSDAY, duration=15))
    assert cells == quarter_hours
    assert at(THURSDAY, "10:30") not in cells and at(THURSDAY, "10:45") in cells
