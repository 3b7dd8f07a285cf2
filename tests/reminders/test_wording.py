"""Words that depend on the moment (issue 18): relative days worked out when the message is composed, never from the
stage's name; the day before the preparation starts, by email and by a text that names nothing clinical; a
cancellation's words that fit its reason.

"Now" is Wednesday 5 June 2030, 12:00 in London; the appointment is Monday 24 June 2030 at 10:00 (FAR) unless a test
says otherwise. A ductogram's preparation starts three days before: Friday 21 June for FAR.
"""

import html
import re
from datetime import date, timedelta

import icalendar
import pytest
from django.template.loader import render_to_string

from procedures.links import patient_url
from procedures.services import cancel_appointment
from reminders import services
from reminders.channels.sms import SMS_LEVELS, all_forbidden_words, forbidden_words_in, gsm7_length, render_sms
from reminders.models import Reminder
from reminders.stages import Stage
from reminders.wording import context, relative_day
from tests.clinic import FAR, FRIDAY, MONDAY, TODAY, at
from tests.factories import AppointmentFactory
from tests.messages import render, render_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

CONF, WEEK, PREP, TWO_DAYS, DAY = (
    Stage.BOOKING_CONFIRMATION,
    Stage.WEEK_BEFORE,
    Stage.PREPARATION_STARTS,
    Stage.TWO_DAYS_BEFORE,
    Stage.DAY_BEFORE,
)
PREPARATION_OPENS = date(2030, 6, 21)  # FAR's day less the ductogram's 3 preparation days
ITS_EVE = at(date(2030, 6, 20), "10:00")  # when the preparation_starts reminder goes for FAR
CLINICAL = ("nipple", "discharge", "ductogram")


