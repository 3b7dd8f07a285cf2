"""What the schedule pages and a booking cost in SQL: counted, not timed (bench/schedule.py times them)."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procedures.schedule import markup
from procedures.services import BookingError, book_appointment
from reminders.models import ReminderRule
from reminders.stages import EVENT_STAGES, Stage
from tests.factories import PatientFactory, RoomFactory, next_clinic_day

pytestmark = pytest.mark.django_db

# A booking's statements: the turn (room and radiologist locked, the radiologist's group read, in one), the
# appointment and its history row, the stage rules, and the reminder rows in one insert. On PostgreSQL the exclusion
# constraint refuses an overlap at the insert; SQLite has none, so the booking asks first (one statement more).
# Transaction control (BEGIN, COMMIT, savepoints) not counted; the due notices' ids come back from the insert, so
# nothing is looked up after the commit either.
BOOKING_STATEMENTS = 5
OVERLAP_CHECK = 1


def statements(captured) -> list[str]:
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    return [q["sql"] for q in captured if not q["sql"].lstrip().upper().startswith(control)]


def _book(ductogram, room, radiologist, scheduler, patient, start):
    return book_appointment(
        patient=patient,
        procedure_type=ductogram,
        room=room,
        radiologist=radiologist,
        scheduled_start=start,
        booked_by=scheduler,
        laterality="left",
        discharge="bloody",
    )


@pytest.mark.parametrize("with_radiologist", [True, False])
def test_a_booking_costs_a_fixed_number_of_statements(
    ductogram, room, radiologist, scheduler, with_radiologist, django_capture_on_commit_callbacks
):
    patient = PatientFactory(email="amelia@example.org")
    start = next_clinic_day(7)
    with CaptureQueriesContext(connection) as everything:
        with django_capture_on_commit_callbacks(execute=False):
            with CaptureQueriesContext(connection) as booking:
                appointment = _book(
                    ductogram, room, radiologist if with_radiologist else None, scheduler, patient, start
                )
        assert appointment.pk
        made = statements(booking.captured_queries)
        after_commit = statements(everything.captured_queries)[len(made) :]
    allowed = BOOKING_STATEMENTS + (0 if connection.vendor == "postgresql" else OVERLAP_CHECK)
    assert len(made) <= allowed, made
    assert after_commit == [], "the due notices are queued by id, without asking the database again"
    inserts = [sql for sql in made if sql.startswith('INSERT INTO "reminders_reminder"')]
    assert len(inserts) == 1, "the rows are made in one insert"
    timed = ReminderRule.objects.filter(procedure_type=ductogram, is_active=True).exclude(stage__in=EVENT_STAGES)
    expected = {Stage.BOOKING_CONFIRMATION, *(rule.stage for rule in timed if "email" in rule.channels)}
    assert set(appointment.reminders.filter(channel="email").values_list("stage", flat=True)) == expected


def test_the_lock_still_refuses_a_user_who_is_not_a_radiologist(ductogram, room, scheduler):
    with pytest.raises(BookingError, match="is not a radiologist"):
        _book(ductogram, room, scheduler, scheduler, PatientFactory(), next_clinic_day(7))


@pytest.mark.parametrize("view", ["procedures:day", "procedures:week"])
def test_schedule_pages_cost_the_same_queries_for_two_bookings_or_sixty(as_scheduler, book, room, view):
    rooms = [room, *(RoomFactory(name=f"Room {n}") for n in range(2, 11))]
    opening = next_clinic_day(14, at=time(8, 0))
    slots = [(rooms[n % 10], opening + timedelta(minutes=45 * (n // 10))) for n in range(60)]  # 08:00 to 12:30
    for booked_room, start in slots[:2]:
        book(start, room=booked_room)
    day = opening.date().isoformat()
    with CaptureQueriesContext(connection) as few:
        assert as_scheduler.get(reverse(view), {"date": day}).status_code == 200
    for booked_room, start in slots[2:]:
        book(start, room=booked_room)
    with CaptureQueriesContext(connection) as many:
        page = as_scheduler.get(reverse(view), {"date": day})
    html = page.content.decode()
    assert html.count('<div class="booking status-') + html.count('<div class="week-booking status-') == 60
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("view", ["procedures:day", "procedures:week"])
def test_the_markup_built_in_python_escapes_what_patients_and_staff_typed(as_scheduler, book, room, view):
    room.name = 'Room "A" <b>'
    room.save()
    start = next_clinic_day(14)
    book(start, patient=PatientFactory(given_name="<script>alert(1)</script>", mrn="MRN<1>"))
    html = as_scheduler.get(reverse(view), {"date": start.date().isoformat()}).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "MRN<1>" not in html and "MRN&lt;1&gt;" in html
    assert "<b>" not in html


@pytest.mark.parametrize("view", ["procedures:day", "procedures:week"])
def test_a_look_with_the_markup_memoised_runs_the_same_queries_as_the_first(as_scheduler, book, room, view):
    start = next_clinic_day(14)
    for n in range(6):
        book(start + timedelta(minutes=45 * n))
    markup.forget()
    url, day = reverse(view), {"date": start.date().isoformat()}
    with CaptureQueriesContext(connection) as cold:
        first = as_scheduler.get(url, day).content.decode()
    with CaptureQueriesContext(connection) as warm:
        again = as_scheduler.get(url, day).content.decode()
    assert len(warm.captured_queries) == len(cold.captured_queries)
    assert first.count("status-booked") == again.count("status-booked") > 0
