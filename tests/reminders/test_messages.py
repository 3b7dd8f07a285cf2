"""Messages a patient reads to the end (issue 13): an email carries only the FAQ that helps at its stage (five answers
at most, the rest on the patient's page) and leads with what to do; a move or a cancellation says what changed, in
the email, the text and the calendar invitation; the HTML email is one column at phone width.

"Now" is Wednesday 5 June 2030, 12:00 in London. The example appointment is Thursday 27 June 2030 at 11:30, moved
to Monday 1 July at 14:45.
"""

import html
import re
from datetime import date, timedelta

import icalendar
import pytest
from django.urls import reverse

from procedures.links import patient_url
from procedures.models import FaqEntry
from procedures.services import cancel_appointment, reschedule_appointment
from reminders import services
from reminders.channels import Message
from reminders.channels.sms import all_forbidden_words, gsm7_length
from reminders.models import Reminder
from reminders.stages import CONTENT_STAGES, Stage
from tests.clinic import FAR, at
from tests.factories import AppointmentFactory, UserFactory, reminder_rule
from tests.messages import render, render_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "day_before_by_email")]

CONF, WEEK, TWO_DAYS, DAY = Stage.BOOKING_CONFIRMATION, Stage.WEEK_BEFORE, Stage.TWO_DAYS_BEFORE, Stage.DAY_BEFORE
THURSDAY_1130 = at(date(2030, 6, 27), "11:30")
MONDAY_1445 = at(date(2030, 7, 1), "14:45")
BACKGROUND = "How does milk come out of the nipple?"
AFTERCARE = "How will I feel afterwards?"


def email_for(appointment, stage) -> Message:
    return render(appointment.reminders.get(stage=stage, channel="email", occasion=""))


def the_notice(appointment, stage, channel) -> Reminder:
    """The row as a sender loads it: with the appointment as it is now, not as the test last held it."""
    rows = Reminder.objects.filter(appointment_id=appointment.pk).exclude(status=Reminder.Status.CANCELLED)
    return rows.get(stage=stage, channel=channel)


def questions_in(text: str) -> set[str]:
    return {q for q in FaqEntry.objects.values_list("question", flat=True) if q in html.unescape(text)}


def plain(page_html: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page_html)).split())


@pytest.fixture
def day_before_by_email():
    """Every content stage has an email here (the day-before rule is a text alone by default)."""
    rule = reminder_rule(DAY)
    rule.channels = ["sms", "email"]
    rule.save()


@pytest.fixture
def heard_of(mailoutbox, sms_outbox):
    """heard_of(appointment): its booking confirmations went, so a later move is news to the patient."""

    def _heard_of(appointment):
        for reminder in appointment.reminders.filter(stage=CONF):
            services.send_reminder(reminder.pk)
        return appointment

    return _heard_of


@pytest.fixture
def moved(book, heard_of, frozen_now):
    """Booked for Thu 27 Jun 11:30, confirmed by email and text, then moved to Mon 1 Jul 14:45."""
    appointment = heard_of(book(THURSDAY_1130))
    frozen_now.shift(timedelta(minutes=5))
    return reschedule_appointment(appointment, new_start=MONDAY_1445)


# 1. Relevant content only


def test_the_seeded_faq_has_kinds_and_background_and_aftercare_stay_out_of_every_reminder(book):
    appointment = book(FAR)
    kept_out = set(FaqEntry.objects.exclude(kind__in=FaqEntry.KINDS_IN_REMINDERS).values_list("question", flat=True))
    assert {BACKGROUND, AFTERCARE} <= kept_out

    for stage in CONTENT_STAGES:
        message = render_for(appointment, stage, "email", appointment.scheduled_start, list(CONTENT_STAGES))
        assert not questions_in(message.text + message.html) & kept_out, stage


def test_a_background_entry_stays_out_even_when_staff_tick_its_stages(book):
    appointment = book(FAR)
    FaqEntry.objects.filter(question=BACKGROUND).update(stages=list(CONTENT_STAGES), order=1)

    for stage in CONTENT_STAGES:
        assert BACKGROUND not in email_for(appointment, stage).text


