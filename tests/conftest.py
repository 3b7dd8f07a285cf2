"""Fixtures shared by the whole suite: the frozen clinic "now", the clinic's rooms and staff, booking through the
service, and the outboxes. Nothing here is autouse but the broker, cache-key and password set-up; a module asks for
what it needs, by argument or with `pytestmark = pytest.mark.usefixtures(...)`. Dates and times: tests/clinic.py.

The suite runs in parallel (pytest-xdist, `make test`): pytest-django gives each process its own test database, and
what else several processes would share (the cache on the Redis at REDIS_URL) is keyed per process here."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import redis
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from procedures.models import Appointment
from procedures.services import book_appointment
from reminders import queueing
from reminders.providers.sms import LocMemSMSBackend
from tests.clinic import NOW
from tests.factories import PatientFactory, ProcedureTypeFactory, RadiologistFactory, RoomFactory, SchedulerFactory


def pytest_configure(config):
    """The patients' translations compiled before any test reads them (as `make messages` does), so a bare `pytest`
    tests the .po files as they are; once, in the controlling process, not in each xdist worker."""
    if hasattr(config, "workerinput"):
        return
    root = Path(__file__).resolve().parent.parent
    stale = [
        po
        for po in sorted(root.glob("locale/*/LC_MESSAGES/django.po"))
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale and not shutil.which("msgfmt"):
        raise pytest.UsageError("The translations need gettext's msgfmt: run `sudo apt-get install gettext`.")
    for po in stale:
        subprocess.run(["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)], check=True)


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


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Staff logins in tests need a password, not a slow one: for the whole session, so that users made before any
    test's own fixtures (setUpTestData, module fixtures) are not hashed the slow way either."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


def use_broker(url: str) -> None:
    """Point this process's Celery app at `url`, dropping pooled connections to the previous broker."""
    from prepapp.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(autouse=True, scope="session")
def _cache_keys_of_this_process():
    """The cache is the Redis at REDIS_URL, shared by every pytest-xdist worker (and by anyone else's run): each
    process keys its entries apart (the worker's name and a random part), so one worker's rate-limit counts and
    report tables are never another's. Its keys are deleted at the end; nothing here flushes the shared database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    prefix = f"prepapp-test-{worker}-{uuid.uuid4().hex[:8]}"
    caches = {name: {**options, "KEY_PREFIX": prefix} for name, options in django_settings.CACHES.items()}
    with override_settings(CACHES=caches):
        yield
    for options in caches.values():
        if options["BACKEND"].endswith("RedisCache"):
            try:
                client = redis.Redis.from_url(options["LOCATION"], socket_connect_timeout=2)
                keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
                if keys:
                    client.delete(*keys)
            except redis.RedisError:
                pass  # no Redis here: the tests that needed one have said so already


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
