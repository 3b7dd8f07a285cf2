"""Fixtures shared by the whole suite: the frozen clinic "now", the clinic's rooms and staff, booking through the
service, and the outboxes. Nothing here is autouse but the broker and password set-up; a module asks for what it
needs, by argument or with `pytestmark = pytest.mark.usefixtures(...)`. Dates and times: tests/clinic.py."""

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection

from procedures.models import Appointment
from procedures.services import book_appointment
from reminders import queueing
from reminders.providers.sms import LocMemSMSBackend
from tests.clinic import NOW
from tests.factories import PatientFactory, ProcedureTypeFactory, RadiologistFactory, RoomFactory, SchedulerFactory


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL's constraints and locking; on SQLite they are skipped, saying why."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... (.ci/run does)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Staff logins in tests need a password, not a slow one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def use_broker(url: str) -> None:
    """Point this process's Celery app at `url`, dropping pooled connections to the previous broker."""
    from prepapp.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(autouse=True, scope="session")
def _in_memory_broker_unless_a_test_brings_its_own():
    """Unit tests publish to kombu's in-memory transport, never to a shared Redis a worker might be reading;
    the worker integration tests switch to a redis-server of their own (tests/reminders/test_worker.py)."""
    use_broker("memory://localhost/")
    yield


@pytest.fixture
def frozen_now():
    """The clock stopped at NOW (tests/clinic.py); `frozen_now.shift(...)` and `.move_to(...)` move it."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ductogram():

    return ProcedureTypeFactory()


@pytest.fixture
def room():

    return RoomFactory(name="Mammo Room 1", location="Level 2, Rose Wing")


@pytest.fixture
def room1(room):
    return room


@pytest.fixture
def room2():

    return RoomFactory(name="Mammo Room 2")


@pytest.fixture
def scheduler():

    return SchedulerFactory(first_name="Sam", last_name="Patel")


@pytest.fixture
def radiologist():

    return RadiologistFactory(first_name="Adaeze", last_name="Okafor")


@pytest.fixture
def superuser():

    return User.objects.create_superuser("boss", "boss@clinic.example", "correct-horse-battery")


@pytest.fixture
def as_scheduler(client, scheduler):
    client.force_login(scheduler)
    return client


@pytest.fixture
def as_radiologist(client, radiologist):
    client.force_login(radiologist)
    return client


@pytest.fixture
def book(ductogram, room):
    """book(start, patient=None, **details): a ductogram booked through the booking service, as staff do; a new
    patient unless one is given, in Mammo Room 1 unless `room=` says otherwise."""

    def _book(scheduled_start, patient=None, **details):
        details.setdefault("laterality", Appointment.Laterality.LEFT)
        details.setdefault("discharge", Appointment.Discharge.BLOODY)
        return book_appointment(
            patient=patient or PatientFactory(),
            procedure_type=details.pop("procedure_type", ductogram),
            room=details.pop("room", room),
            scheduled_start=scheduled_start,
            **details,
        )

    return _book


@pytest.fixture
def own_cache(settings):
    """A cache of the test's own (dispatch's last-run mark, the patient page's rate limit), off the shared Redis."""

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture
def sms_outbox(settings):
    """Texts go to LocMemSMSBackend.outbox, emptied before and after the test."""

    settings.SMS_BACKEND = "reminders.providers.sms.LocMemSMSBackend"
    LocMemSMSBackend.outbox.clear()
    yield LocMemSMSBackend.outbox
    LocMemSMSBackend.outbox.clear()


@pytest.fixture
def queued(monkeypatch):
    """Reminder ids handed to the workers, collected here instead of going to the broker."""

    ids: list[int] = []
    monkeypatch.setattr(queueing, "queue_sends", ids.extend)
    return ids
