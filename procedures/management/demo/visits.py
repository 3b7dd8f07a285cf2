"""The demo clinic's visits, written through the services: bookings, confirmations, cancellations, check-ins,
did-not-attends, results and follow-ups, each as staff or the patient would make it.

The one write the services refuse is a booking in the past (as they should); the demo's past bookings are saved as
the booking service saves one, without its reminders (their time has gone), and everything after is the services'
work. A past step runs at its own moment (`clock.at`); on a past day the check-in, which the service allows only on
the day, is the service's own status change without that clock rule (`_arrived`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from procedures import clinic_time, services
from procedures.models import Appointment, FollowUp, Patient, ProcedureResult
from procedures.patients.duplicates import SECOND_BOOKING_PREFIX
from procedures.patients.selectors import same_day_booking, upcoming_booking
from procedures.services import booking
from procedures.services.arrival import CLOSED_BY_CHECK_IN

from . import clock, people
from .plan import (
    ACTED,
    ACTED_AFTER_DAYS,
    DAY_PLAN,
    FATES,
    PAST_DAYS,
    PERFORMED,
    RESULTS,
    Fate,
    Return,
    clinic_days_before,
    first_clinic_day_from,
)

Status = Appointment.Status
Side = Appointment.Laterality


def clinic_at(day: date, hour: int, minute: int = 0) -> datetime:
    return clinic_time.clinic_datetime(day, time(hour, minute))


def slot_start(day: date, index: int) -> datetime:
    """When slot `index` of DAY_PLAN starts on `day`."""
    at = DAY_PLAN[index][1]
    return clinic_at(day, at.hour, at.minute)


class Visits:
    """Writes the demo's visits for its rooms, radiologists and scheduler, as of now; `say` reports a skipped one."""

    def __init__(self, *, ductogram, rooms, radiologists, scheduler, say):
        self.ductogram, self.rooms, self.radiologists, self.scheduler = ductogram, rooms, radiologists, scheduler
        self.say = say  # writes a line to stderr
        self.now = timezone.now()
        self.today = clinic_time.today(self.now)
        self.past_days = clinic_days_before(self.today, PAST_DAYS)
        self.taken: dict[date, set] = {}
        self.written = self.booked = self.turns = 0
        demo = Patient.objects.filter(mrn__startswith=people.MRN_PREFIX).values_list("mrn", flat=True)
        self.last_number = max([people.number_of(m) or 0 for m in demo] + [len(people.FEATURED)])

    # --- Patients ------------------------------------------------------------------------------------------------

    def _register(self, n: int, at: datetime | None) -> Patient:
        fields = people.person(n).fields
        if at is None:
            return services.register_patient(by=self.scheduler, **fields)
        with clock.at(at):
            return services.register_patient(by=self.scheduler, **fields)

    def new_patient(self, *, at: datetime | None = None, featured: int | None = None) -> Patient:
        """A featured patient not yet registered, or the next one from the pool; registered `at` (default now)."""
        if featured is not None and not Patient.objects.filter(mrn=people.mrn(featured)).exists():
            return self._register(featured, at)
        self.last_number += 1
        return self._register(self.last_number, at)

    # --- Slots -----------------------------------------------------------------------------------------------------

    def _is_taken(self, day: date, index: int) -> bool:
        if day not in self.taken:
            start, end = clinic_time.day_bounds(day)
            self.taken[day] = set(
                Appointment.objects.filter(
                    patient__mrn__startswith=people.MRN_PREFIX, scheduled_start__gte=start, scheduled_start__lt=end
                ).values_list("room_id", "scheduled_start")
            )
        return (self.rooms[DAY_PLAN[index][0]].pk, slot_start(day, index)) in self.taken[day]

    def _fields(self, day: date, index: int, patient: Patient, *, side: str | None = None) -> dict:
        room_index, _at, minutes = DAY_PLAN[index]
        person = people.person(people.number_of(patient.mrn) or 0)
        start = slot_start(day, index)
        self.taken.setdefault(day, set()).add((self.rooms[room_index].pk, start))
        return {
            "patient": patient,
            "procedure_type": self.ductogram,
            "room": self.rooms[room_index],
            "radiologist": self.radiologists[room_index],
            "scheduled_start": start,
            "expected_duration": minutes,
            "laterality": side or person.side,
            "discharge": person.discharge,
            "referrer": person.referrer,
        }

    def _found(self, day: date, index: int) -> Appointment | None:
        return Appointment.objects.filter(
            patient__mrn__startswith=people.MRN_PREFIX,
            room=self.rooms[DAY_PLAN[index][0]],
            scheduled_start=slot_start(day, index),
        ).first()

    def _lead(self, start: datetime) -> datetime:
        """When a visit was booked: one to five weeks before, on a weekday in office hours (a visit further ahead
        than that was booked a little while ago). Each visit in turn gets another lead."""
        self.turns += 1
        n = self.turns
        day = clinic_time.day_of(start) - timedelta(days=8 + (n * 5) % 27)
        day -= timedelta(days=max(0, day.weekday() - 4))  # a weekend's booking is made on the Friday
        return min(clinic_at(day, 9) + timedelta(minutes=(n * 37) % 420), self.now - timedelta(hours=2))

    def _newcomer(self, start: datetime, *, featured: int | None = None) -> tuple[Patient, datetime]:
        """A new patient for a visit at `start`, registered as she was booked; and when that was."""
        booked_at = self._lead(start)
        return self.new_patient(at=booked_at - timedelta(minutes=4), featured=featured), booked_at

    def _confirmed_at(self, booked_at: datetime, start: datetime) -> datetime:
        """When the patient confirmed on her page: an evening some days after the booking, and not yet to come."""
        self.turns += 1
        evening = clinic_at(clinic_time.day_of(booked_at + (start - booked_at) * 0.4), 17, 30)
        evening += timedelta(minutes=(self.turns * 23) % 240)
        return max(min(evening, self.now - timedelta(minutes=10)), booked_at + timedelta(hours=1))

    # --- The past ----------------------------------------------------------------------------------------------------

    def _book_past(self, fields: dict, *, at: datetime, notes: str = "") -> Appointment:
        """A booking made `at`, for a time now gone: saved as book_appointment saves one, without the reminders
        (their time is over too)."""
        with clock.at(at):
            appointment = Appointment(**fields, notes=notes, created_by=self.scheduler)
            appointment._history_user = self.scheduler
            appointment.save()
        self.written += 1
        return appointment

    def _before_the_day(self, appointment: Appointment, fate: Fate, booked_at: datetime) -> None:
        """The patient confirms on her page; she or the clinic may cancel, she only after confirming."""
        start = appointment.scheduled_start
        lead = start - booked_at
        if fate.confirmed:
            with clock.at(self._confirmed_at(booked_at, start)):
                services.confirm_attendance(appointment)
        if not fate.cancel:
            return
        if fate.cancel == Appointment.CancelReason.UNWELL:
            when = start - timedelta(hours=20)
        else:
            when = clinic_at(clinic_time.day_of(booked_at + lead * (0.75 if fate.confirmed else 0.6)), 10, 15)
        with clock.at(when):
            services.cancel_appointment(appointment, reason_code=fate.cancel, reason=fate.words, by=self.scheduler)

    @transaction.atomic
    def _arrived(self, appointment: Appointment) -> None:
        """Checked in on the day: the check-in service's change, on a day now past (which its clock rule refuses)."""
        current = booking.locked(appointment)
        if not current.can_become(Status.CHECKED_IN):
            raise services.BookingError(f"This appointment is {booking.state_words(current)}.")
        booking.save_status(current, Status.CHECKED_IN, by=self.scheduler, closing=CLOSED_BY_CHECK_IN)

    def _on_the_day(self, appointment: Appointment, fate: Fate) -> None:
        """What happened on the day: missed, or checked in and then (once it ended) its result logged."""
        start, day = appointment.scheduled_start, clinic_time.day_of(appointment.scheduled_start)
        if fate.no_show:
            with clock.at(min(start + timedelta(minutes=40), self.now)):
                services.mark_no_show(appointment, by=self.scheduler, reason=fate.no_show[0], next_step=fate.no_show[1])
            # A rebook is offered from the day after the missed one (the service counts from the day it is marked).
            FollowUp.objects.filter(appointment=appointment).update(rebook_from=day + timedelta(days=1))
            return
        if not (fate.result or fate.checked_in) or start > self.now:
            return
        if appointment.status in Appointment.UPCOMING:
            with clock.at(start - timedelta(minutes=12)):
                if day == self.today:
                    services.check_in(appointment, by=self.scheduler)
                else:
                    self._arrived(appointment)
        logged = appointment.expected_end + timedelta(minutes=20)
        if fate.result and logged <= self.now:
            self._result(appointment, fate.result, logged)

    def _result(self, appointment: Appointment, name: str, logged: datetime) -> None:
        radiologist = appointment.radiologist
        began = appointment.scheduled_start + timedelta(minutes=5)
        performed = name in PERFORMED
        details = {
            "started_at": began if performed else None,
            "ended_at": began + timedelta(minutes=appointment.expected_duration - 10) if performed else None,
            "duct_cannulated": True if performed else None,
            "clock_position": appointment.pk % 12 + 1 if performed else None,
            "discharge_observed": appointment.discharge if performed else "",
            "contrast_volume_ml": 1 if performed else None,
            **RESULTS[name],
        }
        result = ProcedureResult(appointment=appointment, performed_by=radiologist, **details)
        with clock.at(logged):
            services.record_result(result, by=radiologist)
        day = clinic_time.day_of(appointment.scheduled_start)
        acted_by = self.past_days[ACTED_AFTER_DAYS - 1] if len(self.past_days) >= ACTED_AFTER_DAYS else None
        if name in ACTED and acted_by and day <= acted_by:
            follow_up = FollowUp.objects.get(appointment=appointment)
            with clock.at(min(clinic_at(self._next_working_day(day), 11, 30), self.now)):
                services.record_follow_up_action(follow_up, action=ACTED[name], by=radiologist)

    @staticmethod
    def _next_working_day(day: date) -> date:
        """The clinic day after `day`: nobody acts on a follow-up at the weekend."""
        return first_clinic_day_from(day + timedelta(days=1)) or day + timedelta(days=1)

    def visit_in_the_past(self, day: date, index: int, fate: Fate, *, patient=None, booked_at=None, notes=""):
        """A visit whose time has come: booked weeks before (the patient registered then, unless she is returning),
        and whatever became of it since."""
        start = slot_start(day, index)
        if patient is None:
            patient, booked_at = self._newcomer(start)
        appointment = self._book_past(self._fields(day, index, patient), at=booked_at, notes=notes)
        self._before_the_day(appointment, fate, booked_at)
        if not fate.cancel:
            self._on_the_day(appointment, fate)
        return appointment

    # --- Bookings still to come ---------------------------------------------------------------------------------

    def book(self, fields: dict, *, notes: str = "") -> Appointment | None:
        """Book through the service, keeping the booking form's rule: no second upcoming ductogram, or second visit
        that day, for a patient unless the second booking says why."""
        patient, start = fields["patient"], fields["scheduled_start"]
        if not notes.startswith(SECOND_BOOKING_PREFIX) and (
            upcoming_booking(patient, self.ductogram) or same_day_booking(patient, clinic_time.day_of(start))
        ):
            self.say(f"Skipped a demo booking at {clinic_time.iso_minute(start)}: {patient} already has one.")
            return None
        try:
            appointment = services.book_appointment(booked_by=self.scheduler, notes=notes, **fields)
        except services.BookingError as exc:
            self.say(f"Skipped a demo booking at {clinic_time.iso_minute(start)}: {exc}")
            return None
        self.booked += 1
        return appointment

    def _coming(self, fields: dict, fate: Fate, *, booked_at: datetime, notes: str = "") -> Appointment | None:
        """A visit still to come (today's or a coming day's): booked `booked_at`, perhaps confirmed since; then
        cancelled or checked in now."""
        with clock.at(booked_at):
            appointment = self.book(fields, notes=notes)
        if appointment is None:
            return None
        if fate.confirmed:
            with clock.at(self._confirmed_at(booked_at, appointment.scheduled_start)):
                appointment = services.confirm_attendance(appointment)  # the patient, on her page
        if fate.cancel:
            services.cancel_appointment(appointment, reason_code=fate.cancel, reason=fate.words, by=self.scheduler)
        elif (fate.result or fate.checked_in) and services.arrival_actions(appointment).check_in:
            services.check_in(appointment, by=self.scheduler)
        return appointment

    # --- Returning patients ----------------------------------------------------------------------------------------

    def _waiting_to_return(self, first_day: date, slot: int) -> FollowUp | None:
        """The earlier visit's follow-up, if it still waits for the schedulers to rebook her and she has no other
        booking since."""
        first = self._found(first_day, slot)
        follow_up = getattr(first, "follow_up", None) if first else None
        if follow_up is None or not follow_up.is_open or follow_up.must_act != FollowUp.MustAct.SCHEDULERS:
            return None
        later = Appointment.objects.filter(patient=first.patient, scheduled_start__gt=first.scheduled_start)
        return None if later.exists() else follow_up

    def come_back(self, day: date, index: int, spec: Return, first_day: date) -> bool:
        """Book a returning patient in (day, index) from her follow-up; False when she is not waiting to return."""
        follow_up = self._waiting_to_return(first_day, spec.slot)
        if follow_up is None:
            return False
        first = follow_up.appointment
        notes = spec.why.format(day=clinic_time.plain_date(first_day))
        start = slot_start(day, index)
        # The schedulers rebook her from the follow-up list the next working day (and not later than now).
        rebooked = min(clinic_at(self._next_working_day(first_day), 10, 5), self.now)
        if start <= self.now:
            again = self.visit_in_the_past(
                day, index, FATES[spec.fate], patient=first.patient, booked_at=rebooked, notes=notes
            )
            with clock.at(rebooked):
                services.follow_up_rebooked(follow_up, again, by=self.scheduler)
            return True
        with transaction.atomic(), clock.at(rebooked):
            again = self.book(self._fields(day, index, first.patient, side=first.laterality), notes=notes)
            if again is not None:
                services.follow_up_rebooked(follow_up, again, by=self.scheduler)
        return again is not None
