"""What each reminder says: the stage's FAQ in the email with the appointment's details and a calendar invitation;
a text of one GSM-7 segment that names no procedure, body part or diagnosis; subjects that name no procedure.

"Now" is frozen at Wednesday 5 June 2030, 12:00 in London; the appointment is Monday 24 June 2030 at 10:00 (BST).
"""

import html
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest

from procedures.links import patient_url
from procedures.models import FaqEntry
from procedures.services import cancel_appointment, confirm_attendance, reschedule_appointment
from reminders import services
from reminders.channels import ContentError, Message
from reminders.channels.sms import all_forbidden_words, forbidden_words_in, gsm7_length, measure
from reminders.models import Reminder
from reminders.stages import CONTENT_STAGES, Stage
from tests.clinic import FAR, NOW, at
from tests.factories import AppointmentFactory, RoomFactory, reminder_rule
from tests.messages import render, render_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

CONF, WEEK, TWO_DAYS, DAY = Stage.BOOKING_CONFIRMATION, Stage.WEEK_BEFORE, Stage.TWO_DAYS_BEFORE, Stage.DAY_BEFORE
PLACE = "X-ray department, desk B"

# What the clinic decided each stage carries (DESIGN.md and the FAQ migration).
CONFIRMATION_QUESTIONS = {
    "What is a ductogram?",
    "How is a ductogram done?",
    "How long does it take?",
    "Should I squeeze out the discharge before the test?",
}
DAY_BEFORE_QUESTIONS = {"Can I wear deodorant or use body lotion?", "What should I wear?", "When should I arrive?"}
TWO_DAYS_QUESTIONS = {"What if the discharge has stopped?", "Does it hurt?"}
WEEK_ONLY_QUESTIONS = {"How will I feel afterwards?", "When will I get my results?"}


@pytest.fixture
def appointment(book, settings):
    """Booked through the service with every content stage by email too (the day-before rule gains email)."""
    rule = reminder_rule(DAY)
    rule.channels = ["sms", "email"]
    rule.save()
    return book(FAR, room=RoomFactory(name="Mammo Room 3", location=PLACE))


def email_for(appointment, stage) -> Message:
    return render(appointment.reminders.get(stage=stage, channel="email", occasion=""))


def questions_in(text: str) -> set[str]:
    every = FaqEntry.objects.values_list("question", flat=True)
    return {q for q in every if q in html.unescape(text)}


# The stage's FAQ in the email


def test_the_confirmation_email_answers_what_the_test_is_how_it_is_done_and_how_long(appointment):
    message = email_for(appointment, CONF)

    for part in (message.text, message.html):
        assert questions_in(part) >= CONFIRMATION_QUESTIONS
        assert not questions_in(part) & (TWO_DAYS_QUESTIONS | WEEK_ONLY_QUESTIONS | DAY_BEFORE_QUESTIONS)
    assert "It usually takes 30 to 60 minutes." in message.text  # the intro says what the test is


def test_the_week_before_email_answers_five_questions_and_leaves_the_rest_to_the_patients_page(appointment):
    message = email_for(appointment, WEEK)

    every_active = set(FaqEntry.objects.filter(is_active=True).values_list("question", flat=True))
    assert len(every_active) == 15
    shown = in_reminders_of(WEEK)[:5]
    assert questions_in(message.text) == {e.question for e in shown}
    assert questions_in(message.html) == {e.question for e in shown}
    for entry in shown:
        assert entry.answer in message.text
    assert "Your page answers 10 more" in message.text and "Your page answers 10 more" in message.html
    assert "Do not squeeze or express your nipple" in html.unescape(message.html)


def test_the_two_days_before_email_asks_about_the_discharge(appointment):
    message = email_for(appointment, TWO_DAYS)

    assert questions_in(message.text) >= TWO_DAYS_QUESTIONS
    assert not questions_in(message.text) & (WEEK_ONLY_QUESTIONS | {"What is a ductogram?"})
    assert "Is the discharge still there?" in message.text