def test_an_email_answers_five_questions_at_most_and_points_to_the_rest_on_the_patients_page(book):
    appointment = book(FAR)
    FaqEntry.objects.filter(kind__in=FaqEntry.KINDS_IN_REMINDERS).update(stages=list(CONTENT_STAGES))
    every_active = FaqEntry.objects.filter(is_active=True).count()

    for stage in CONTENT_STAGES:
        message = email_for(appointment, stage)
        assert len(questions_in(message.text)) == 5 == len(questions_in(message.html)), stage
        assert f"More questions? Your page answers {every_active - 5} more: {patient_url(appointment)}#faq" in (
            message.text
        )
        assert f'href="{patient_url(appointment)}#faq"' in message.html


def test_the_patients_page_still_answers_every_question(client, book):
    appointment = book(FAR)

    page = html.unescape(client.get(patient_url(appointment)).content.decode())

    assert 'id="faq"' in page
    for question in FaqEntry.objects.filter(is_active=True).values_list("question", flat=True):
        assert question in page


def test_staff_change_an_entrys_kind_in_the_admin_and_the_preview_shows_it(client, superuser, book):
    appointment = book(FAR)
    entry = FaqEntry.objects.get(question="Does it hurt?")
    client.force_login(superuser)
    preview = reverse("admin:reminders_reminder_preview", args=[appointment.pk])

    def previewed() -> str:
        return " ".join(p["message"].text for p in client.get(preview).context["previews"] if p["message"])

    assert "Does it hurt?" in previewed()

    response = client.post(
        reverse("admin:procedures_faqentry_change", args=[entry.pk]),
        {
            "procedure_type": entry.procedure_type_id,
            "question": entry.question,
            "answer": entry.answer,
            "kind": "background",
            "point": "",
            "topic": entry.topic,
            "stages": entry.stages,
            "order": entry.order,
            "is_active": "on",
            # The translations inline, posted back untouched.
            "translations-TOTAL_FORMS": "0",
            "translations-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert "Does it hurt?" not in previewed()
    changelist = client.get(reverse("admin:procedures_faqentry_changelist"), {"kind__exact": "background"})
    assert "Does it hurt?" in [e.question for e in changelist.context["cl"].result_list]


def test_a_point_belongs_to_a_preparation_entry_only():
    entry = FaqEntry.objects.get(question="Does it hurt?")
    entry.point = "Take paracetamol."

    with pytest.raises(Exception, match="Only a preparation entry has a point"):
        entry.full_clean()


# 2. The email leads with what to do


@pytest.mark.parametrize("stage", CONTENT_STAGES)
def test_the_email_says_when_where_how_long_what_to_do_and_the_link_before_any_question(book, stage):
    appointment = book(FAR)
    message = email_for(appointment, stage)
    link = patient_url(appointment)

    for part in (message.text, plain(message.html)):
        first_question = min(part.index(q) for q in questions_in(part))
        lead = ["Monday 24 June 2030 at 10:00", appointment.room.location, "45 minutes", "What to do"]
        positions = [part.index(words) for words in lead]
        assert positions == sorted(positions), (stage, positions)
        assert positions[-1] < first_question
    assert message.text.index(link) < message.text.index("YOUR QUESTIONS ANSWERED")
    assert message.html.index(f'href="{link}"') < message.html.index("Your questions answered")


@pytest.mark.parametrize(
    "stage, points",
    [
        (CONF, ["Do not squeeze", "Tell us before the day"]),
        (WEEK, ["Do not squeeze", "If the discharge has stopped", "On the day, no deodorant"]),
        (TWO_DAYS, ["Do not squeeze", "If the discharge has stopped", "Tell us before the day"]),
        (DAY, ["Do not squeeze", "On the day, no deodorant", "Wear a two-piece outfit"]),
    ],
)
def test_each_stage_leads_with_the_preparation_points_that_matter_then(book, stage, points):
    message = email_for(book(FAR), stage)

    listed = re.findall(r"^- (.+)$", message.text.split("What to do:")[1].split("\n\n")[0], re.M)
    assert [line[: len(p)] for line, p in zip(listed, points, strict=True)] == points
    html_points = re.findall(r"<li[^>]*>(.*?)</li>", message.html.split('class="points"')[1].split("</ul>")[0])
    assert [html.unescape(p) for p in html_points] == listed


def test_a_booking_for_tomorrow_leads_with_tomorrows_points(book):
    message = email_for(book(at(date(2030, 6, 6), "10:00")), CONF)  # the day-before stage is folded in

    assert "On the day, no deodorant" in message.text.split("YOUR QUESTIONS ANSWERED")[0]
    assert "Wear a two-piece outfit" in message.text.split("YOUR QUESTIONS ANSWERED")[0]


def test_an_email_with_link_only_content_has_no_points(book, settings):
    settings.REMINDER_EMAIL_CONTENT = "link"
    message = email_for(book(FAR), DAY)

    assert "What to do" not in message.text and "What to do" not in message.html
    assert "More questions" not in message.text


# 3. Event messages say what changed


def test_the_reschedule_says_it_moved_from_the_old_time_to_the_new_in_email_and_text(moved):
    email = render(the_notice(moved, Stage.RESCHEDULED, "email"))
    text = render(the_notice(moved, Stage.RESCHEDULED, "sms")).text

    assert "moved from Thu 27 Jun 11:30 to Mon 1 Jul 14:45" in email.text
    assert "moved from Thu 27 Jun 11:30 to Mon 1 Jul 14:45" in plain(email.html)
    assert "moved from Thu 27 Jun 11:30 to Mon 1 Jul 14:45" in text
    assert gsm7_length(text) <= 160
    assert not [word for word in all_forbidden_words() if word in text.lower()]


def test_the_reschedule_notice_remembers_the_old_time_so_a_retry_says_the_same(moved, frozen_now):
    notice = the_notice(moved, Stage.RESCHEDULED, "email")
    assert notice.previous_start == THURSDAY_1130
    first = render(notice)

    frozen_now.shift(timedelta(hours=3))  # a retry, later
    again = render(Reminder.objects.get(pk=notice.pk))

    assert (again.subject, again.text, again.html) == (first.subject, first.text, first.html)
    sequence = [icalendar.Calendar.from_ical(m.ics).walk("VEVENT")[0]["SEQUENCE"] for m in (first, again)]
    assert sequence[0] == sequence[1]


def test_a_second_move_before_the_first_notice_went_says_where_the_patient_last_heard(moved, frozen_now, settings):
    settings.SMS_QUIET_HOURS = ""
    frozen_now.shift(timedelta(minutes=5))  # the first move's notices have not gone yet

    again = reschedule_appointment(moved, new_start=MONDAY_1445 + timedelta(days=1))

    for channel in ("email", "sms"):
        notice = the_notice(again, Stage.RESCHEDULED, channel)
        assert notice.previous_start == THURSDAY_1130
        assert "moved from Thu 27 Jun 11:30 to Tue 2 Jul 14:45" in render(notice).text


def test_the_reschedule_text_fits_one_segment_with_a_production_address(settings, frozen_now):
    settings.SITE_URL = "https://prep.riverside.nhs.uk"
    appointment = AppointmentFactory(id=123456, scheduled_start=MONDAY_1445)

    text = render_for(
        appointment, Stage.RESCHEDULED, "sms", MONDAY_1445, [Stage.RESCHEDULED], previous_start=THURSDAY_1130
    ).text

    assert "moved from Thu 27 Jun 11:30 to Mon 1 Jul 14:45" in text
    assert gsm7_length(text) <= 160, text
    assert "https://prep.riverside.nhs.uk/p/123456." in text


def test_the_cancellation_gives_no_arrival_time_or_duration_and_says_how_to_rebook(book, frozen_now, settings):
    appointment = book(FAR)
    frozen_now.shift(timedelta(minutes=1))
    cancel_appointment(appointment, reason_code="patient_request", reason="Patient request")

    email = render(the_notice(appointment, Stage.CANCELLATION, "email"))
    text = render(the_notice(appointment, Stage.CANCELLATION, "sms")).text

    for part in (email.text, plain(email.html), text):
        assert "arrive" not in part.lower()
        assert "09:45" not in part
        assert "minutes" not in part.lower()
        assert "rebook" in part.lower() or "book a new time" in part.lower()
        assert settings.CLINIC_PHONE in part
    assert "has been cancelled" in email.text and "cancelled" in text


# The calendar invitation


def _event(message):
    calendar = icalendar.Calendar.from_ical(message.ics)
    return calendar, calendar.walk("VEVENT")[0]


def test_the_invitation_comes_from_the_clinic_to_the_patient(book, settings):
    appointment = book(FAR)

    _, event = _event(email_for(appointment, CONF))

    assert str(event["ORGANIZER"]) == "mailto:no-reply@localhost"
    assert event["ORGANIZER"].params["CN"] == settings.CLINIC_SMS_NAME
    assert str(event["ATTENDEE"]) == f"mailto:{appointment.patient.email}"
    assert event["ATTENDEE"].params["CN"] == appointment.patient.full_name
    assert event["ATTENDEE"].params["ROLE"] == "REQ-PARTICIPANT"


def test_a_move_updates_and_a_cancellation_cancels_the_same_invitation_each_with_a_higher_sequence(
    book, heard_of, frozen_now, mailoutbox
):
    appointment = heard_of(book(THURSDAY_1130))
    booked = _event(render(appointment.reminders.get(stage=CONF, channel="email")))
    frozen_now.shift(timedelta(minutes=5))
    moved = reschedule_appointment(appointment, new_start=MONDAY_1445)
    rescheduled = _event(render(the_notice(moved, Stage.RESCHEDULED, "email")))
    frozen_now.shift(timedelta(minutes=10))
    cancel_appointment(moved, reason_code="patient_request", reason="Patient request")
    cancellation = the_notice(moved, Stage.CANCELLATION, "email")
    cancelled = _event(render(cancellation))

    assert len({str(event["UID"]) for _, event in (booked, rescheduled, cancelled)}) == 1
    assert booked[1]["SEQUENCE"] < rescheduled[1]["SEQUENCE"] < cancelled[1]["SEQUENCE"]
    assert [str(calendar["METHOD"]) for calendar, _ in (booked, rescheduled, cancelled)] == [
        "REQUEST",
        "REQUEST",
        "CANCEL",
    ]
    assert rescheduled[1].decoded("DTSTART") == MONDAY_1445
    assert str(cancelled[1]["STATUS"]) == "CANCELLED"
    services.send_reminder(cancellation.pk)
    [(_, _, mimetype)] = mailoutbox[-1].attachments
    assert mimetype.startswith("text/calendar; method=CANCEL")


# 4. A responsive HTML email (rendered in Chromium at phone size: tests/e2e/test_email_phone.py)


def test_the_html_email_has_a_viewport_and_a_single_column(book):
    message = email_for(book(FAR), CONF)

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in message.html
    assert "max-width: 600px" in message.html
    assert "<th" not in message.html  # the details are stacked, not a two-column table
    assert not re.search(r"width=\"[2-9]\d\d\"|(?<![-\w])width:\s*[2-9]\d\dpx", message.html)  # no fixed width


# The preview in the admin shows each email as a phone does


def test_the_preview_frames_each_email_at_phone_width_as_it_would_be_sent(client, superuser, book):
    appointment = book(FAR)
    client.force_login(superuser)

    page = client.get(reverse("admin:reminders_reminder_preview", args=[appointment.pk])).content.decode()
    framed = client.get(reverse("admin:reminders_reminder_preview_email", args=[appointment.pk, CONF]))

    assert re.search(r'<iframe[^>]+src="[^"]+/booking_confirmation/email/"[^>]+width="390"[^>]+sandbox', page)
    assert framed.status_code == 200
    assert framed.content.decode() == email_for(appointment, CONF).html
    assert framed["X-Frame-Options"] == "SAMEORIGIN"
    policy = framed["Content-Security-Policy"]
    for directive in ("sandbox", "frame-ancestors 'self'", "style-src 'unsafe-inline'", "script-src 'none'"):
        assert directive in policy


def test_the_email_preview_of_a_stage_with_no_email_is_404_and_needs_the_reminders_permission(client, superuser, book):
    appointment = book(FAR)
    client.force_login(superuser)
    assert (
        client.get(reverse("admin:reminders_reminder_preview_email", args=[appointment.pk, "fortnight"])).status_code
        == 404
    )

    client.force_login(UserFactory())  # staff, in no group
    url = reverse("admin:reminders_reminder_preview_email", args=[appointment.pk, CONF])
    assert client.get(url).status_code == 403


def test_a_reschedule_text_too_long_for_both_times_still_goes_with_the_new_one(moved, settings):
    settings.CLINIC_SMS_NAME = "Riverside University Hospitals Imaging"

    text = render(the_notice(moved, Stage.RESCHEDULED, "sms")).text

    assert "moved to Mon 1 Jul 14:45" in text and "from" not in text
    assert gsm7_length(text) <= 160
