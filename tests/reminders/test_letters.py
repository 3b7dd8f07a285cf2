"""The letter channel (reminders.channels.letter): who gets letters, when they are due (LETTER_POSTAL_DAYS working days
before they should arrive), that no worker ever sends one, and the PDF itself, opened with pypdf.

"Now" is Wednesday 5 June 2030, 12:00 in London; FAR is Monday 24 June 2030, 10:00.
"""

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from procedures.links import patient_url
from procedures.models import Patient
from procedures.services import cancel_appointment, reschedule_appointment
from reminders import services
from reminders.channels import Draft, channel_for, default_consent
from reminders.channels.letter import working_days_after, working_days_before
from reminders.models import Reminder, ReminderRule
from reminders.stages import Stage
from tests.clinic import FAR, MONDAY, at
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

ADDRESS = {"address_line1": "Flat 3, 14 Riverside Court", "town": "London", "postcode": "se1 7eh"}


def letter_patient(**fields) -> Patient:
    """A patient with a postal address and nothing else, who agreed to what a new patient agrees to."""
    return PatientFactory(**{"email": "", "mobile": "", "channels": default_consent(), **ADDRESS, **fields})


def letters(appointment, **filters) -> dict[str, Reminder]:
    return {r.stage: r for r in appointment.reminders.filter(channel="letter", **filters)}


def pdf_of(reminder: Reminder) -> PdfReader:
    message = channel_for("letter").compose(Draft.of(reminder))
    assert message.pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(message.pdf))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def sizes_of(reader: PdfReader, words: str) -> set[float]:
    """The font sizes of the text pieces on the first two pages that hold `words`."""
    found: set[float] = set()

    def visit(text, cm, tm, font, size):
        if words in text:
            found.add(round(size * tm[0], 1))

    for page in reader.pages[:2]:
        page.extract_text(visitor_text=visit)
    return found


def test_a_new_patient_agrees_to_letters_and_the_default_rules_carry_them_where_a_letter_can_arrive():
    assert "letter" in Patient().channels
    carried = {r.stage for r in ReminderRule.objects.filter(procedure_type__code="DUCTOGRAM") if "letter" in r.channels}
    assert carried == {
        Stage.BOOKING_CONFIRMATION,
        Stage.WEEK_BEFORE,
        Stage.PREPARATION_STARTS,
        Stage.RESCHEDULED,
        Stage.CANCELLATION,
    }


def test_a_patient_with_only_an_address_gets_letters_on_booking_and_nothing_else(book):
    patient = letter_patient()
    appointment = book(FAR, patient=patient)

    assert patient.postcode == "SE1 7EH"
    assert patient.reminder_channels() == {"letter"}
    assert set(appointment.reminders.values_list("channel", flat=True)) == {"letter"}
    rows = letters(appointment, status=Reminder.Status.PENDING)
    assert set(rows) == {Stage.BOOKING_CONFIRMATION, Stage.WEEK_BEFORE, Stage.PREPARATION_STARTS}
    assert rows[Stage.BOOKING_CONFIRMATION].send_at <= at(date(2030, 6, 5), "12:00")
    # Due on Monday 17 June at 10:00 (a week before): posted two working days earlier, from the start of Thursday.
    assert rows[Stage.WEEK_BEFORE].send_at == at(date(2030, 6, 13), "00:00")
    # The day before the three days of preparation (Thursday 20 June): posted from the start of Tuesday.
    assert rows[Stage.PREPARATION_STARTS].send_at == at(date(2030, 6, 18), "00:00")


def test_a_patient_with_email_gets_no_letter_unless_they_asked_for_letters(book):
    emailed = letter_patient(email="reached@patients.example")
    assert not book(FAR, patient=emailed).reminders.filter(channel="letter").exists()
    assert emailed.why_unreachable("letter").startswith("The patient is reached by email")

    asked = letter_patient(email="asked@patients.example", wants_letters=True)
    appointment = book(FAR + timedelta(hours=2), patient=asked)
    assert set(letters(appointment)) == {Stage.BOOKING_CONFIRMATION, Stage.WEEK_BEFORE, Stage.PREPARATION_STARTS}
    assert appointment.reminders.filter(channel="email").exists()

    nowhere = letter_patient(address_line1="", town="", postcode="")
    assert nowhere.why_unreachable("letter") == "The patient has no postal address."