def test_the_day_before_email_carries_deodorant_clothes_and_arrival(appointment):
    message = email_for(appointment, DAY)

    assert questions_in(message.text) >= DAY_BEFORE_QUESTIONS
    assert questions_in(html.unescape(message.html)) >= DAY_BEFORE_QUESTIONS
    assert not questions_in(message.text) & (WEEK_ONLY_QUESTIONS | {"What is a ductogram?", "Does it hurt?"})


def in_reminders_of(stage) -> list[FaqEntry]:
    """The active preparation and procedure entries of `stage`, in the clinic's order."""
    entries = FaqEntry.objects.filter(is_active=True, kind__in=FaqEntry.KINDS_IN_REMINDERS).order_by("order", "id")
    return [e for e in entries if stage in e.stages]


@pytest.mark.parametrize("stage", CONTENT_STAGES)
def test_each_email_carries_its_stages_first_five_preparation_and_procedure_entries(appointment, stage):
    message = email_for(appointment, stage)

    expected = {e.question for e in in_reminders_of(stage)[:5]}
    assert expected
    assert questions_in(message.text) == expected


def test_an_inactive_faq_entry_is_left_out(appointment):
    FaqEntry.objects.filter(question="What should I wear?").update(is_active=False)

    for stage in (WEEK, DAY):
        message = email_for(appointment, stage)
        assert "What should I wear?" not in message.text
        assert "A two-piece outfit, such as a top" not in message.text
    assert "Can I wear deodorant or use body lotion?" in email_for(appointment, DAY).text


def test_a_late_bookings_confirmation_leads_with_the_points_of_the_stages_it_replaced(book):
    late = book(at(date(2030, 6, 7), "12:00"))  # two days ahead: week and two-day stages are folded in

    message = email_for(late, CONF)

    assert "If the discharge has stopped, call us before you come." in message.text  # the two-day stage's point
    assert questions_in(message.text) >= CONFIRMATION_QUESTIONS
    assert len(questions_in(message.text)) == 5
    assert not questions_in(message.text) & WEEK_ONLY_QUESTIONS  # aftercare waits on the patient's page


def test_an_email_with_link_only_content_keeps_the_faq_behind_the_link(appointment, settings):
    settings.REMINDER_EMAIL_CONTENT = "link"

    for stage in CONTENT_STAGES:
        message = email_for(appointment, stage)
        assert questions_in(message.text) == set(), stage
        assert questions_in(message.html) == set(), stage
        assert "GETTING READY" not in message.text
        assert "Do not squeeze" not in message.text
        assert "ductogram" not in (message.subject + message.text + message.html).lower()
        link = patient_url(appointment)
        assert f"your page: {link}" in message.text
        assert f'href="{link}"' in message.html


# The appointment's details in the email


def test_the_email_names_the_clinic_date_time_arrival_place_duration_and_private_link(appointment, settings):
    message = email_for(appointment, WEEK)
    link = patient_url(appointment)

    for part in (message.text, html.unescape(message.html)):
        assert settings.CLINIC_NAME in part
        assert "Monday 24 June 2030 at 10:00" in part
        assert "arrive by 09:45" in part
        assert PLACE in part
        assert "45 minutes" in part
        assert settings.CLINIC_PHONE in part
        assert link in part
    assert f'href="{link}"' in message.html
    assert f"Dear {appointment.patient.given_name}," in message.text


def test_the_email_shows_the_booked_duration_not_the_usual_one(book):
    appointment = book(FAR, expected_duration=60)

    assert "about 60 minutes" in email_for(appointment, WEEK).text


def test_the_cancellation_email_offers_no_link_and_no_preparation(book, frozen_now):
    appointment = book(FAR)
    frozen_now.shift(timedelta(minutes=1))
    cancel_appointment(appointment, reason_code="patient_request", reason="Patient request")

    message = render(appointment.reminders.get(stage=Stage.CANCELLATION, channel="email"))

    assert patient_url(appointment) not in message.text
    assert questions_in(message.text) == set()
    assert "has been cancelled" in message.text
    assert "Monday 24 June 2030 at 10:00" in message.text


