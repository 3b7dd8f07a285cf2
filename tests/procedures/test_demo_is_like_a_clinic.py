"""The demo looks like a clinic (issue 23, point 9): it keeps the clinic's own rules, as a real clinic's records
would. One patient per visit, mostly; nobody booked twice ahead unless the second booking says why; patients
registered before their first booking, bookings made before the visit; the days before the last one closed; a
patient cancels only what she had confirmed; her discharge the same at every visit; and a few patients come back for
a repeat ductogram, rebooked from the follow-up of the visit that asked for it."""

from collections import defaultdict
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from procedures import clinic_time
from procedures.models import Appointment, FollowUp, Patient, ProcedureResult
from procedures.patients.duplicates import SECOND_BOOKING_PREFIX

pytestmark = pytest.mark.django_db
Status = Appointment.Status
# The reasons a patient gives when she cancels (the clinic's own are "clinic", "not_needed" and "other").
HER_REASONS = {"patient_request", "unwell", "pregnancy", "no_discharge"}
Repeat = ProcedureResult.Recommendation.REPEAT_DUCTOGRAPHY


def _seed() -> None:
    err = StringIO()
    call_command("seed_demo", stdout=StringIO(), stderr=err)
    assert "Skipped" not in err.getvalue()


def _demo():
    return Appointment.objects.filter(patient__mrn__startswith="DEMO").select_related("patient")


def _statuses(appointment: Appointment) -> list[tuple[datetime, str]]:
    """The appointment's statuses as its history recorded them, in the order they were written."""
    rows = appointment.history.order_by("history_id").values_list("history_date", "status")
    return list(rows)


def _close(one: datetime, other: datetime) -> bool:
    """The same moment, as a row's own stamp and its history row's (written a moment apart) give it."""
    return abs(one - other) < timezone.timedelta(seconds=5)


def _status_at(appointment: Appointment, moment: datetime) -> str | None:
    known = [status for when, status in _statuses(appointment) if when <= moment]
    return known[-1] if known else None


def nobody_is_booked_twice_ahead_unless_the_booking_says_why():
    """The booking form's rule, now and at every booking made: a second upcoming ductogram is booked only with
    the reason, at the head of its notes."""
    flagged = 0
    for appointment in _demo():
        flagged += appointment.notes.startswith(SECOND_BOOKING_PREFIX)
    by_patient = defaultdict(list)
    for appointment in _demo().order_by("created_at", "pk"):
        by_patient[appointment.patient_id].append(appointment)
    for visits in by_patient.values():
        coming = [a for a in visits if a.is_upcoming()]
        assert all(a.notes.startswith(SECOND_BOOKING_PREFIX) for a in coming[1:]), coming
        for i, later in enumerate(visits):
            for earlier in visits[:i]:
                upcoming_then = _status_at(earlier, later.created_at) in (Status.BOOKED, Status.CONFIRMED)
                if earlier.scheduled_start > later.created_at and upcoming_then:
                    assert later.notes.startswith(SECOND_BOOKING_PREFIX), (earlier, later)
    assert flagged >= 1  # the one patient booked for each side shows the rule's exception


def patients_were_registered_before_their_first_booking_made_before_the_visit():
    for patient in Patient.objects.filter(mrn__startswith="DEMO").prefetch_related("appointments"):
        visits = list(patient.appointments.all())
        assert visits, f"{patient} has no visit"
        assert patient.created_at < min(a.scheduled_start for a in visits), patient
        assert patient.created_at <= min(a.created_at for a in visits), patient  # the same moment, on a frozen clock
        assert _close(patient.history.earliest("history_date").history_date, patient.created_at)
        for appointment in visits:
            assert appointment.created_at < appointment.scheduled_start, appointment
            booked_when, booked = _statuses(appointment)[0]
            assert booked == Status.BOOKED and _close(booked_when, appointment.created_at), appointment


def the_days_before_the_last_are_closed(now: datetime):
    """Only today and the last clinic day keep open work (the end of the day's list, results to log); before them
    every visit was attended with a result, missed with a reason and a next step, or cancelled with its reason."""
    last_day = clinic_time.today(now)
    while True:
        last_day = last_day - timezone.timedelta(days=1)
        if clinic_time.hours_on(last_day):
            break
    before = _demo().filter(scheduled_start__lt=clinic_time.day_start(last_day))
    assert before.count() >= 40
    assert not before.filter(status__in=Appointment.OPEN_STATUSES).exists()
    for appointment in before.select_related("result"):
        if appointment.status == Status.COMPLETED:
            assert appointment.result.logged_at > appointment.scheduled_start
        elif appointment.status == Status.NO_SHOW:
            assert appointment.no_show_reason and appointment.no_show_next_step, appointment
            assert appointment.status_changed_at > appointment.scheduled_start
        else:
            assert appointment.status == Status.CANCELLED
            assert appointment.cancel_reason_code and appointment.cancellation_reason
            assert appointment.status_changed_at < appointment.scheduled_start
    # Every change is dated in the order it was made, and none after now.
    for appointment in _demo():
        moments = [when for when, _status in _statuses(appointment)]
        assert moments == sorted(moments) and moments[-1] <= now, appointment


