"""Each rule has one home, and every reader asks it: a test here fails when a reader goes back to a copy of its
own. The home is stood in for (monkeypatched) and each reader must follow it; the real rule's behaviour is checked
beside it. "Now" is Wednesday 5 June 2030, 12:00 in London."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Q
from django.urls import reverse

from procedures import slots
from procedures.booking.durations import suggest_duration
from procedures.booking.forms import BookingForm, RescheduleForm
from procedures.models import Appointment, FaqEntry, ProcedureResult, ProcedureType
from procedures.models import results as results_module
from procedures.models.appointments import AppointmentQuerySet
from procedures.models.faq import FaqQuerySet
from procedures.patient_page import selectors as patient_selectors
from procedures.patient_page import services as patient_services
from procedures.reports import result_queries
from procedures.reports.period import Filters
from procedures.services import BookingError, check_booking, free_slots
from reminders import wording
from reminders.stages import CONTENT_STAGES, Stage
from tests.clinic import MONDAY, TODAY, at
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    ProcedureResultFactory,
    RadiologistFactory,
    RoomFactory,
    reminder_rule,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


# --- The bookable duration: ProcedureType.duration_refusal -----------------------------------------------------------


def slot_data(room, minutes: int, **more) -> dict:
    return {
        "room": room.pk,
        "start_date": MONDAY.isoformat(),
        "start_time": "10:00",
        "expected_duration": minutes,
        **more,
    }


def duration_sentences(procedure_type, room, minutes: int) -> dict[str, list[str]]:
    """What each reader of the bookable duration says about `minutes` with no reason given."""
    said: dict[str, list[str]] = {}
    appointment = AppointmentFactory.build(
        patient=PatientFactory(),
        procedure_type=procedure_type,
        room=room,
        scheduled_start=at(MONDAY, "10:00"),
        expected_duration=minutes,
    )
    try:
        appointment.full_clean()
    except ValidationError as exc:
        said["model"] = exc.message_dict.get("duration_reason", [])
    try:
        check_booking(
            procedure_type=procedure_type, room=room, radiologist=None, start=at(MONDAY, "10:00"), duration=minutes
        )
    except BookingError as exc:
        said["service"] = [str(exc)]
    booking = BookingForm(data=slot_data(room, minutes, patient_source="new"), procedure_type=procedure_type)
    booking.is_valid()
    said["booking form"] = booking.errors.get("duration_reason", [])
    booked = AppointmentFactory(procedure_type=procedure_type, room=room, scheduled_start=at(MONDAY, "15:00"))
    moving = RescheduleForm(data=slot_data(room, minutes, reason="Asked for a morning"), appointment=booked)
    moving.is_valid()
    said["reschedule form"] = moving.errors.get("duration_reason", [])
    return said


def test_the_four_readers_of_the_bookable_duration_say_the_one_sentence(ductogram, room1):
    sentence = "A ductogram is booked for 30-60 minutes; give a reason to book 90."
    assert ductogram.duration_refusal(90) == sentence
    assert duration_sentences(ductogram, room1, 90) == {
        "model": [sentence],
        "service": [sentence],
        "booking form": [sentence],
        "reschedule form": [sentence],
    }
    assert ductogram.duration_refusal(90, "Bilateral") == ""
    assert ductogram.duration_refusal(90, "   ") == sentence  # a blank reason is no reason
    assert ductogram.duration_refusal(30) == ductogram.duration_refusal(60) == ""
    assert ductogram.duration_refusal(None) == ""


def test_every_reader_of_the_bookable_duration_follows_the_procedure_type(monkeypatch, ductogram, room1):
    """Were the rule to change (here: 45 minutes refused), every reader changes with it."""
    ruling = "Only the procedure type says how long a booking may be."
    monkeypatch.setattr(
        ProcedureType, "duration_refusal", lambda self, minutes, reason="": ruling if minutes == 45 else ""
    )
    assert duration_sentences(ductogram, room1, 45) == {
        "model": [ruling],
        "service": [ruling],
        "booking form": [ruling],
        "reschedule form": [ruling],
    }


# --- The overlap: AppointmentQuerySet.overlapping --------------------------------------------------------------------


def test_the_overlap_query_counts_live_bookings_that_share_a_minute(room1):
    ten = AppointmentFactory(room=room1, scheduled_start=at(MONDAY, "10:00"), expected_duration=45)
    AppointmentFactory(
        room=room1,
        scheduled_start=at(MONDAY, "11:00"),
        status=Appointment.Status.CANCELLED,
        cancellation_reason="Unwell",
    )

    def overlapping(start: str, end: str, **kwargs) -> list[int]:
        return list(
            Appointment.objects.overlapping(at(MONDAY, start), at(MONDAY, end), **kwargs).values_list("pk", flat=True)
        )

    assert overlapping("10:44", "11:30") == [ten.pk]
    assert overlapping("09:15", "10:01") == [ten.pk]
    assert overlapping("10:45", "11:30") == []  # back to back: it ends as the next begins
    assert overlapping("09:15", "10:00") == []
    assert overlapping("11:00", "11:45") == []  # a cancelled booking frees its room
    assert overlapping("10:00", "10:45", exclude_id=ten.pk) == []  # moving a booking: its own time is free


def test_the_booking_check_and_the_free_times_both_ask_the_one_overlap_query(monkeypatch, ductogram, room1):
    okafor = RadiologistFactory()
    AppointmentFactory(room=room1, radiologist=okafor, scheduled_start=at(MONDAY, "10:00"), expected_duration=60)

    def blocked(**kwargs) -> bool:
        try:
            check_booking(procedure_type=ductogram, duration=45, start=at(MONDAY, "10:15"), **kwargs)
        except BookingError:
            return True
        return False

    def free() -> set:
        here, _ = slots.offered_slots(room=room1, after=at(MONDAY, "10:00"), duration=45, radiologist=okafor)
        return {at(MONDAY, "10:15") in free_slots(room=room1, day=MONDAY, duration=45), at(MONDAY, "10:15") in here}

    assert blocked(room=room1, radiologist=None) and blocked(room=RoomFactory(name="Mammo Room 2"), radiologist=okafor)
    assert free() == {False}
    monkeypatch.setattr(
        AppointmentQuerySet, "overlapping", lambda self, start, end, *, exclude_id=None: self.none()
    )  # a rule that sees no overlap at all: every reader must now see the time as free
    assert not blocked(room=room1, radiologist=okafor)
    assert free() == {True}


# --- The actual duration: ProcedureResult.objects.usable_durations() (models/results.py) ----------------------------


@pytest.fixture
def rows_from_before_the_rule():
    """Lets the test write rows the database now refuses, as they were saved before migration 0013 (a 0-minute
    result): SQLite ignores its check constraints for the test; PostgreSQL drops the constraint inside the test's
    transaction, which is rolled back with it."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        else:
            cursor.execute("ALTER TABLE procedures_procedureresult DROP CONSTRAINT result_ends_after_start")
    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")


