"""The preparation window: the days before an appointment when the patient must not do what would spoil the test (for
a ductogram, squeeze or check for discharge: `ProcedureType.preparation_lead_days`, 3). The one rule for when it opens
and whether a booking came inside it: a message's "from tomorrow" or "from now" (reminders.wording) and the staff flag
on a late booking (patient_page.flags) both ask here."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from . import clinic_time


def preparation_opens_on(start: datetime, lead_days: int) -> date:
    """The clinic day the preparation starts for an appointment at `start`: `lead_days` before the appointment's
    day (clinic days, not 24-hour spans)."""
    return clinic_time.day_of(start) - timedelta(days=lead_days)


def booked_inside_preparation(created_at: datetime, start: datetime, lead_days: int) -> bool:
    """A booking made on or after the day its preparation started: the patient may already have done what the
    preparation forbids, so staff ask, and the confirmation says what to do instead."""
    return clinic_time.day_of(created_at) >= preparation_opens_on(start, lead_days)
