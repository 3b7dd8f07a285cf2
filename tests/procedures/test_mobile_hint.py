"""The mobile number's hint shows the format the field itself shows a saved number in: national for the clinic's
region, with a country code only for a number from abroad; and every staff page shows a number that way."""

import re

import pytest
from django.urls import reverse

from procedures.models import PatientRequest
from procedures.templatetags.staff import phone_number
from tests.clinic import MONDAY, TODAY, at
from tests.factories import AppointmentFactory, PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def _mobile_field(html: str) -> tuple[str, str]:
    value = re.search(r'<input type="tel" name="mobile" value="([^"]*)"', html).group(1)
    hint = re.search(r'id="id_mobile_helptext"[^>]*>(.*?)</', html, re.S).group(1)
    return value, hint


def test_the_hint_writes_the_number_as_the_field_shows_it(as_scheduler):
    patient = PatientFactory(mobile="+447911123456")
    value, hint = _mobile_field(as_scheduler.get(reverse("procedures:patient", args=[patient.pk])).content.decode())
    assert value == "07911 123456"
    example = re.search(r"e\.g\. ([0-9 ]+);", hint).group(1)
    assert example.startswith("07") and len(example.replace(" ", "")) == 11
    assert "International format" not in hint
    assert "country code" in hint


def test_a_clinic_in_another_region_gets_its_own_example(as_scheduler, settings):
    settings.PHONENUMBER_DEFAULT_REGION = "PL"
    patient = PatientFactory(mobile="+48512345678")
    _, hint = _mobile_field(as_scheduler.get(reverse("procedures:patient", args=[patient.pk])).content.decode())
    assert not re.search(r"e\.g\. 0", hint) and re.search(r"e\.g\. \d{3} \d{3} \d{3};", hint)


def test_the_admin_shows_the_number_and_the_hint_as_the_staff_pages_do(admin_client):
    patient = PatientFactory(mobile="+447911123456")
    html = admin_client.get(reverse("admin:procedures_patient_change", args=[patient.pk])).content.decode()
    value = re.search(r'<input type="tel" name="mobile" value="([^"]*)"', html).group(1)
    hint = re.search(r'id="id_mobile_helptext"[^>]*>\s*(?:<div>)?(.*?)</', html, re.S).group(1)
    assert value == "07911 123456"
    assert re.search(r"e\.g\. 07\d{3} \d{6};", hint) and "International format" not in hint


def test_staff_pages_write_a_number_as_staff_dial_it(as_scheduler):
    abroad = PatientFactory(mobile="+48512345678", phone="+442079460018")
    appointment = AppointmentFactory(patient=abroad, scheduled_start=at(MONDAY, "10:00"))
    PatientRequest.objects.create(appointment=appointment, kind="reschedule", message="An afternoon, please.")
    AppointmentFactory(patient=abroad, scheduled_start=at(TODAY, "09:00"))  # passed, still open: end of day
    assert (phone_number(abroad.mobile), phone_number(abroad.phone), phone_number("")) == (
        "+48 512 345 678",
        "020 7946 0018",
        "",
    )
    for page in (
        reverse("procedures:patient", args=[abroad.pk]),
        reverse("procedures:appointment", args=[appointment.pk]),
        f"{reverse('procedures:day-print')}?date={MONDAY.isoformat()}",
        f"{reverse('procedures:patients')}?q={abroad.mrn}",
        reverse("procedures:requests"),
        reverse("procedures:end-of-day"),
    ):
        html = as_scheduler.get(page).content.decode()
        assert "+48 512 345 678" in html, page  # in the text, or the contact form's box
        assert "+48512345678" not in html.replace('href="tel:+48512345678"', ""), page
