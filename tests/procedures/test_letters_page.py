"""The letters page (/letters/): due letters listed, printed as one PDF, marked posted; the postal address on the
patient's forms; each letter on the patient's history."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from procedures.models import Patient
from procedures.patients.forms import ContactForm, NewPatientForm
from procedures.services import cancel_appointment, reschedule_appointment
from reminders import services
from reminders.channels import default_consent
from reminders.models import Reminder
from reminders.stages import Stage
from tests.clinic import FAR
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

LETTERS = reverse("procedures:letters")
POSTED = reverse("procedures:letters-posted")
ADDRESS = {"address_line1": "14 Riverside Court", "town": "London", "postcode": "SE1 7EH"}


@pytest.fixture
def by_post(book):
    """An appointment for a patient only a letter reaches; its confirmation letter is due now."""
    patient = PatientFactory(
        given_name="Edith", family_name="Marsh", email="", mobile="", channels=default_consent(), **ADDRESS
    )
    return book(FAR, patient=patient)


def confirmation(appointment) -> Reminder:
    return appointment.reminders.get(channel="letter", stage=Stage.BOOKING_CONFIRMATION)


def ticked(*rows: Reminder) -> dict:
    return {"letter": [f"{r.pk}:{int(r.for_start.timestamp())}" for r in rows]}


def listed(client) -> list[int]:
    response = client.get(LETTERS)
    assert response.status_code == 200
    return [letter.reminder.pk for letter in response.context["letters"]]


def test_a_due_letter_is_listed_and_printed_as_one_pdf(as_scheduler, by_post):
    letter = confirmation(by_post)
    page = as_scheduler.get(LETTERS).content.decode()
    assert listed(as_scheduler) == [letter.pk]
    assert "Edith Marsh" in page and "14 Riverside Court, LONDON, SE1 7EH" in page
    assert 'href="/letters/"' in page and 'aria-current="page"' in page  # the navigation's link, current

    response = as_scheduler.get(reverse("procedures:letters-print"), {"ids": str(letter.pk)})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Monday 24 June 2030 at 10:00" in text and "Edith" in text

    one = as_scheduler.get(reverse("procedures:letter-pdf", args=[letter.pk]))
    assert one.status_code == 200 and one.content.startswith(b"%PDF-")


def test_the_print_pdf_holds_every_due_letter(as_scheduler, book, by_post):
    other = book(FAR + timedelta(hours=2), patient=PatientFactory(email="", mobile="", channels=["letter"], **ADDRESS))
    both = PdfReader(io.BytesIO(as_scheduler.get(reverse("procedures:letters-print")).content))
    one = PdfReader(
        io.BytesIO(as_scheduler.get(reverse("procedures:letter-pdf", args=[confirmation(other).pk])).content)
    )
    assert len(both.pages) == 2 * len(one.pages)


def test_mark_posted_records_the_sending_and_the_letter_leaves_the_list(as_scheduler, by_post):
    letter = confirmation(by_post)
    response = as_scheduler.post(POSTED, ticked(letter), follow=True)

    assert "Marked 1 letter posted." in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == Reminder.Status.SENT
    assert letter.sent_at == timezone.now()
    assert letter.recipient == "14 Riverside Court, LONDON, SE1 7EH"
    assert letter.delivery_status == "Posted by Sam Patel"
    assert letter.subject == "Your appointment on Monday 24 June 2030 at 10:00" and "Dear Edith" in letter.body
    assert listed(as_scheduler) == []
    assert 'id="no-letters"' in as_scheduler.get(LETTERS).content.decode()


def test_a_cancelled_appointments_letter_leaves_the_list_and_is_not_marked(as_scheduler, by_post):
    letter = confirmation(by_post)
    cancel_appointment(by_post, reason="Patient asked", reason_code="patient_request")

    assert letter.pk not in listed(as_scheduler)
    response = as_scheduler.post(POSTED, ticked(letter), follow=True)
    assert "1 letter not marked" in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == Reminder.Status.CANCELLED and letter.sent_at is None
    # What the patient must hear now is the cancellation, by letter too.
    assert [r.stage for r in (letter.reminder for letter in as_scheduler.get(LETTERS).context["letters"])] == [
        Stage.CANCELLATION
    ]


def test_a_letter_moved_after_printing_is_not_marked(as_scheduler, by_post):
    letter = confirmation(by_post)
    printed = ticked(letter)
    reschedule_appointment(by_post, new_start=FAR + timedelta(days=7))

    as_scheduler.post(POSTED, printed)
    letter.refresh_from_db()
    assert letter.status == Reminder.Status.PENDING  # about the new time now: print it again
    assert letter.pk in listed(as_scheduler)


def test_a_letter_not_yet_due_is_neither_listed_nor_marked(as_scheduler, by_post):
    week = by_post.reminders.get(channel="letter", stage=Stage.WEEK_BEFORE)
    assert week.pk not in listed(as_scheduler)
    assert services.mark_posted([week.pk]).left == [week.pk]
    page = as_scheduler.get(LETTERS).content.decode()
    assert "2 more letters are waiting for their day; the next is due Thu 13 Jun." in page


def test_only_those_who_handle_reminders_see_the_letters(as_radiologist, by_post):
    assert as_radiologist.get(LETTERS).status_code == 403
    assert as_radiologist.post(POSTED, ticked(confirmation(by_post))).status_code == 403
    assert as_radiologist.get(reverse("procedures:letter-pdf", args=[confirmation(by_post).pk])).status_code == 403
    assert 'href="/letters/"' not in as_radiologist.get(reverse("procedures:worklist")).content.decode()


def test_nothing_ticked_or_garbage_marks_nothing(as_scheduler, by_post):
    for data in ({}, {"letter": ["x", "1:", ":5", f"{confirmation(by_post).pk}:99999999999999"]}):
        response = as_scheduler.post(POSTED, data, follow=True)
        assert "Tick the letters you posted" in response.content.decode()
    assert confirmation(by_post).status == Reminder.Status.PENDING


def test_each_letter_is_on_the_patients_history_with_its_pdf(as_scheduler, by_post):
    letter = confirmation(by_post)
    page = as_scheduler.get(reverse("procedures:patient", args=[by_post.patient_id])).content.decode()
    assert reverse("procedures:letter-pdf", args=[letter.pk]) in page
    assert 'value="14 Riverside Court"' in page and 'value="SE1 7EH"' in page


# The postal address on the forms


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("sw1a1aa", "SW1A 1AA"), (" se1  7eh ", "SE1 7EH"), ("M1 1AE", "M1 1AE"), ("gir0aa", "GIR 0AA")],
)
def test_a_postcode_is_kept_upper_case_with_one_space(typed, stored):
    form = ContactForm(
        {"address_line1": "1 Road", "town": "Town", "postcode": typed, "channels": ["letter"]},
        instance=PatientFactory(),
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["postcode"] == stored
    assert PatientFactory(postcode=typed, **{k: v for k, v in ADDRESS.items() if k != "postcode"}).postcode == stored


@pytest.mark.parametrize("typed", ["12345", "SW1A 1AC", "not a postcode", "SW1A1AA1", "Q1 1AA X"])
def test_a_postcode_that_is_not_one_is_refused_on_the_field(typed):
    form = ContactForm(
        {"address_line1": "1 Road", "town": "Town", "postcode": typed, "channels": ["letter"]},
        instance=PatientFactory(),
    )
    assert not form.is_valid()
    assert form.errors["postcode"] == ["Enter a UK postcode, like SW1A 1AA."]


def test_an_address_is_whole_or_empty():
    form = ContactForm({"postcode": "SE1 7EH", "channels": ["letter"]}, instance=PatientFactory())
    assert not form.is_valid()
    assert set(form.errors) == {"address_line1", "town"}


def test_staff_edit_the_address_on_the_patients_page_and_letters_follow(as_scheduler, book):
    patient = PatientFactory(email="", mobile="", channels=default_consent())
    appointment = book(FAR, patient=patient)
    assert not appointment.reminders.exists()

    url = reverse("procedures:patient", args=[patient.pk])
    data = {"email": "", "mobile": "", "phone": "", "channels": default_consent(), "needs_large_print": "on"}
    response = as_scheduler.post(url, {**data, **ADDRESS, "postcode": "se17eh"})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.postcode, patient.needs_large_print) == ("SE1 7EH", True)
    assert set(appointment.reminders.values_list("channel", flat=True)) == {"letter"}


def test_a_new_patient_with_only_an_address_is_registered_for_letters():
    form = NewPatientForm(
        {
            "new-mrn": "L100",
            "new-given_name": "Edith",
            "new-family_name": "Marsh",
            "new-date_of_birth": "1950-02-03",
            "new-channels": default_consent(),
            **{f"new-{name}": value for name, value in ADDRESS.items()},
        },
        prefix="new",
    )
    assert form.is_valid(), form.errors
    assert "letter" in form.cleaned_data["channels"]
    assert Patient(**form.cleaned_data).reminder_channels() == {"letter"}


def test_a_letter_left_too_long_to_arrive_in_time_says_to_phone(as_scheduler, scheduler, by_post, frozen_now):
    frozen_now.move_to(FAR - timedelta(days=4))  # Thursday: posted today it arrives on Monday, the appointment's day
    as_scheduler.force_login(scheduler)  # a sign-in lasts a working day
    page = as_scheduler.get(LETTERS)
    late = {letter.reminder.stage: letter.arrives_late for letter in page.context["letters"]}
    assert late == {Stage.BOOKING_CONFIRMATION: True, Stage.WEEK_BEFORE: True, Stage.PREPARATION_STARTS: True}
    assert "Posted today it arrives too late: phone the patient too." in page.content.decode()


def test_send_now_on_a_letter_makes_it_due_for_printing(as_scheduler, by_post):
    week = by_post.reminders.get(channel="letter", stage=Stage.WEEK_BEFORE)
    response = as_scheduler.post(reverse("reminders:send-now", args=[week.pk]), follow=True)
    assert "The a week before letter is due now: print and post it from the letters page." in response.content.decode()
    assert week.pk in listed(as_scheduler)
    week.refresh_from_db()
    assert week.status == Reminder.Status.PENDING  # no worker took it


def test_the_schedule_counts_a_patient_only_a_letter_reaches_as_reachable(as_scheduler, book, by_post):
    """The day grid reads light rows, not Patient instances: the letter channel asks only their fields."""
    book(FAR + timedelta(hours=2), patient=PatientFactory(family_name="Lane", email="", mobile="", channels=["letter"]))
    page = as_scheduler.get(reverse("procedures:day"), {"date": "2030-06-24"}).content.decode()
    assert "Marsh" in page and "Lane" in page
    assert page.count(">No reminders</span>") == 1  # Lane's: she has no address; Marsh's letters reach her