def test_letters_stop_when_the_patient_can_be_emailed(book):
    patient = letter_patient()
    appointment = book(FAR, patient=patient)
    from procedures.services import update_patient

    update_patient(patient, email="now@patients.example")

    week = letters(appointment)[Stage.WEEK_BEFORE]
    assert week.status == Reminder.Status.CANCELLED
    assert week.close_reason == Reminder.CloseReason.UNREACHABLE
    assert "reached by email" in week.last_error
    assert appointment.reminders.filter(channel="email", stage=Stage.WEEK_BEFORE, status="pending").exists()


@pytest.mark.parametrize(
    ("postal_days", "posted_from"),
    [(0, date(2030, 6, 17)), (1, date(2030, 6, 14)), (2, date(2030, 6, 13)), (5, date(2030, 6, 10))],
)
def test_letter_postal_days_moves_send_at_earlier_by_working_days(settings, book, postal_days, posted_from):
    settings.LETTER_POSTAL_DAYS = postal_days
    appointment = book(FAR, patient=letter_patient(wants_letters=True, email="both@patients.example"))

    assert letters(appointment)[Stage.WEEK_BEFORE].send_at == at(posted_from, "00:00")
    # The email of the same stage is due when it always was: a week before, at the appointment's time.
    email = appointment.reminders.get(channel="email", stage=Stage.WEEK_BEFORE)
    assert email.send_at == at(date(2030, 6, 17), "10:00")


def test_working_days_skip_the_weekend():
    friday, monday = date(2030, 6, 7), date(2030, 6, 10)
    assert working_days_before(monday, 2) == date(2030, 6, 6)  # Thursday
    assert working_days_before(date(2030, 6, 8), 1) == date(2030, 6, 6)  # from a Saturday: Friday is day 0
    assert working_days_after(friday, 2) == date(2030, 6, 11)  # Tuesday
    assert working_days_after(date(2030, 6, 9), 0) == monday  # a Sunday's post goes on Monday


def test_a_letter_that_would_arrive_too_late_is_skipped_saying_so(book):
    # Booked on Wednesday for Friday: posted today it arrives on Friday, the appointment's day.
    late = book(at(date(2030, 6, 7), "14:00"), patient=letter_patient())
    confirmation = letters(late)[Stage.BOOKING_CONFIRMATION]
    assert confirmation.status == Reminder.Status.SKIPPED
    assert confirmation.close_reason == Reminder.CloseReason.ARRIVES_LATE

    # For Monday it arrives on Friday: in time.
    in_time = book(at(MONDAY, "14:00"), patient=letter_patient())
    assert letters(in_time)[Stage.BOOKING_CONFIRMATION].status == Reminder.Status.PENDING


def test_dispatch_never_claims_a_letter_and_no_sender_sends_one(book, django_capture_on_commit_callbacks):
    appointment = book(FAR, patient=letter_patient(wants_letters=True, email="both@patients.example"))
    week = letters(appointment)[Stage.WEEK_BEFORE]
    moment = FAR - timedelta(days=3)  # every stage before the two days is due, the letters long since
    queued: list[int] = []

    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch_due(now=moment, queue=queued.extend)

    claimed = set(Reminder.objects.filter(pk__in=queued).values_list("channel", flat=True))
    assert claimed == {"email"}
    assert set(letters(appointment).values()) and all(
        r.status == Reminder.Status.PENDING for r in letters(appointment).values()
    )
    services.send_reminder(week.pk, now=moment)
    week.refresh_from_db()
    assert week.status == Reminder.Status.PENDING and week.attempts == 0


