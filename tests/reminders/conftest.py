"""Fixtures shared by the reminders unit tests. Nothing here is autouse: the worker integration tests in this
folder bring their own set-up, and each unit-test module freezes its own "now"."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from procedures.models import Appointment
from procedures.services import book_appointment
from reminders.channels.sms import LocMemSMSBackend
from tests.factories import PatientFactory, ProcedureTypeFactory, RoomFactory

LONDON = ZoneInfo("Europe/London")


def at(day: date, hhmm: str) -> datetime:
    """`hhmm` on `day`, clinic (London) time."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LONDON)


@pytest.fixture
def ductogram():
    return ProcedureTypeFactory()


@pytest.fixture
def room():
    return RoomFactory(name="Mammo Room 1", location="Level 2, Rose Wing")


@pytest.fixture
def book(ductogram, room):
    """book(start, patient=None, **details): a ductogram booked through the booking service, as staff do."""

    def _book(scheduled_start, patient=None, **details):
        details.setdefault("laterality", Appointment.Laterality.LEFT)
        details.setdefault("discharge", Appointment.Discharge.BLOODY)
        return book_appointment(
            patient=patient or PatientFactory(),
            procedure_type=ductogram,
            room=details.pop("room", room),
            scheduled_start=scheduled_start,
            **details,
        )

    return _book


@pytest.fixture
def own_cache(settings):
    """dispatch_due records its last run in the cache: keep it off the machine's shared Redis."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture
def sms_outbox(settings):
    """Texts go to LocMemSMSBackend.outbox, emptied before and after the test."""
    settings.SMS_BACKEND = "reminders.channels.sms.LocMemSMSBackend"
    LocMemSMSBackend.outbox.clear()
    yield LocMemSMSBackend.outbox
    LocMemSMSBackend.outbox.clear()
