"""The schedule as staff see it: a clinic day laid out as rooms by time (`day`), and a week of days (`week`).

Everything here reads; nothing changes state. Times are stored in UTC and shown in the clinic's zone, so a day is
local midnight to local midnight (`procedures.clinic_time`). Both pages read their bookings in one query as plain values
(`bookings`), and build what they repeat hundreds of times in Python, memoised per booking (`markup`).
"""

from .bookings import Booking, appointments_between, bookings_between, label_times
from .clinic_calendar import step_clinic_day, week_start
from .day import ROW_MINUTES, Block, DaySchedule, FreeCell, TimeLabel, build_day, day_schedule
from .week import WeekDay, week_schedule

__all__ = [
    "ROW_MINUTES",
    "Block",
    "Booking",
    "DaySchedule",
    "FreeCell",
    "TimeLabel",
    "WeekDay",
    "appointments_between",
    "bookings_between",
    "build_day",
    "day_schedule",
    "label_times",
    "step_clinic_day",
    "week_schedule",
    "week_start",
]