def test_a_cancelled_or_moved_appointment_keeps_its_letters_to_the_rules(book):
    appointment = book(FAR, patient=letter_patient())
    reschedule_appointment(appointment, new_start=FAR + timedelta(days=7))
    # The confirmation had not been posted: it simply announces the new time; no move letter as well.
    assert letters(appointment)[Stage.BOOKING_CONFIRMATION].for_start == FAR + timedelta(days=7)
    assert Stage.RESCHEDULED not in letters(appointment)

    cancel_appointment(appointment, reason="Patient asked", reason_code="patient_request")
    rows = letters(appointment)
    assert rows[Stage.BOOKING_CONFIRMATION].status == Reminder.Status.CANCELLED
    assert rows[Stage.WEEK_BEFORE].status == Reminder.Status.CANCELLED
    assert rows[Stage.CANCELLATION].status == Reminder.Status.PENDING  # two and a half weeks: time to post


def test_the_letter_is_an_a4_pdf_with_the_date_time_preparation_and_link(book):
    appointment = book(FAR, patient=letter_patient(given_name="Łucja"))
    reader = pdf_of(letters(appointment)[Stage.BOOKING_CONFIRMATION])
    text = text_of(reader)
    flat = "".join(text.split())

    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    assert "Monday 24 June 2030 at 10:00" in text
    assert "09:45" in text  # arrive by
    assert "Do not squeeze or express your nipple" in text
    assert "".join(patient_url(appointment).split()) in flat
    assert "Łucja" in text and "Flat 3, 14 Riverside Court" in text and "SE1 7EH" in text
    assert "+44 20 7946 0000" in text
    assert "Should I squeeze out the discharge before the test?" in text  # an FAQ answer of the stage


def test_large_print_is_larger(book):
    normal = pdf_of(letters(book(FAR, patient=letter_patient()))[Stage.BOOKING_CONFIRMATION])
    large = pdf_of(
        letters(book(FAR + timedelta(hours=2), patient=letter_patient(needs_large_print=True)))[
            Stage.BOOKING_CONFIRMATION
        ]
    )

    point = "Do not squeeze"
    assert sizes_of(normal, point) and max(sizes_of(normal, point)) <= 12
    assert min(sizes_of(large, point)) >= 16
    assert len(large.pages) > len(normal.pages)


def test_the_move_letter_says_what_changed(book):
    appointment = book(FAR, patient=letter_patient())
    services.mark_posted([letters(appointment)[Stage.BOOKING_CONFIRMATION].pk])
    reschedule_appointment(appointment, new_start=FAR + timedelta(days=7))

    moved = letters(appointment)[Stage.RESCHEDULED]
    assert moved.status == Reminder.Status.PENDING
    text = text_of(pdf_of(moved))
    assert "Your appointment has moved from Mon 24 Jun 10:00 to Mon 1 Jul 10:00" in " ".join(text.split())


def test_the_migration_gives_letters_to_existing_patients_only_an_address_reaches():
    from importlib import import_module

    from django.apps import apps

    step = import_module("procedures.migrations.0015_patient_postal_address").letters_for_the_unreached
    only_address = PatientFactory(email="", mobile="", channels=["email", "sms"], **ADDRESS)
    asked_for_none = PatientFactory(email="", mobile="", channels=[], **ADDRESS)
    emailed = PatientFactory(mobile="", channels=["email", "sms"], **ADDRESS)
    no_address = PatientFactory(email="", mobile="", channels=["email", "sms"])

    step(apps, None)

    channels = {p.pk: p.channels for p in Patient.objects.all()}
    assert channels[only_address.pk] == ["email", "sms", "letter"]
    assert channels[asked_for_none.pk] == []
    assert channels[emailed.pk] == channels[no_address.pk] == ["email", "sms"]


