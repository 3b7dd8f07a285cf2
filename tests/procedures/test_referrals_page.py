"""The scheduler's referrals page: what the hospital's EPR sent waits on /referrals/, the most urgent first. Sam books
Ama Osei's referral in one step from the booking form it fills in, and the EPR then sees the appointment based on
it; a referral for someone seen elsewhere is rejected with the reason; one whose patient details differ from the
record found is shown with both, and Sam confirms it is the same woman before booking.
"Now" is Wednesday 5 June 2030, 12:00 London (BST, UTC+1)."""

from datetime import date

import pytest
from django.urls import reverse

from procedures.models import Appointment, Patient, Referral
from tests.clinic import THURSDAY
from tests.factories import PatientFactory
from tests.fhir import fhir_get, fhir_post, new_token, valid
from tests.procedures.test_views_booking import booking
from tests.referrals import ama_referral

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "ductogram")]

PAGE = reverse("procedures:referrals")
BOOK = reverse("procedures:book")


@pytest.fixture
def epr():
    return new_token("referrals", "appointments", name="EPR")


def sent(epr, **changes) -> Referral:
    data = valid(fhir_post("ServiceRequest", ama_referral(**changes), epr), 201, "ServiceRequest")
    return Referral.objects.get(pk=data["id"])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_waiting_referrals_are_listed_the_most_urgent_first(as_scheduler, epr):
    routine = sent(epr, priority="routine", identifier__0__value="REF-1")
    urgent = sent(epr, priority="urgent", identifier__0__value="REF-2")
    later_routine = sent(epr, priority="routine", identifier__0__value="REF-3")
    done = sent(epr, identifier__0__value="REF-4")
    Referral.objects.filter(pk=done.pk).update(status=Referral.Status.REJECTED, rejection_reason="Duplicate")
    page = as_scheduler.get(PAGE)
    assert page.status_code == 200
    assert [r.pk for r in page.context["referrals"]] == [urgent.pk, later_routine.pk, routine.pk]
    html = page.content.decode()
    assert "Urgent" in html and "Dr Farah Rahman, Breast Clinic" in html and "Single-duct bloody discharge" in html
    assert f'href="{BOOK}?referral={urgent.pk}"' in html
    assert f'href="{PAGE}"' in html  # the nav link


def test_a_radiologist_does_not_book_referrals(as_radiologist, epr):
    sent(epr)
    assert as_radiologist.get(PAGE).status_code == 403
    assert f'href="{PAGE}"' not in as_radiologist.get(reverse("procedures:day")).content.decode()


def test_booking_from_a_referral_fills_the_form_and_links_the_appointment(as_scheduler, room, scheduler, epr):
    referral = sent(epr)
    ama = referral.patient
    form = as_scheduler.get(BOOK, {"referral": referral.pk}).context["form"]
    assert str(form["patient"].value()) == str(ama.pk) and form["patient_query"].value() == ama.mrn
    assert form["laterality"].value() == "left" and form["discharge"].value() == "bloody"
    assert form["referrer"].value() == "Dr Farah Rahman, Breast Clinic"
    assert form["notes"].value() == "Referral REF-1001 (urgent): Single-duct bloody discharge, normal mammogram"

    posted = booking(ama, room=room.pk, referral=referral.pk, referrer=form["referrer"].value())
    response = as_scheduler.post(BOOK, posted)
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "procedures:appointment", args=[appointment.pk]
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.BOOKED and referral.appointment == appointment
    assert referral.handled_by == scheduler
    assert referral not in as_scheduler.get(PAGE).context["referrals"]

    fhir = valid(fhir_get(f"Appointment/{appointment.pk}", epr), 200, "Appointment")
    assert fhir["basedOn"] == [{"reference": f"ServiceRequest/{referral.pk}"}]
    assert valid(fhir_get(f"ServiceRequest/{referral.pk}", epr), 200, "ServiceRequest")["status"] == "active"


def test_an_appointment_booked_without_a_referral_is_based_on_nothing(as_scheduler, room, epr):
    as_scheduler.post(BOOK, booking(PatientFactory(), room=room.pk))
    fhir = valid(fhir_get(f"Appointment/{Appointment.objects.get().pk}", epr), 200, "Appointment")
    assert "basedOn" not in fhir


