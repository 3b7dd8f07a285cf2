"""seed_demo: a first look at the service, safe to run on every `make run`, with a day's work for every role:
results logged and still to log, today's list, cancellations with their reasons, and bookings ahead."""

from datetime import datetime
from io import StringIO

import phonenumbers
import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.utils import timezone

from procedures.models import Appointment, FollowUp, Patient, ProcedureResult, Room
from tests.clinic import NOW, TODAY

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def _seed(**kwargs) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO(), **kwargs)
    return out.getvalue()


def test_seed_demo_makes_rooms_staff_patients_and_bookings_and_prints_the_logins(settings):
    settings.DEBUG = True
    output = _seed()
    assert Room.objects.count() == 2
    patients = Patient.objects.filter(mrn__startswith="DEMO")
    assert patients.count() >= 0.9 * Appointment.objects.count()  # one patient a visit, but for a few returning
    assert patients.filter(mrn__in=[f"DEMO{n:04d}" for n in range(1, 17)]).count() == 16  # the featured sixteen
    assert User.objects.get(username="scheduler").groups.filter(name="Schedulers").exists()
    assert User.objects.filter(groups__name="Radiologists").count() == 2
    assert User.objects.get(username="admin").is_superuser
    ahead = Appointment.objects.filter(scheduled_start__date__gt=timezone.localdate())
    assert ahead.filter(status=Status.BOOKED).count() >= 12  # at least three clinic days in any seven
    assert all(b.created_by.username == "scheduler" for b in Appointment.objects.all())
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


def test_the_demo_has_past_today_and_future_work_for_every_role(settings, frozen_now):
    """Wednesday 5 June 2030 at noon: the morning is done or under way, the afternoon still to come."""
    settings.DEBUG = True
    _seed()
    demo = Appointment.objects.filter(patient__mrn__startswith="DEMO")
    past = demo.filter(scheduled_start__lt=NOW)
    today = demo.filter(scheduled_start__date=TODAY)
    ahead = demo.filter(scheduled_start__date__gt=TODAY)

    # Radiologists: results logged through the service, and results still to log (the worklist's pending).
    results = ProcedureResult.objects.filter(appointment__in=demo)
    assert results.count() >= 4
    assert all(r.appointment.status == Status.COMPLETED and r.logged_by == r.performed_by for r in results)
    assert all(r.logged_by.groups.filter(name="Radiologists").exists() for r in results)
    pending = past.filter(status__in=Appointment.OPEN_STATUSES, result__isnull=True)
    assert {a.status for a in pending} == {Status.BOOKED, Status.CONFIRMED, Status.CHECKED_IN}
    # The follow-up list: a suspicious result for its radiologist, a procedure not performed to rebook.
    follow_ups = FollowUp.objects.filter(appointment__in=demo, closed_at__isnull=True)
    assert {f.must_act for f in follow_ups} == {"radiologist", "schedulers"}
    assert any(f.reasons == "BI-RADS 4B; Surgical referral (duct excision)" for f in follow_ups)
    assert all(r.times_given for r in results if r.outcome == "performed")

    # Today's list: several bookings, some checked in, some still to come.
    assert today.count() >= 6
    assert today.filter(status=Status.CHECKED_IN).exists()
    assert today.filter(scheduled_start__gt=NOW, status=Status.BOOKED).exists()
    assert today.filter(result__isnull=False).exists()

    # Cancellations with reasons from the list, and patients who did not attend.
    cancelled = demo.filter(status=Status.CANCELLED)
    assert cancelled.count() >= 3
    assert all(a.cancel_reason_code in Appointment.CancelReason.values for a in cancelled)
    assert all(a.cancellation_reason for a in cancelled)
    assert len({a.cancel_reason_code for a in cancelled}) >= 2
    assert past.filter(status=Status.NO_SHOW).exists()

    # Schedulers: the coming days booked through the service, reminders and all.
    assert ahead.filter(status=Status.BOOKED).count() >= 12
    reachable = [a for a in ahead.filter(status=Status.BOOKED) if a.patient.can_receive_reminders]
    assert reachable and all(a.reminders.exists() for a in reachable)

    # No two live bookings clash in a room or for a radiologist.
    live = list(demo.filter(status__in=Appointment.LIVE_STATUSES))
    for a in live:
        for b in live:
            if a.pk < b.pk and a.scheduled_start < b.expected_end and b.scheduled_start < a.expected_end:
                assert a.room_id != b.room_id and a.radiologist_id != b.radiologist_id


def test_the_demo_phone_numbers_pass_the_admins_check(settings, rf, superuser):
    settings.DEBUG = True
    output = _seed()
    patients = list(Patient.objects.filter(mrn__startswith="DEMO"))
    patient_admin = admin.site._registry[Patient]
    request = rf.get("/admin/procedures/patient/")
    request.user = superuser
    for patient in patients:
        patient.full_clean()  # the model's own check, which covers `phone` whether or not the admin shows it
        form_class = patient_admin.get_form(request, patient)
        data = {
            name: value if isinstance(value, list) else ("" if value is None else str(value))
            for name, value in model_to_dict(patient, fields=list(form_class.base_fields)).items()
        }
        form = form_class(data, instance=patient)
        assert form.is_valid(), (patient.mrn, form.errors)
    mobiles = [p.mobile for p in patients if p.mobile]
    assert mobiles and all(phonenumbers.is_valid_number(m) for m in mobiles)
    assert all(m.as_e164.startswith("+447911123") for m in mobiles)
    assert any(p.phone and not p.mobile for p in patients)  # a landline only
    assert any(not (p.mobile or p.phone or p.email) for p in patients)  # nobody to reach
    assert "the demo never sends to them" in output


def test_an_old_demo_database_gets_numbers_the_admin_accepts(settings):
    settings.DEBUG = True
    _seed()
    Patient.objects.filter(mrn="DEMO0001").update(mobile="+447700900001")  # the drama range, refused by the admin
    _seed()
    assert Patient.objects.get(mrn="DEMO0001").mobile.as_e164 == "+447911123401"


@pytest.mark.parametrize("moment", ["2030-06-05 07:00", "2030-06-05 09:40", "2030-06-05 18:30", "2030-06-08 10:00"])
def test_the_demo_can_be_made_at_any_hour_without_a_refused_booking(settings, frozen_now, moment):
    settings.DEBUG = True
    frozen_now.move_to(timezone.make_aware(datetime.fromisoformat(moment)))
    err = StringIO()
    call_command("seed_demo", stdout=StringIO(), stderr=err)
    assert "Skipped" not in err.getvalue()
    assert Appointment.objects.filter(status=Status.COMPLETED).exists()
    assert Appointment.objects.filter(scheduled_start__gt=timezone.now(), status=Status.BOOKED).exists()


def test_the_demo_has_a_patient_reached_only_by_post_whose_letters_are_made(settings):
    settings.DEBUG = True
    _seed()
    by_post = Patient.objects.get(mrn__startswith="DEMO", given_name="Helen")
    assert by_post.reminder_channels() == {"letter"} and by_post.needs_large_print
    assert by_post.appointments.filter(reminders__channel="letter").exists()
