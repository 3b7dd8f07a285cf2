"""seed_demo: a first look at the service, safe to run on every `make run`."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from procedures.models import Appointment, Patient, Room

pytestmark = pytest.mark.django_db


def _seed(**kwargs) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO(), **kwargs)
    return out.getvalue()


def test_seed_demo_makes_rooms_staff_patients_and_a_week_of_bookings_and_prints_the_logins(settings):
    settings.DEBUG = True
    output = _seed()
    assert Room.objects.count() == 2
    assert Patient.objects.filter(mrn__startswith="DEMO").count() == 12
    assert User.objects.get(username="scheduler").groups.filter(name="Schedulers").exists()
    assert User.objects.filter(groups__name="Radiologists").count() == 2
    assert User.objects.get(username="admin").is_superuser
    bookings = Appointment.objects.all()
    assert bookings.count() >= 12  # at least three clinic days in any seven, four bookings each
    assert all(b.status == Appointment.Status.BOOKED and b.created_by.username == "scheduler" for b in bookings)
    for username in ("admin", "scheduler", "dr.okafor", "dr.lindqvist"):
        assert username in output
    assert "password for all: ductogram-demo" in output
    assert User.objects.get(username="dr.okafor").check_password("ductogram-demo")


def test_seed_demo_run_twice_adds_nothing_the_second_time(settings):
    settings.DEBUG = True
    _seed()
    counts = (Room.objects.count(), Patient.objects.count(), User.objects.count(), Appointment.objects.count())
    _seed()
    assert (Room.objects.count(), Patient.objects.count(), User.objects.count(), Appointment.objects.count()) == counts


def test_seed_demo_refuses_to_put_demo_logins_on_a_production_server(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        _seed()
    assert not User.objects.exists()
