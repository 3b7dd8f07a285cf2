"""Shared by the staff UI tests: a frozen clinic "now", rooms, and staff signed in to the test client.

"Now" is Wednesday 5 June 2030, 12:00 in London (BST). Import the fixtures a test module uses by name.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import ProcedureTypeFactory, RadiologistFactory, RoomFactory, SchedulerFactory

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2030, 6, 5, 12, 0, tzinfo=LONDON)
TODAY = NOW.date()
THURSDAY = date(2030, 6, 6)
FRIDAY = date(2030, 6, 7)
SATURDAY = date(2030, 6, 8)
MONDAY = date(2030, 6, 10)


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LONDON)


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ductogram():
    return ProcedureTypeFactory()


@pytest.fixture
def room1():
    return RoomFactory(name="Mammo Room 1")


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
def as_scheduler(client, scheduler):
    client.force_login(scheduler)
    return client


@pytest.fixture
def as_radiologist(client, radiologist):
    client.force_login(radiologist)
    return client