def results_of(minutes: list[float], *, days_ago: int = 1, **fields) -> list[ProcedureResult]:
    """Performed results of these lengths, a day apart, the first `days_ago` days before now, 10:00."""
    made = []
    for i, length in enumerate(minutes):
        start = at(TODAY - timedelta(days=days_ago + i), "10:00")
        made.append(
            ProcedureResultFactory(
                appointment__scheduled_start=start,
                started_at=start,
                ended_at=start + timedelta(minutes=length),
                **fields,
            )
        )
    return made


LAST_MONTH = Filters("custom", TODAY - timedelta(days=40), TODAY)


def counted(procedure_type) -> dict[str, object]:
    """How many results, and which median, each reader of the actual duration counts."""
    report = {row[1]: row for row in result_queries.durations(LAST_MONTH).rows if row[0] == "Procedure type"}
    by_type = report.get(procedure_type.name, [None] * 6)
    suggestion = suggest_duration(procedure_type=procedure_type)
    return {
        "usable_durations": ProcedureResult.objects.usable_durations().count(),
        "report": by_type[2],
        "suggestion": suggestion.sample_size,
        "report median": by_type[5],
    }


def test_a_0_minute_result_saved_before_the_rule_counts_nowhere(ductogram, rows_from_before_the_rule, settings):
    settings.RESULT_MAX_HOURS = 4
    results_of([40] * 10)
    zero, _ = results_of([0, 0], days_ago=12)
    results_of([5 * 60], days_ago=14)  # longer than RESULT_MAX_HOURS
    results_of([30], days_ago=15, outcome=ProcedureResult.Outcome.CANNULATION_FAILED)
    assert counted(ductogram) == {"usable_durations": 10, "report": 10, "suggestion": 10, "report median": 40.0}
    assert zero.actual_duration is None  # the row form of the rule, for pages and exports
    with pytest.raises(ValidationError) as exc:
        zero.full_clean()
    assert exc.value.message_dict["ended_at"] == ["The procedure must end after it started; check the end time."]