def a_patient_cancels_only_a_booking_she_had_confirmed():
    cancelled = list(_demo().filter(status=Status.CANCELLED))
    assert {a.cancel_reason_code for a in cancelled} & HER_REASONS
    assert {a.cancel_reason_code for a in cancelled} - HER_REASONS  # and the clinic cancels for its own reasons
    for appointment in cancelled:
        statuses = [status for _when, status in _statuses(appointment)]
        assert statuses[-1] == Status.CANCELLED and statuses.count(Status.CANCELLED) == 1
        if appointment.cancel_reason_code in HER_REASONS:
            assert Status.CONFIRMED in statuses, (appointment, appointment.cancel_reason_code, statuses)


def a_patient_keeps_her_discharge_type():
    discharges = defaultdict(set)
    for appointment in _demo():
        discharges[appointment.patient_id].add(appointment.discharge)
    assert all(len(kinds) == 1 for kinds in discharges.values())
    assert len({kind for kinds in discharges.values() for kind in kinds}) >= 4


def most_patients_come_once_and_a_few_return_for_a_repeat():
    visits = defaultdict(int)
    for appointment in _demo():
        visits[appointment.patient_id] += 1
    assert sum(1 for n in visits.values() if n == 1) >= 0.9 * len(visits)
    rebooked = FollowUp.objects.filter(appointment__in=_demo(), action=FollowUp.Action.REBOOKED)
    repeats = 0
    for follow_up in rebooked.select_related("appointment__result", "rebooked_as"):
        first, again = follow_up.appointment, follow_up.rebooked_as
        assert again.patient_id == first.patient_id
        assert again.created_at > first.status_changed_at  # booked after the visit that asked for it
        assert again.scheduled_start > first.scheduled_start
        result = getattr(first, "result", None)
        repeats += result is not None and (result.recommendation == Repeat or result.outcome != "performed")
    assert repeats >= 2


def follow_ups_are_acted_on_on_working_days():
    closed = FollowUp.objects.exclude(closed_at=None)
    assert closed.exists()
    for follow_up in closed:
        assert clinic_time.hours_on(clinic_time.day_of(follow_up.closed_at)) is not None, follow_up


def _keeps_the_clinics_rules(now: datetime) -> None:
    nobody_is_booked_twice_ahead_unless_the_booking_says_why()
    patients_were_registered_before_their_first_booking_made_before_the_visit()
    the_days_before_the_last_are_closed(now)
    a_patient_cancels_only_a_booking_she_had_confirmed()
    a_patient_keeps_her_discharge_type()
    most_patients_come_once_and_a_few_return_for_a_repeat()
    follow_ups_are_acted_on_on_working_days()


@pytest.mark.parametrize("moment", ["2030-06-05 12:00", "2030-06-10 07:30", "2030-06-07 18:30"])
def test_the_demo_keeps_the_clinics_rules(settings, frozen_now, moment):
    """A Wednesday at noon, a Monday before opening, a Friday after closing."""
    settings.DEBUG = True
    frozen_now.move_to(timezone.make_aware(datetime.fromisoformat(moment)))
    _seed()
    _keeps_the_clinics_rules(timezone.now())


def test_a_demo_made_again_days_later_closes_what_it_left_open_and_keeps_the_rules(settings, frozen_now):
    """Made on Wednesday and run again the next Tuesday: the bookings of Thursday and Friday, now gone, are closed
    as the clinic would have closed them, and the days come into view are booked with new patients."""
    settings.DEBUG = True
    _seed()
    patients = Patient.objects.count()
    frozen_now.move_to(timezone.make_aware(datetime.fromisoformat("2030-06-11 12:00")))
    _seed()
    _keeps_the_clinics_rules(timezone.now())
    assert Patient.objects.count() > patients
    thursday = _demo().filter(scheduled_start__date="2030-06-06")
    assert thursday.count() >= 6 and not thursday.filter(status__in=Appointment.OPEN_STATUSES).exists()