# Subjects name no procedure


@pytest.mark.parametrize(
    "stage, subject",
    [
        (CONF, "Your appointment on Mon 24 Jun at 10:00"),
        (WEEK, "Reminder: your appointment on Mon 24 Jun at 10:00"),
        (TWO_DAYS, "Reminder: your appointment on Mon 24 Jun at 10:00"),
        (DAY, "Reminder: your appointment on Mon 24 Jun at 10:00"),
        (Stage.RESCHEDULED, "Your appointment has moved to Mon 24 Jun at 10:00"),
        (Stage.CANCELLATION, "Your appointment on Mon 24 Jun at 10:00 has been cancelled"),
    ],
)
def test_the_subject_names_the_time_but_no_procedure(appointment, stage, subject):
    message = render_for(appointment, stage, "email", appointment.scheduled_start, [stage])

    assert message.subject == subject
    for word in ("ductogram", "galactogram", "breast", "nipple", "discharge"):
        assert word not in message.subject.lower()


def test_the_subject_reads_like_the_clinics_example(book, frozen_now):
    appointment = book(at(date(2030, 12, 3), "10:30"))

    assert email_for(appointment, CONF).subject == "Your appointment on Tue 3 Dec at 10:30"


# The calendar invitation


def _invitation(message: Message) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(message.ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_the_invitation_is_a_valid_calendar_at_the_appointments_time(appointment):
    calendar, event = _invitation(email_for(appointment, CONF))

    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["VERSION"]) == "2.0"
    assert event.decoded("DTSTART") == datetime(2030, 6, 24, 9, 0, tzinfo=UTC) == FAR
    assert event.decoded("DTEND") == FAR + timedelta(minutes=45)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["UID"]).startswith(f"appointment-{appointment.pk}@")
    assert PLACE in str(event["LOCATION"])
    assert patient_url(appointment) in str(event["DESCRIPTION"])
    for word in all_forbidden_words():  # calendars are shared: the title names no procedure
        assert word not in str(event["SUMMARY"]).lower()


def test_the_invitation_keeps_the_appointments_time_in_winter(book, frozen_now):
    frozen_now.move_to(at(date(2027, 10, 1), "12:00"))
    appointment = book(at(date(2027, 11, 1), "10:00"), expected_duration=60)

    _, event = _invitation(email_for(appointment, CONF))

    assert event.decoded("DTSTART") == datetime(2027, 11, 1, 10, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2027, 11, 1, 11, 0, tzinfo=UTC)


def test_every_invitation_is_the_same_event_and_only_a_change_makes_its_sequence_newer(appointment, frozen_now):
    _, first = _invitation(email_for(appointment, CONF))
    frozen_now.shift(timedelta(days=1))
    _, later = _invitation(email_for(appointment, WEEK))
    moved = reschedule_appointment(appointment, new_start=FAR + timedelta(days=1))
    _, after_the_move = _invitation(email_for(moved, WEEK))

    assert str(first["UID"]) == str(later["UID"]) == str(after_the_move["UID"])
    assert later["SEQUENCE"] == first["SEQUENCE"]  # nothing changed: the same version again
    assert after_the_move["SEQUENCE"] > first["SEQUENCE"]


def test_the_cancellation_cancels_the_invitation(book, frozen_now):
    appointment = book(FAR)
    frozen_now.shift(timedelta(minutes=1))
    cancel_appointment(appointment, reason_code="patient_request", reason="Patient request")

    calendar, event = _invitation(render(appointment.reminders.get(stage=Stage.CANCELLATION, channel="email")))

    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("DTSTART") == FAR


