"""The free times a patient may choose from on their page (issue 20): a read, kept apart from `.selectors` so that
`.services` can check a chosen time against fresh offers without importing the staff pages' reads."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .. import clinic_time
from ..models import Appointment
from ..preparation import booked_inside_preparation
from ..slots import SLOT_SEARCH_DAYS, offered_slots

# The patient's "Choose another time": at most this many days, and this many times on each day, spread over the day.
CHOICE_DAYS = 5
CHOICE_TIMES_PER_DAY = 4


def _spread(starts: list[datetime], wanted: int) -> list[datetime]:
    """`wanted` of a day's free starts, spread from the first to the last, so mornings and afternoons both show."""
    if len(starts) <= wanted:
        return starts
    last = len(starts) - 1
    return [starts[round(i * last / (wanted - 1))] for i in range(wanted)]


def times_to_choose(appointment: Appointment, now: datetime | None = None) -> list[tuple[datetime, list[datetime]]]:
    """Free times the patient may move to from their page, grouped by clinic day: [(day's first start, starts)].

    Computed afresh each time (the page and the choice both ask), with the staff's free-time search
    (`slots.offered_slots`): the same room and radiologist and the appointment's expected duration, its own slot
    counting as free. Only days after the preparation window would have opened (the patient can still prepare in
    full), and no further than PATIENT_RESCHEDULE_WEEKS ahead."""
    now = now or timezone.now()
    lead = appointment.procedure_type.preparation_lead_days
    first_day = clinic_time.today(now) + timedelta(days=lead + 1)
    latest = now + timedelta(weeks=settings.PATIENT_RESCHEDULE_WEEKS)
    after = clinic_time.day_start(first_day)
    by_day: dict = {}
    while after <= latest and len(by_day) < CHOICE_DAYS:
        here, _elsewhere = offered_slots(
            room=appointment.room,
            after=after,
            duration=appointment.expected_duration,
            radiologist=appointment.radiologist,
            exclude_id=appointment.pk,
            count=10_000,  # every free start in the days searched: two queries however many
            elsewhere=0,
        )
        for start in here:
            if start <= latest and start != appointment.scheduled_start:
                if not booked_inside_preparation(now, start, lead):
                    by_day.setdefault(clinic_time.day_of(start), []).append(start)
        after += timedelta(days=SLOT_SEARCH_DAYS + 1)
    days = sorted(by_day)[:CHOICE_DAYS]
    return [(clinic_time.local(by_day[day][0]), _spread(by_day[day], CHOICE_TIMES_PER_DAY)) for day in days]


def is_offered(appointment: Appointment, start: datetime) -> bool:
    """Whether `start` is one of the times the patient's page offers now: a posted time is never trusted alone."""
    return any(start == offered for _day, starts in times_to_choose(appointment) for offered in starts)