def test_a_move_or_cancellation_letter_goes_only_if_it_can_arrive_before_the_time_it_changes(book, frozen_now):
    sooner = book(at(MONDAY, "10:00"), patient=letter_patient())
    services.mark_posted([letters(sooner)[Stage.BOOKING_CONFIRMATION].pk])
    later = book(at(MONDAY, "11:00"), patient=letter_patient())
    services.mark_posted([letters(later)[Stage.BOOKING_CONFIRMATION].pk])

    # Thursday: posted now, a letter arrives on Monday, the day of the old time. Moved a fortnight later, the patient
    # would hear of it only on the day they were to come: no letter (staff see why, and phone).
    frozen_now.move_to(at(date(2030, 6, 6), "09:00"))
    reschedule_appointment(sooner, new_start=FAR)
    moved = letters(sooner)[Stage.RESCHEDULED]
    assert (moved.status, moved.close_reason) == (Reminder.Status.SKIPPED, Reminder.CloseReason.ARRIVES_LATE)
    cancel_appointment(later, reason="Patient asked", reason_code="patient_request")
    cancelled = letters(later)[Stage.CANCELLATION]
    assert (cancelled.status, cancelled.close_reason) == (Reminder.Status.SKIPPED, Reminder.CloseReason.ARRIVES_LATE)


def test_a_service_notice_goes_by_letter_only_where_nothing_else_reaches(book):
    # Asked for no reminders: a move still reaches her, by email where she has one, by letter where that is all.
    emailed = book(FAR, patient=letter_patient(email="none@patients.example", channels=[]))
    posted = book(FAR + timedelta(hours=2), patient=letter_patient(channels=[]))
    for appointment in (emailed, posted):
        assert not appointment.reminders.exists()
        reschedule_appointment(appointment, new_start=appointment.scheduled_start + timedelta(days=7))

    assert set(emailed.reminders.values_list("stage", "channel")) == {(Stage.RESCHEDULED, "email")}
    assert set(posted.reminders.values_list("stage", "channel")) == {(Stage.RESCHEDULED, "letter")}


def test_a_letter_writes_its_days_as_dates_for_the_day_it_is_read(book, frozen_now):
    appointment = book(FAR, patient=letter_patient())
    rows = letters(appointment)
    week = " ".join(text_of(pdf_of(rows[Stage.WEEK_BEFORE])).split())
    assert "Your appointment is on Mon 24 Jun." in week

    # Printed on Thursday 20 June, the day before the three days start: it arrives on Monday, the day itself.
    frozen_now.move_to(at(date(2030, 6, 20), "09:00"))
    preparation = " ".join(text_of(pdf_of(rows[Stage.PREPARATION_STARTS])).split())
    assert "From now until your appointment, please do not squeeze" in preparation
    assert "tomorrow" not in preparation


@pytest.mark.parametrize(
    ("reason_code", "says"), [("patient_request", "To book a new time"), ("not_needed", "questions")]
)
def test_a_cancellation_letter_asks_to_rebook_only_when_there_is_something_to_rebook(book, reason_code, says):
    appointment = book(FAR, patient=letter_patient())
    cancel_appointment(appointment, reason="Decided at the clinic", reason_code=reason_code)
    appointment.refresh_from_db()  # as the letters page loads it

    text = " ".join(text_of(pdf_of(letters(appointment)[Stage.CANCELLATION])).split())
    assert "Your appointment on Monday 24 June 2030 at 10:00 has been cancelled" in text
    assert f"{says}, call us on +44 20 7946 0000" in text
    assert ("book a new time" in text) == (reason_code == "patient_request")


def test_letters_render_side_by_side(book):
    """The web server renders in threads (the admin's preview and the letters page at once): nothing is shared."""
    from concurrent.futures import ThreadPoolExecutor

    from reminders.channels.letter import letter_context
    from reminders.channels.letter_pdf import render_letter

    ctx = letter_context(Draft.of(letters(book(FAR, patient=letter_patient()))[Stage.BOOKING_CONFIRMATION]))
    with ThreadPoolExecutor(max_workers=4) as pool:
        documents = list(pool.map(lambda _: render_letter(ctx), range(8)))
    assert all(len(PdfReader(io.BytesIO(d)).pages) == len(PdfReader(io.BytesIO(documents[0])).pages) for d in documents)