def test_the_sent_email_carries_the_invitation_as_a_calendar_part(appointment, mailoutbox, sms_outbox):
    services.send_reminder(appointment.reminders.get(stage=CONF, channel="email").pk)

    email = mailoutbox[0]
    [(filename, ics, mimetype)] = email.attachments
    assert filename == "appointment.ics"
    assert mimetype.startswith("text/calendar; method=REQUEST")
    calendar = icalendar.Calendar.from_ical(ics)
    assert calendar.walk("VEVENT")[0].decoded("DTSTART") == FAR
    part = next(p for p in email.message().walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    assert str(part["Content-Type"]).count("charset") == 1


# Texts: one GSM-7 segment, no procedure, body part or diagnosis, and the link


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("confirmed", [False, True])
def test_every_text_fits_one_segment_names_nothing_clinical_and_carries_the_link(appointment, stage, confirmed):
    if confirmed:
        appointment = confirm_attendance(appointment)

    text = render_for(appointment, stage, "sms", appointment.scheduled_start, [stage]).text

    assert gsm7_length(text) is not None and gsm7_length(text) <= 160, text
    lowered = text.lower()
    for word in all_forbidden_words():
        assert word not in lowered, (word, text)
    # An offer names the earlier time instead (the preview's example: two days from now, at the same time).
    assert ("7 Jun" if stage == Stage.SLOT_OFFER else "24 Jun") in text and "10:00" in text
    if stage != Stage.CANCELLATION:
        assert patient_url(appointment) in text


def test_the_texts_sent_for_a_booking_are_what_the_rows_recorded(book, frozen_now, sms_outbox, settings):
    settings.SMS_QUIET_HOURS = ""
    appointment = book(FAR)
    frozen_now.move_to(FAR - timedelta(hours=1))
    for reminder in appointment.reminders.filter(channel="sms"):
        Reminder.objects.filter(pk=reminder.pk).update(send_at=NOW)
        services.send_reminder(reminder.pk)

    assert len(sms_outbox) == 4  # the confirmation, the preparation, two days and the day before
    for sent in sms_outbox:
        assert len(sent["body"]) <= 160
        assert not forbidden_words_in(sent["body"])


def test_the_text_uses_the_sms_name_never_a_room_location_that_says_breast(book, settings):
    appointment = book(FAR, room=RoomFactory(name="BIU Room 1", location="Breast Imaging Unit, Level 2"))
    settings.CLINIC_NAME = "Riverside Breast Imaging Unit"

    for stage in Stage:
        text = render_for(appointment, stage, "sms", appointment.scheduled_start, [stage]).text
        assert text.startswith(f"{settings.CLINIC_SMS_NAME}: ")
        assert "breast" not in text.lower()
        assert "Imaging" not in text


def test_an_sms_name_that_names_a_body_part_is_refused_not_sent(book, settings, sms_outbox):
    settings.CLINIC_SMS_NAME = "Breast Clinic"
    appointment = book(FAR)
    text = appointment.reminders.get(stage=CONF, channel="sms")

    services.send_reminder(text.pk)

    text.refresh_from_db()
    assert text.status == Reminder.Status.FAILED
    assert text.last_error == "The text would mention breast; check CLINIC_SMS_NAME and room names."
    assert sms_outbox == []


def test_the_two_days_before_text_asks_to_confirm_unless_the_patient_has(appointment):
    asks = render_for(appointment, TWO_DAYS, "sms", appointment.scheduled_start, [TWO_DAYS]).text
    assert "Reply YES to confirm" in asks

    appointment = confirm_attendance(appointment)
    told = render_for(appointment, TWO_DAYS, "sms", appointment.scheduled_start, [TWO_DAYS]).text
    assert "Reply YES" not in told
    assert f"Details: {patient_url(appointment)}" in told


def test_a_text_too_long_for_one_segment_drops_the_arrival_time_first(appointment, frozen_now):
    frozen_now.move_to(FAR - timedelta(days=1))  # the day before, when "see you tomorrow" is true
    roomy = render_for(appointment, DAY, "sms", appointment.scheduled_start, [DAY]).text
    assert "see you tomorrow" in roomy
    assert "(arrive 09:45)" in roomy

    tight = render_for(appointment, TWO_DAYS, "sms", appointment.scheduled_start, [TWO_DAYS]).text

    assert "(arrive" not in tight
    assert len(tight) <= 160
    assert tight.endswith(f"Reply YES to confirm. {patient_url(appointment)}")


def test_a_too_long_site_url_fails_the_text_at_once_saying_why(book, settings, frozen_now, sms_outbox, mailoutbox):
    settings.SITE_URL = "https://" + "reminders." * 8 + "example.org"
    settings.SMS_MAX_SEGMENTS = 1
    appointment = book(FAR)
    text = appointment.reminders.get(stage=CONF, channel="sms")
    email = appointment.reminders.get(stage=CONF, channel="email")

    services.send_reminder(text.pk)
    services.send_reminder(email.pk)

    text.refresh_from_db()
    assert text.status == Reminder.Status.FAILED
    assert text.last_error.startswith("The text would take 2 GSM-7 segments (")
    assert "more than SMS_MAX_SEGMENTS allows (1)" in text.last_error
    assert "SITE_URL" in text.last_error
    assert (text.attempts, text.body, text.sent_at) == (0, "", None)
    assert sms_outbox == []
    frozen_now.shift(timedelta(hours=1))
    services.dispatch_due(queue=lambda ids: [services.send_reminder(i) for i in ids])
    text.refresh_from_db()
    assert text.status == Reminder.Status.FAILED and sms_outbox == []  # not retried
    email.refresh_from_db()
    assert email.status == Reminder.Status.SENT  # the email has no such limit


def test_a_sender_name_outside_gsm7_makes_the_text_ucs2_and_refused_over_the_limit(appointment, settings):
    settings.CLINIC_SMS_NAME = "Hôpital Riverside"  # ô is not in the GSM-7 alphabet: 70 characters a segment

    text = render_for(appointment, CONF, "sms", appointment.scheduled_start, [CONF]).text
    assert measure(text).encoding == "UCS-2" and measure(text).segments <= 3

    settings.SMS_MAX_SEGMENTS = 1
    with pytest.raises(ContentError, match="UCS-2 segments"):
        render_for(appointment, CONF, "sms", appointment.scheduled_start, [CONF])


def test_every_text_fits_with_a_production_address_and_a_six_digit_appointment_number(book, settings):
    settings.SITE_URL = "https://prep.riverside.nhs.uk"
    appointment = AppointmentFactory(id=123456, scheduled_start=at(date(2030, 9, 24), "10:00"))

    for stage in Stage:
        text = render_for(appointment, stage, "sms", appointment.scheduled_start, [stage]).text
        assert gsm7_length(text) <= 160, text
        assert "https://prep.riverside.nhs.uk/p/123456." in text or stage == Stage.CANCELLATION


# GSM-7 arithmetic


@pytest.mark.parametrize(
    "text, length",
    [
        ("", 0),
        ("Riverside Hospital: 10:00", 25),
        ("é è ù ì ò Ç Ø ø Å å Ä Ö Ñ Ü ß", 29),  # accented letters GSM-7 has cost one each
        ("€", 2),
        ("[x]", 5),
        ("{}\\^~|", 12),
        ("a\nb", 3),
        ("ê", None),  # not in GSM-7: the text would go as UCS-2
        ("ok 👍", None),
        ("“quoted”", None),
    ],
)
def test_gsm7_length_counts_extended_characters_twice_and_refuses_the_rest(text, length):
    assert gsm7_length(text) == length


def test_forbidden_words_are_found_in_any_case_and_at_the_start_of_longer_words():
    assert forbidden_words_in("Your BREAST clinic") == ["breast"]
    assert forbidden_words_in("Breastfeeding advice") == ["breast"]
    assert forbidden_words_in("Nipple, Discharge") == ["nipple", "discharge"]
    assert forbidden_words_in("see you at the Milk Duct unit") == ["milk duct"]
    assert forbidden_words_in("Riverside Hospital: see you tomorrow") == []