def test_the_model_the_reports_and_the_suggestion_follow_the_one_rule(monkeypatch, ductogram):
    """Were the rule to change (here: at least 45 minutes), the model's clean(), the reports and suggest_duration
    would all change with it."""
    short = results_of([40] * 10)
    results_of([50] * 10, days_ago=12)
    assert counted(ductogram) == {"usable_durations": 20, "report": 20, "suggestion": 20, "report median": 45.0}
    short[0].full_clean()

    monkeypatch.setattr(
        results_module,
        "usable_span",
        lambda: Q(started_at__isnull=False, ended_at__gte=F("started_at") + timedelta(minutes=45)),
    )
    assert counted(ductogram) == {"usable_durations": 10, "report": 10, "suggestion": 10, "report median": 50.0}
    with pytest.raises(ValidationError) as exc:
        short[0].full_clean()
    assert "ended_at" in exc.value.message_dict


# --- "Preparation overdue": from the reminder rule the admin edits (patient_page.selectors.preparation_due_at) -------


def test_preparation_overdue_follows_the_offset_the_admin_gives_the_two_days_before_reminder(as_scheduler, room1):
    monday = AppointmentFactory(room=room1, scheduled_start=at(MONDAY, "10:00"))  # 4 days 22 hours from now

    def overdue() -> dict[str, object]:
        """What each reader says: the badges (Python), the call list (SQL), the appointment page and the day."""
        badges = {flag.code for flag in patient_selectors.flags_for(Appointment.objects.get(pk=monday.pk))}
        called = {a.pk: reasons for a, reasons in patient_selectors.call_list()}
        page = as_scheduler.get(reverse("procedures:appointment", args=[monday.pk])).content.decode()
        day = as_scheduler.get(reverse("procedures:day"), {"date": MONDAY.isoformat()}).content.decode()
        return {
            "badge": "prep_unread" in badges,
            "call list": called.get(monday.pk),
            "page": "away or less" in page,
            "day": "Preparation not read" in day,
        }

    assert overdue() == {"badge": False, "call list": None, "page": False, "day": False}  # two days: not yet
    rule = reminder_rule(Stage.TWO_DAYS_BEFORE)
    rule.offset = timedelta(days=5)
    rule.save()
    assert overdue() == {
        "badge": True,
        "call list": ["Has not read the preparation, five days or less before the appointment."],
        "page": True,
        "day": True,
    }
    page = as_scheduler.get(reverse("procedures:appointment", args=[monday.pk])).content.decode()
    assert "Not read, and the appointment is five days away or less." in page

    rule.delete()  # no rule to say when: nothing is overdue
    assert overdue() == {"badge": False, "call list": None, "page": False, "day": False}


# --- The FAQ patients read: FaqEntry.objects.for_patients() -----------------------------------------------------------