def test_a_referral_rejected_meanwhile_books_nothing(as_scheduler, room, epr):
    referral = sent(epr)
    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.REJECTED, rejection_reason="Seen elsewhere")
    page = as_scheduler.post(BOOK, booking(referral.patient, room=room.pk, referral=referral.pk))
    assert page.status_code == 200 and "This referral is rejected already" in page.context["conflict"]
    assert not Appointment.objects.exists()


def test_a_referral_is_booked_for_its_own_patient_only(as_scheduler, room, epr):
    referral = sent(epr)
    page = as_scheduler.post(BOOK, booking(PatientFactory(), room=room.pk, referral=referral.pk))
    assert "This referral is for Ama Osei" in page.context["conflict"]
    assert not Appointment.objects.exists()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WAITING


def test_a_referral_is_rejected_with_a_reason(as_scheduler, scheduler, epr):
    referral = sent(epr)
    url = reverse("procedures:referral-reject", args=[referral.pk])
    refused = as_scheduler.post(url, {"reason": "  "}, follow=True)
    assert any("Not rejected" in m for m in messages_of(refused))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WAITING

    done = as_scheduler.post(url, {"reason": "Seen at Riverside last week"}, follow=True)
    assert messages_of(done) == ["Rejected the referral for Ama Osei: Seen at Riverside last week"]
    referral.refresh_from_db()
    assert (referral.status, referral.rejection_reason, referral.handled_by) == (
        "rejected",
        "Seen at Riverside last week",
        scheduler,
    )
    assert list(done.context["referrals"]) == []
    again = as_scheduler.post(url, {"reason": "Twice"}, follow=True)
    assert messages_of(again) == ["This referral is rejected already; nothing was changed."]


def test_a_held_referral_shows_both_sides_and_waits_once_a_person_says_it_is_the_same_patient(as_scheduler, epr):
    record = PatientFactory(
        mrn="RX200001", given_name="Ama", family_name="Osei-Mensah", date_of_birth=date(1978, 2, 14)
    )
    referral = sent(epr)
    assert referral.status == Referral.Status.HELD
    html = as_scheduler.get(PAGE).content.decode()
    assert "The referral says" in html and "Ama Osei, born 14 Feb 1978" in html
    assert "The record found" in html and "Ama Osei-Mensah</a>, born 14 Feb 1978" in html
    assert f'href="{BOOK}?referral={referral.pk}"' not in html

    done = as_scheduler.post(reverse("procedures:referral-same-patient", args=[referral.pk]), follow=True)
    assert messages_of(done) == ["The referral is for Ama Osei-Mensah (RX200001); it can be booked now."]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WAITING and referral.patient == record
    assert Patient.objects.get().family_name == "Osei-Mensah"
    assert f'href="{BOOK}?referral={referral.pk}"' in done.content.decode()


def test_the_admin_lists_referrals_read_only(client, superuser, epr):
    referral = sent(epr)
    client.force_login(superuser)
    listing = client.get(reverse("admin:procedures_referral_changelist"), {"q": "REF-1001", "status": "waiting"})
    assert listing.status_code == 200 and "Osei" in listing.content.decode()
    assert client.get(reverse("admin:procedures_referral_add")).status_code == 403
    page = client.get(reverse("admin:procedures_referral_change", args=[referral.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_a_referral_booked_at_thursday_ten_is_the_scheduler_s_one_step(as_scheduler, room, epr):
    """The one step: the form filled from the referral is sent as it is, with only the time chosen."""
    referral = sent(epr)
    form = as_scheduler.get(BOOK, {"referral": referral.pk}).context["form"]
    posted = {name: form[name].value() or "" for name in form.fields}
    posted.update(
        action="book", referral=referral.pk, room=room.pk, start_date=THURSDAY.isoformat(), start_time="10:00"
    )
    posted = {key: value for key, value in posted.items() if value is not None}
    response = as_scheduler.post(BOOK, posted)
    assert response.status_code == 302, response.context and response.context["form"].errors
    appointment = Appointment.objects.get()
    assert (appointment.patient, appointment.laterality, appointment.discharge) == (referral.patient, "left", "bloody")
    assert appointment.notes.startswith("Referral REF-1001 (urgent)")
