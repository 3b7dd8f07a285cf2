"""What the schedules draw of each appointment, read in one query as plain values instead of model instances.

A busy week is a thousand bookings, and building an Appointment, a Patient and a Room for each cost more than the
query. A `Booking` holds one row's values and answers the questions the schedules ask (`is_live`, `is_upcoming`,
`can_receive_reminders`, `full_name`) with the models' own code, so each rule keeps its one home in
procedures/models. Its `values` are everything a schedule shows of it: the markup memo (markup.py) is keyed by them,
so a change to anything shown is a different key, never a stale block.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from operator import itemgetter

from django.contrib.auth.models import AbstractUser
from django.db.models import CharField, JSONField, QuerySet
from django.db.models.functions import Cast
from phonenumber_field.modelfields import PhoneNumberField

from .. import clinic_time
from ..models import Appointment, Patient, Room
from ..patient_page.flags import FACTS
from ..patient_page.selectors import with_flags, with_patient_flags

# Every column of the patient, so the model's rules (`reminder_channels`) find whatever they read; phone numbers as
# text ("+447700900123"), as only whether there is one matters here and parsing a thousand costs milliseconds.
# (Not when the row was made, nor the folded names for search: a thousand timestamps cost a millisecond or two.)
PATIENT_FIELDS = tuple(
    f.name for f in Patient._meta.concrete_fields if f.name not in {"id", "created_at", "search_name"}
)
_PHONES = {f.name for f in Patient._meta.concrete_fields if isinstance(f, PhoneNumberField)}
_PATIENT_COLUMNS = tuple(
    f"patient_{name}_as_text" if name in _PHONES else f"patient__{name}" for name in PATIENT_FIELDS
)

COLUMNS = (
    "pk",
    "status",
    "scheduled_start",
    "expected_duration",
    "laterality",
    "cancellation_reason",
    "cancel_reason_code",
    "room_id",
    "room__name",
    "room__is_active",
    "patient_id",
    *_PATIENT_COLUMNS,
    "radiologist_id",
    "radiologist__first_name",
    "radiologist__last_name",
    "radiologist__username",
    *FACTS,
)


# The patient's list columns (the channels they agreed to) come back as JSON lists: made tuples, so that a row can key
# the markup memo.
_LISTS = tuple(
    COLUMNS.index(f"patient__{f.name}")
    for f in Patient._meta.concrete_fields
    if isinstance(f, JSONField) and f"patient__{f.name}" in COLUMNS
)


def _hashable(values: tuple) -> tuple:
    if not _LISTS:
        return values
    row = list(values)
    for index in _LISTS:
        row[index] = tuple(row[index] or ())
    return tuple(row)


# Where each part of a row is.
_PATIENT = slice(COLUMNS.index("patient_id") + 1, COLUMNS.index("patient_id") + 1 + len(PATIENT_FIELDS))
_RADIOLOGIST = slice(COLUMNS.index("radiologist_id"), COLUMNS.index("radiologist__username") + 1)
_ROOM_NAME = COLUMNS.index("room__name")  # and room__is_active after it


class ScheduledPatient:
    """The patient as a schedule shows them: name, MRN, and whether any reminder can reach them (the model's rule,
    reading the same fields: every column of the patient is here)."""

    full_name = Patient.full_name
    reminder_channels = Patient.reminder_channels
    can_receive_reminders = Patient.can_receive_reminders

    @property
    def id(self) -> int:
        return self.pk


class ScheduledRadiologist:
    __slots__ = ("pk", "first_name", "last_name", "username")
    get_full_name = AbstractUser.get_full_name

    def get_username(self) -> str:
        return self.username


class Booking(tuple):
    """One appointment on a schedule (see the module's docstring): the row itself, its columns read by name.

    A page asks a few things of every booking (its status, start, room, the patient flags' facts); reading them
    from the row costs next to nothing, and the patient, radiologist and room are only built when a block's markup
    is, which the memo makes rare. `label_times` may add `start_label` and `end_label`."""

    pk = id = property(itemgetter(COLUMNS.index("pk")))
    status = property(itemgetter(COLUMNS.index("status")))
    scheduled_start = property(itemgetter(COLUMNS.index("scheduled_start")))
    expected_duration = property(itemgetter(COLUMNS.index("expected_duration")))
    laterality = property(itemgetter(COLUMNS.index("laterality")))
    cancellation_reason = property(itemgetter(COLUMNS.index("cancellation_reason")))
    cancel_reason_code = property(itemgetter(COLUMNS.index("cancel_reason_code")))
    room_id = property(itemgetter(COLUMNS.index("room_id")))
    patient_id = property(itemgetter(COLUMNS.index("patient_id")))
    radiologist_id = property(itemgetter(COLUMNS.index("radiologist_id")))
    LIVE_STATUSES = Appointment.LIVE_STATUSES
    UPCOMING = Appointment.UPCOMING
    expected_end = Appointment.expected_end
    is_live = Appointment.is_live
    has_upcoming_status = Appointment.has_upcoming_status
    is_upcoming = Appointment.is_upcoming
    cancellation_shown = Appointment.cancellation_shown

    @property
    def values(self) -> tuple:
        """What the markup memo is keyed by: every column."""
        return self

    @property
    def room_name(self) -> str:
        return self[_ROOM_NAME]

    @property
    def room(self) -> Room:
        return Room(pk=self.room_id, name=self[_ROOM_NAME], is_active=self[_ROOM_NAME + 1])

    @property
    def patient(self) -> ScheduledPatient:
        patient = ScheduledPatient()
        patient.__dict__.update(zip(PATIENT_FIELDS, self[_PATIENT], strict=True))
        patient.pk = self.patient_id
        return patient

    @property
    def radiologist(self) -> ScheduledRadiologist | None:
        if self.radiologist_id is None:
            return None
        radiologist = ScheduledRadiologist()
        radiologist.pk, radiologist.first_name, radiologist.last_name, radiologist.username = self[_RADIOLOGIST]
        return radiologist

    def get_status_display(self) -> str:
        return Appointment.Status(self.status).label

    def get_cancel_reason_code_display(self) -> str:
        return dict(Appointment.CancelReason.choices).get(self.cancel_reason_code, self.cancel_reason_code)

    def get_laterality_display(self) -> str:
        return dict(Appointment.Laterality.choices).get(self.laterality, self.laterality)

    def __repr__(self) -> str:
        return f"<Booking {self.pk} {self.status} {clinic_time.iso_minute(self.scheduled_start)}>"


for _name in FACTS:  # the patient flags read these by name (`flags.FACTS`)
    setattr(Booking, _name, property(itemgetter(COLUMNS.index(_name))))


@lru_cache(maxsize=1)
def _bookings_query() -> QuerySet:
    """The schedules' query but for its dates, built once per process: its six annotations cost more to build than
    to run. Only ever filtered further (a clone), never evaluated itself."""
    query = with_patient_flags(Appointment.objects.all())
    query = query.annotate(**{f"patient_{name}_as_text": Cast(f"patient__{name}", CharField()) for name in _PHONES})
    return query.order_by("scheduled_start", "room__name").values_list(*COLUMNS)


def bookings_between(start: datetime, end: datetime) -> list[Booking]:
    """Appointments starting in [start, end), clinic order (start, then room), in one query however many: with
    the facts the patient flags need (`with_patient_flags`), as `Booking`s."""
    rows = _bookings_query().filter(scheduled_start__gte=start, scheduled_start__lt=end)
    return [Booking(_hashable(values)) for values in rows]


def label_times(appointments: list) -> list:
    """Give each appointment (or `Booking`) its clinic-time `start_label` and `end_label` ("09:00")."""
    for a in appointments:
        a.start_label = clinic_time.time_of_day(a.scheduled_start)
        a.end_label = clinic_time.time_of_day(a.expected_end)
    return appointments


def appointments_between(start: datetime, end: datetime) -> list[Appointment]:
    """Appointments starting in [start, end) as model instances, each with its `flags`, in one query: for the
    printed list, which shows more of each (date of birth, notes, discharge) and is not drawn hundreds at a time."""
    appointments = Appointment.objects.filter(scheduled_start__gte=start, scheduled_start__lt=end)
    appointments = appointments.select_related("patient", "room", "radiologist")
    return with_flags(with_patient_flags(appointments.order_by("scheduled_start", "room__name")))
