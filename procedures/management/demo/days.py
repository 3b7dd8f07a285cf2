"""The demo clinic's days: the past made once, today's list, the coming days, and what a later run finds left open.

Every slot is filled once: a slot (a room at a time) holding a demo booking in any state is left alone, so running
the demo again adds nothing, and a later run only adds the days that came into view. Before that, a later run closes
what an earlier one left open on days now gone (`close_stale`), as the clinic would have.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from procedures import clinic_time, services
from procedures.models import Appointment
from procedures.patients.duplicates import SECOND_BOOKING_PREFIX

from . import people
from .plan import (
    AHEAD_CANCELLED,
    AHEAD_CONFIRMED,
    DAY_PLAN,
    FATES,
    FEATURED_SLOTS,
    RETURNS,
    SECOND_SIDE,
    TODAY,
    Fate,
    Return,
    clinic_days_ahead,
    first_clinic_day_from,
    past_fate,
)
from .visits import Side, Status, Visits, slot_start


class Clinic(Visits):
    """The demo clinic's days, filled slot by slot with visits (`Visits`)."""

    def returns(self) -> dict[tuple[date, int], tuple[Return, date]]:
        """Where each returning patient comes back: (day, slot) -> (the return, the day of her earlier visit)."""
        found = {}
        for spec in RETURNS:
            if spec.days_ago > len(self.past_days):
                continue
            first = self.past_days[spec.days_ago - 1]
            back = first_clinic_day_from(first + timedelta(days=spec.after))
            if back is not None:
                found[(back, spec.to_slot)] = (spec, first)
        return found

    def close_stale(self) -> int:
        """Bookings an earlier run made for days now gone before the last clinic day, still open: closed as the
        clinic would have closed them (most attended, with a result; now and then one missed)."""
        if not self.past_days:
            return 0
        stale = Appointment.objects.filter(
            patient__mrn__startswith=people.MRN_PREFIX,
            status__in=Appointment.OPEN_STATUSES,
            scheduled_start__lt=clinic_time.day_start(self.past_days[0]),
        )
        closed = 0
        for appointment in stale.select_related("radiologist"):
            missed = appointment.status != Status.CHECKED_IN and appointment.pk % 7 == 0
            with transaction.atomic():
                self._on_the_day(appointment, FATES["dna, not known"] if missed else FATES["b1"])
            closed += 1
        return closed

    def fill_past(self) -> None:
        """The clinic's last PAST_DAYS days, oldest first, made once: a later run's past is what it finds."""
        if Appointment.objects.filter(
            patient__mrn__startswith=people.MRN_PREFIX, scheduled_start__lt=clinic_time.day_start(self.today)
        ).exists():
            return
        coming_back = self.returns()
        for days_ago in range(len(self.past_days), 0, -1):
            day = self.past_days[days_ago - 1]
            with transaction.atomic():
                for index in range(len(DAY_PLAN)):
                    if self._is_taken(day, index):
                        continue
                    if (day, index) in coming_back and self.come_back(day, index, *coming_back[(day, index)]):
                        continue
                    self.visit_in_the_past(day, index, FATES[past_fate(days_ago, index)])

    def fill_today(self) -> None:
        if not clinic_time.hours_on(self.today):
            return
        coming_back = self.returns()
        with transaction.atomic():
            for index, name in enumerate(TODAY):
                if self._is_taken(self.today, index):
                    continue
                if (self.today, index) in coming_back and self.come_back(
                    self.today, index, *coming_back[(self.today, index)]
                ):
                    continue
                start = slot_start(self.today, index)
                if start <= self.now:
                    self.visit_in_the_past(self.today, index, FATES[name])
                else:
                    patient, booked_at = self._newcomer(start)
                    self._coming(self._fields(self.today, index, patient), FATES[name], booked_at=booked_at)

    def fill_ahead(self, days: int) -> None:
        """The coming clinic days; the last two bookings' patients could come earlier (the waiting list), and then
        one booking is cancelled at the patient's request: its time is offered to them (/waitlist/)."""
        coming_back, ahead, cancelling = self.returns(), [], []
        second_first, second_then, second_why = SECOND_SIDE
        for offset, day in enumerate(clinic_days_ahead(self.today, days), start=1):
            for index in range(len(DAY_PLAN)):
                if self._is_taken(day, index):
                    continue
                if (day, index) in coming_back and self.come_back(day, index, *coming_back[(day, index)]):
                    continue
                fields, notes = None, ""
                if (offset, index) == second_then and (first := self._second_side_of(days, second_first)):
                    # Booked in the same call as the first side, the form's "Book another anyway" ticked.
                    other = Side.RIGHT if first.laterality == Side.LEFT else Side.LEFT
                    fields = self._fields(day, index, first.patient, side=other)
                    notes, booked_at = f"{SECOND_BOOKING_PREFIX}{second_why}", first.created_at + timedelta(minutes=3)
                if fields is None:
                    start = slot_start(day, index)
                    patient, booked_at = self._newcomer(start, featured=FEATURED_SLOTS.get((offset, index)))
                    fields = self._fields(day, index, patient)
                fate = Fate(confirmed=(offset, index) in AHEAD_CONFIRMED)
                if appointment := self._coming(fields, fate, booked_at=booked_at, notes=notes):
                    ahead.append(appointment)
                    if (offset, index) in AHEAD_CANCELLED:
                        cancelling.append((appointment, FATES[AHEAD_CANCELLED[(offset, index)]]))
        for appointment in ahead[-2:]:
            services.set_short_notice(appointment, ok=True, hours=Appointment.ShortNotice.A_DAY, by=self.scheduler)
        for appointment, fate in cancelling:
            services.cancel_appointment(appointment, reason_code=fate.cancel, reason=fate.words, by=self.scheduler)
        self._book_far_returns(coming_back, ahead_until=self.today + timedelta(days=days))

    def _second_side_of(self, days: int, first_slot: tuple[int, int]) -> Appointment | None:
        """The booking for the first side, if it is still to come and the patient has no other."""
        offset, index = first_slot
        days_ahead = clinic_days_ahead(self.today, days)
        first = self._found(days_ahead[offset - 1], index) if offset <= len(days_ahead) else None
        if first is None or not first.is_upcoming(self.now):
            return None
        coming = Appointment.objects.upcoming(self.now).filter(patient=first.patient)
        return first if coming.count() == 1 else None

    def _book_far_returns(self, coming_back: dict, *, ahead_until: date) -> None:
        """Returns due beyond the days filled: booked alone, weeks ahead, as rebooks are."""
        for (day, index), (spec, first_day) in coming_back.items():
            if day > ahead_until and not self._is_taken(day, index):
                self.come_back(day, index, spec, first_day)