def test_the_patient_page_and_the_reminders_read_the_one_faq_query(monkeypatch, ductogram):
    def page() -> list[str]:
        return [entry.question for entry in patient_services.faq_entries(ductogram)]

    def reminders(loaded: bool) -> set[str]:
        if not loaded:
            return {entry.question for entry in wording.faq_for(ductogram.pk, list(CONTENT_STAGES)).entries}
        with wording.faq_loaded({ductogram.pk}):
            return {entry.question for entry in wording.faq_for(ductogram.pk, list(CONTENT_STAGES)).entries}

    every = list(FaqEntry.objects.filter(procedure_type=ductogram, is_active=True).order_by("order", "id"))
    assert page() == [entry.question for entry in every]  # active, in the clinic's order
    carried = reminders(loaded=False)
    assert carried and carried == reminders(loaded=True)

    hidden = next(iter(carried))
    real = FaqQuerySet.for_patients
    monkeypatch.setattr(FaqQuerySet, "for_patients", lambda self: real(self).exclude(question=hidden))
    assert hidden not in page() and len(page()) == len(every) - 1
    assert hidden not in reminders(loaded=False)
    assert hidden not in reminders(loaded=True)


# --- Roles, permissions and the staff display name: procedures/access.py ---------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("procedures", "reminders", "prepapp", "templates", "bench")
PERMISSION = re.compile(r"""["'.](procedures|reminders|auth)\.(view|add|change|delete)_\w+""")
ROLE = re.compile(r"""["'](Radiologists|Schedulers)["']""")


def source_files():
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in {".py", ".html", ".txt"} and "migrations" not in path.parts:
                yield path.relative_to(ROOT), path.read_text(encoding="utf-8")


def test_roles_and_permissions_are_named_only_in_access_py():
    """Views, admin, templates (through the `access` context processor) and benchmarks use access.py's names; only
    the migrations that made the groups keep their own words, as migrations must."""
    found = [
        f"{path}: {match.group(0)}"
        for path, text in source_files()
        if path != Path("procedures/access.py")
        for match in (*PERMISSION.finditer(text), *ROLE.finditer(text))
    ]
    assert found == []
    templates = [f"{path}" for path, text in source_files() if path.suffix == ".html" and "perms." in text]
    assert templates == []


def test_staff_are_named_by_access_staff_name_alone():
    """Everyone else asks access.staff_name (the |staff_name filter in templates): no page, export, report or form
    writes the full-name-else-username rule again."""
    copies = [
        f"{path}: line {number}"
        for path, text in source_files()
        if path != Path("procedures/access.py")
        for number, line in enumerate(text.splitlines(), 1)
        if re.search(r"get_full_name\s*\(|\.get_full_name\s*(\||}})", line)  # a call, or a template's use
    ]
    assert copies == []


def test_a_radiologist_without_a_full_name_is_named_by_username_everywhere(client, superuser, ductogram, room1):
    nameless = RadiologistFactory(username="locum.7", first_name="", last_name="")
    booked = AppointmentFactory(room=room1, radiologist=nameless, scheduled_start=at(MONDAY, "10:00"))
    client.force_login(superuser)
    pages = {
        "appointment": reverse("procedures:appointment", args=[booked.pk]),
        "print": reverse("procedures:day-print") + f"?date={MONDAY.isoformat()}",
        "day": reverse("procedures:day") + f"?date={MONDAY.isoformat()}",
        "admin list": reverse("admin:procedures_appointment_changelist"),
    }
    for what, url in pages.items():
        assert "locum.7" in client.get(url).content.decode(), what
    export = b"".join(client.get(reverse("procedures:export"), {"from": "2030-06-10", "to": "2030-06-10"}))
    assert b"locum.7" in export
    assert check_booking_refusal_names(ductogram, room1, nameless) == "locum.7 is already booked"


def check_booking_refusal_names(procedure_type, room, radiologist) -> str:
    try:
        check_booking(
            procedure_type=procedure_type,
            room=RoomFactory(name="Mammo Room 2"),
            radiologist=radiologist,
            start=at(MONDAY, "10:15"),
            duration=45,
        )
    except BookingError as exc:
        return str(exc).split(" 10:00")[0]
    return ""