def said(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


@pytest.fixture
def appointment(book):
    return book(FAR)


def message(appointment, stage, channel, content_stages=None):
    return render_for(appointment, stage, channel, appointment.scheduled_start, content_stages or [stage])


# b. Relative words, from the moment of composing


@pytest.mark.parametrize(
    "days, words",
    [
        (0, "today"),
        (1, "tomorrow"),
        (2, "in two days"),
        (3, "in three days"),
        (6, "in six days"),
        (7, "in a week"),
        (8, "on Thu 13 Jun"),
        (12, "on Mon 17 Jun"),
        (-1, "on Tue 4 Jun"),
    ],
)
def test_relative_day_counts_clinic_days_from_now(days, words):
    assert relative_day(TODAY + timedelta(days=days)) == words


@pytest.mark.parametrize("days, words", [(-2, "now"), (0, "now"), (1, "tomorrow"), (2, "Fri 7 Jun"), (7, "Wed 12 Jun")])
def test_relative_day_starting_says_from_when(days, words):
    assert relative_day(TODAY + timedelta(days=days), starting=True) == words


def test_relative_day_counts_the_clinics_calendar_not_24_hour_spans(frozen_now):
    frozen_now.move_to(at(TODAY, "23:59"))
    assert relative_day(TODAY + timedelta(days=1)) == "tomorrow"
    assert relative_day(TODAY, now=at(TODAY, "00:01")) == "today"


def test_a_day_before_reminder_sent_twelve_days_ahead_says_no_tomorrow(appointment, frozen_now):
    frozen_now.move_to(FAR - timedelta(days=12))  # "Send now", twelve days ahead

    email = message(appointment, DAY, "email")
    text = message(appointment, DAY, "sms").text

    for words in (email.text, said(email.html), text):
        assert "tomorrow" not in words
    assert "We look forward to seeing you on Mon 24 Jun." in email.text
    assert text.startswith("Riverside Hospital: reminder of your appointment Mon 24 Jun at 10:00")


def test_send_now_of_the_day_before_text_twelve_days_ahead_sends_no_tomorrow(
    appointment, frozen_now, sms_outbox, settings, django_capture_on_commit_callbacks, queued
):
    settings.SMS_QUIET_HOURS = ""
    frozen_now.move_to(FAR - timedelta(days=12))
    row = appointment.reminders.get(stage=DAY, channel="sms")

    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_now([row]) == 1
    services.send_reminder(row.pk)

    row.refresh_from_db()
    assert row.status == Reminder.Status.SENT
    [sent] = [t for t in sms_outbox if t["reference"] == str(row.pk)]
    assert "tomorrow" not in sent["body"] and "tomorrow" not in row.body
    assert "Mon 24 Jun at 10:00" in sent["body"]


def test_the_day_before_reminder_on_the_day_before_says_tomorrow(appointment, frozen_now):
    frozen_now.move_to(FAR - timedelta(days=1))

    assert "We look forward to seeing you tomorrow." in message(appointment, DAY, "email").text
    assert message(appointment, DAY, "sms").text.startswith("Riverside Hospital: see you tomorrow, Mon 24 Jun at 10:00")


def test_a_day_before_reminder_sent_on_the_day_says_today(appointment, frozen_now):
    frozen_now.move_to(at(FAR.date(), "07:30"))

    assert "We look forward to seeing you today." in message(appointment, DAY, "email").text
    assert "see you today, Mon 24 Jun" in message(appointment, DAY, "sms").text


@pytest.mark.parametrize(
    "stage, days_ahead, words",
    [
        (WEEK, 7, "Your appointment is in a week."),
        (WEEK, 12, "Your appointment is on Mon 24 Jun."),
        (WEEK, 3, "Your appointment is in three days."),
        (TWO_DAYS, 2, "Your appointment is in two days."),
        (TWO_DAYS, 12, "Your appointment is on Mon 24 Jun."),
    ],
)
def test_the_week_and_two_day_emails_say_how_far_off_it_is_when_they_go(
    appointment, frozen_now, stage, days_ahead, words
):
    frozen_now.move_to(FAR - timedelta(days=days_ahead))

    text = message(appointment, stage, "email").text

    assert re.search(r"Your appointment is [^.]*\.", text).group(0) == words


# a. The day before the preparation starts


def test_the_preparation_email_says_from_tomorrow_and_the_rule_in_full(appointment, frozen_now):
    frozen_now.move_to(ITS_EVE)

    email = message(appointment, PREP, "email")

    assert email.subject == "From tomorrow: getting ready for your appointment on Mon 24 Jun at 10:00"
    assert not forbidden_words_in(email.subject)
    rule = (
        "From tomorrow until your appointment, please do not squeeze or express your nipple, or check it for discharge"
    )
    rule = rule.removesuffix(", or check it for discharge")
    assert rule in email.text
    assert rule in said(email.html)
    assert "Do not squeeze or express your nipple for 3 days before the test." in email.text  # the FAQ's point
    assert "Monday 24 June 2030 at 10:00" in email.text
    assert patient_url(appointment) in email.text
    assert "call us on" not in email.text.split("If you have any questions")[0]  # nothing already done to call about


def test_the_preparation_email_under_link_only_content_says_it_in_neutral_words(appointment, frozen_now, settings):
    settings.REMINDER_EMAIL_CONTENT = "link"
    frozen_now.move_to(ITS_EVE)

    email = message(appointment, PREP, "email")

    assert "From tomorrow until your appointment, please do not squeeze or press to check for fluid." in email.text
    assert "please do not squeeze or press to check for fluid" in said(email.html)
    for part in (email.subject, email.text, email.html):
        for word in CLINICAL:
            assert word not in part.lower(), (word, part)


@pytest.mark.parametrize(
    "now, start_words",
    [(ITS_EVE, "from tomorrow"), (FAR - timedelta(days=12), "from Fri 21 Jun"), (FAR - timedelta(days=2), "from now")],
)
def test_every_level_of_the_preparation_text_carries_the_rule_and_names_nothing_clinical(
    appointment, frozen_now, now, start_words
):
    frozen_now.move_to(now)
    ctx = context(appointment, PREP, FAR, [PREP], with_faq=False)

    for level in SMS_LEVELS:
        text = " ".join(render_to_string("reminders/sms.txt", {**ctx, **level}).split())
        assert text.startswith("Riverside Hospital: "), text
        assert "squeeze" in text and "check for fluid" in text, text
        # until when (the last resort, for a long link or name, leaves the day to the page it links to)
        assert "24 Jun" in text or level["level"] == 4, text
        assert "10:00" in text or level["level"] >= 3, text
        assert text.endswith(patient_url(appointment)), text
        assert forbidden_words_in(text) == [], text
        assert gsm7_length(text) is not None
        if level["level"] < 2:
            assert start_words in text, text  # the shortest drops when it starts; "until" still holds


@pytest.mark.parametrize("now", [ITS_EVE, FAR - timedelta(days=12), FAR - timedelta(days=2)])
def test_the_preparation_text_fits_one_segment_with_a_production_address(frozen_now, settings, now):
    settings.SITE_URL = "https://prep.riverside.nhs.uk"
    frozen_now.move_to(now)
    appointment = AppointmentFactory(id=123456, scheduled_start=at(date(2030, 9, 24), "10:00"))
    start = appointment.scheduled_start
    frozen_now.move_to(start - (FAR - now))

    text = render_sms(context(appointment, PREP, start, [PREP], with_faq=False))

    assert gsm7_length(text) <= 160, text
    assert "squeeze" in text and "https://prep.riverside.nhs.uk/p/123456." in text


def test_the_preparation_text_fits_with_a_long_sender_name(appointment, frozen_now, settings):
    settings.CLINIC_SMS_NAME = "Riverside University Hospitals Imaging"
    frozen_now.move_to(ITS_EVE)

    text = message(appointment, PREP, "sms").text

    assert text.startswith("Riverside University Hospitals Imaging: ")
    assert "squeeze" in text and gsm7_length(text) <= 160
    for word in all_forbidden_words():
        assert word not in text.lower()


def test_the_preparation_text_at_its_time_says_from_tomorrow(appointment, frozen_now, settings):
    settings.SITE_URL = "https://x.example"  # a short link, whatever the row's id, leaves room for every word
    frozen_now.move_to(ITS_EVE)

    text = render(appointment.reminders.get(stage=PREP, channel="sms")).text

    assert text.startswith("Riverside Hospital: from tomorrow to Mon 24 Jun 10:00 don't squeeze or check for fluid: ")


def test_a_late_bookings_confirmation_leads_with_the_preparation(book, frozen_now):
    frozen_now.move_to(at(date(2030, 6, 6), "12:00"))  # Thursday: the preparation for Monday starts tomorrow
    late = book(at(MONDAY, "10:00"))
    row = late.reminders.get(stage=CONF, channel="email")
    assert PREP in row.content_stages

    email = render(row)

    first = email.text.split("\n\n")[1]
    assert first.startswith("From tomorrow until your appointment, please do not squeeze or express your nipple")
    assert "call us" not in first
    html_text = said(email.html)
    assert html_text.index("From tomorrow until your appointment") < html_text.index("is booked")


def test_a_booking_inside_the_preparation_window_says_from_now_and_to_call_if_already_done(book, settings):
    inside = book(at(FRIDAY, "10:00"))  # two days ahead: the preparation started on Tuesday

    email = render(inside.reminders.get(stage=CONF, channel="email"))

    first = email.text.split("\n\n")[1]
    assert first.startswith("From now until your appointment, please do not squeeze or express your nipple")
    call = f"If you already have in the last 3 days, please call us on {settings.CLINIC_PHONE} before you come."
    assert call in first
    assert "From now until your appointment" in said(email.html)


def test_a_confirmation_far_ahead_carries_no_preparation_lead(appointment):
    email = render(appointment.reminders.get(stage=CONF, channel="email"))

    assert "From tomorrow" not in email.text and "From now" not in email.text
    assert 'class="preparation"' not in email.html


# c. A cancellation's words fit its reason


def cancelled(appointment, frozen_now, code):
    frozen_now.shift(timedelta(minutes=1))
    cancel_appointment(appointment, reason_code=code, reason="Because")
    rows = Reminder.objects.filter(appointment_id=appointment.pk, stage=Stage.CANCELLATION)  # as a sender loads them
    return {row.channel: render(row) for row in rows}


@pytest.mark.parametrize("code", ["not_needed", "no_discharge"])
def test_a_cancellation_with_nothing_to_rebook_asks_for_questions_not_a_new_booking(appointment, frozen_now, code):
    sent = cancelled(appointment, frozen_now, code)

    email, text = sent["email"], sent["sms"].text
    for words in (email.text, said(email.html), text):
        assert "rebook" not in words.lower() and "book a new time" not in words.lower()
    assert "If you have any questions, call us on" in email.text
    assert text.endswith("is cancelled. If you have questions, call +44 20 7946 0000.")
    event = icalendar.Calendar.from_ical(email.ics).walk("VEVENT")[0]
    assert str(event["DESCRIPTION"]) == "Cancelled. If you have questions, call +44 20 7946 0000."


def test_a_cancellation_the_patient_asked_for_still_offers_to_rebook(appointment, frozen_now):
    sent = cancelled(appointment, frozen_now, "patient_request")

    assert "To book a new time, call us on" in sent["email"].text
    assert "To rebook, call +44 20 7946 0000." in sent["sms"].text


def test_the_shortest_cancellation_text_with_nothing_to_rebook_still_says_to_call(appointment, frozen_now):
    frozen_now.shift(timedelta(minutes=1))
    cancel_appointment(appointment, reason_code="not_needed", reason="Because")

    appointment.refresh_from_db()
    ctx = context(appointment, Stage.CANCELLATION, FAR, [Stage.CANCELLATION], with_faq=False)
    shortest = " ".join(render_to_string("reminders/sms.txt", {**ctx, **SMS_LEVELS[-1]}).split())

    assert shortest == "Riverside Hospital: appointment Mon 24 Jun 10:00 cancelled. Questions? Call +44 20 7946 0000"
