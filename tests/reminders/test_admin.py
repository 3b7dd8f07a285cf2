"""Reminders in the admin as staff use them: the outbox with what was sent, the rules, "send now" and "retry
failed", and a preview of every stage. Schedulers see and act on reminders but cannot change the rules."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse

from reminders import services
from reminders.models import Reminder, ReminderRule
from reminders.stages import Stage
from tests.clinic import FAR, NOW
from tests.factories import RadiologistFactory, SchedulerFactory, UserFactory, reminder_rule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

CONF, WEEK = Stage.BOOKING_CONFIRMATION, Stage.WEEK_BEFORE


@pytest.fixture
def appointment(book, mailoutbox, sms_outbox, settings):
    """Booked, its email confirmation sent, its text confirmation failed for good, the rest pending."""
    settings.SMS_BACKEND = "tests.reminders.test_admin.RefusingProvider"
    appointment = book(FAR)
    for reminder in appointment.reminders.filter(stage=CONF):
        services.send_reminder(reminder.pk)
    settings.SMS_BACKEND = "reminders.providers.sms.LocMemSMSBackend"
    return appointment


class RefusingProvider:
    def send(self, to, body, *, reference=""):
        from reminders.channels import PermanentSendError

        raise PermanentSendError("The SMS provider refused the text (400): invalid number")


def url(model, view, *args):
    return reverse(f"admin:reminders_{model._meta.model_name}_{view}", args=args)


def the(appointment, stage, channel) -> Reminder:
    return appointment.reminders.get(stage=stage, channel=channel)


# Pages render


def test_the_reminder_list_shows_status_attempts_and_errors(client, superuser, appointment):
    client.force_login(superuser)

    page = client.get(url(Reminder, "changelist"))

    assert page.status_code == 200
    assert page.context["cl"].result_count == 8  # two confirmations, six timed (with the preparation's two)
    text = html.unescape(page.content.decode())
    assert appointment.patient.full_name in text
    assert "The SMS provider refused the text (400): invalid number" in text
    failed = client.get(url(Reminder, "changelist"), {"status__exact": "failed"})
    assert [r.pk for r in failed.context["cl"].result_list] == [the(appointment, CONF, "sms").pk]


def test_a_sent_reminder_shows_the_text_as_sent(client, superuser, appointment):
    client.force_login(superuser)
    sent = the(appointment, CONF, "email")

    page = client.get(url(Reminder, "change", sent.pk))

    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert sent.subject in text
    assert "YOUR QUESTIONS ANSWERED" in text  # the frozen body
    assert reverse("admin:reminders_reminder_preview", args=[appointment.pk]) in text
    assert reverse("admin:procedures_appointment_change", args=[appointment.pk]) in text


def test_reminders_are_not_added_by_hand(client, superuser):
    client.force_login(superuser)

    assert client.get(url(Reminder, "add")).status_code == 403


def test_the_rule_list_and_pages_render(client, superuser):
    client.force_login(superuser)

    page = client.get(url(ReminderRule, "changelist"))

    assert page.status_code == 200
    assert page.context["cl"].result_count == 8  # the six stages, the day before the preparation starts, the offer
    text = page.content.decode()
    assert "7 days before" in text and "2 days before" in text and "at once" in text
    assert client.get(url(ReminderRule, "change", reminder_rule(WEEK).pk)).status_code == 200
    assert client.get(url(ReminderRule, "add")).status_code == 200


# Rules are edited with channel checkboxes


def _rule_form(rule: ReminderRule, **changes) -> dict:
    data = {
        "procedure_type": rule.procedure_type_id,
        "stage": rule.stage,
        "offset": "" if rule.offset is None else str(rule.offset.days) + " 00:00:00",
        "channels": rule.channels,
        "is_active": "on" if rule.is_active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_a_rules_channels_are_checkboxes_showing_the_current_ones(client, superuser):
    client.force_login(superuser)
    rule = reminder_rule(Stage.TWO_DAYS_BEFORE)

    form = client.get(url(ReminderRule, "change", rule.pk)).context["adminform"].form

    assert form.fields["channels"].widget.input_type == "checkbox"
    assert sorted(form.initial["channels"]) == ["email", "sms"]


def test_a_rule_edited_in_the_admin_changes_the_next_bookings_reminders(client, superuser, book):
    client.force_login(superuser)
    rule = reminder_rule(Stage.DAY_BEFORE)

    response = client.post(
        url(ReminderRule, "change", rule.pk), _rule_form(rule, channels=["email", "sms"], offset="2 00:00:00")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    rule.refresh_from_db()
    assert sorted(rule.channels) == ["email", "sms"]
    assert rule.offset == timedelta(days=2)
    appointment = book(FAR + timedelta(days=1))
    assert set(appointment.reminders.filter(stage=Stage.DAY_BEFORE).values_list("channel", flat=True)) == {
        "email",
        "sms",
    }


def test_a_rule_needs_a_channel(client, superuser):
    client.force_login(superuser)
    rule = reminder_rule(WEEK)

    response = client.post(url(ReminderRule, "change", rule.pk), _rule_form(rule, channels=[]))

    assert response.status_code == 200
    assert "channels" in response.context["adminform"].form.errors
    rule.refresh_from_db()
    assert rule.channels == ["email", "letter"]


def test_an_event_stage_cannot_be_given_an_offset(client, superuser):
    client.force_login(superuser)
    rule = reminder_rule(CONF)

    response = client.post(url(ReminderRule, "change", rule.pk), _rule_form(rule, offset="1 00:00:00"))

    assert response.status_code == 200
    assert "Timed stages need an offset; event stages, and the day before the preparation starts" in html.unescape(
        response.content.decode()
    )
    rule.refresh_from_db()
    assert rule.offset is None


def test_a_second_rule_for_the_same_stage_is_refused(client, superuser):
    client.force_login(superuser)
    rule = reminder_rule(WEEK)

    response = client.post(url(ReminderRule, "add"), _rule_form(rule))

    assert response.status_code == 200
    assert "This procedure already has a rule for that stage." in html.unescape(response.content.decode())
    assert ReminderRule.objects.filter(stage=WEEK).count() == 1


# Actions: send now, retry failed


def _action(client, action, reminders):
    return client.post(
        url(Reminder, "changelist"),
        {"action": action, "_selected_action": [r.pk for r in reminders]},
        follow=True,
    )


def test_send_now_sends_the_selected_pending_reminders_and_leaves_the_rest(
    client, superuser, appointment, queued, frozen_now, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    frozen_now.shift(timedelta(minutes=10))
    week_before, sent = the(appointment, WEEK, "email"), the(appointment, CONF, "email")

    with django_capture_on_commit_callbacks(execute=True):
        page = _action(client, "send_selected_now", [week_before, sent])

    messages = [str(m) for m in page.context["messages"]]
    assert messages == ["1 reminder(s) queued to send now.", "1 were not pending and were left alone."]
    assert queued == [week_before.pk]
    week_before.refresh_from_db()
    assert week_before.send_at == NOW + timedelta(minutes=10)
    services.send_reminder(week_before.pk)
    week_before.refresh_from_db()
    assert week_before.status == Reminder.Status.SENT


def test_retry_failed_tries_the_selected_failed_reminders_again(
    client, superuser, appointment, queued, sms_outbox, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    failed, sent = the(appointment, CONF, "sms"), the(appointment, CONF, "email")
    assert failed.status == Reminder.Status.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        page = _action(client, "retry_selected_failed", [failed, sent])

    messages = [str(m) for m in page.context["messages"]]
    assert messages == ["1 failed reminder(s) will be tried again.", "1 had not failed and were left alone."]
    assert queued == [failed.pk]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Reminder.Status.PENDING, 0)
    services.send_reminder(failed.pk)  # the provider accepts it now
    failed.refresh_from_db()
    assert failed.status == Reminder.Status.SENT
    assert len(sms_outbox) == 1


# The preview: what every stage will say


def test_the_preview_shows_every_stages_subject_and_text_and_saves_nothing(
    client, superuser, appointment, mailoutbox, sms_outbox, settings
):
    settings.SITE_URL = "https://x.example"  # a short link whatever the row's id: the text below at its longest
    client.force_login(superuser)
    before = list(Reminder.objects.order_by("pk").values())
    sent_before = (len(mailoutbox), len(sms_outbox))

    page = client.get(reverse("admin:reminders_reminder_preview", args=[appointment.pk]))

    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    for subject in (
        "Your appointment on Mon 24 Jun at 10:00",
        "Reminder: your appointment on Mon 24 Jun at 10:00",
        "Your appointment has moved to Mon 24 Jun at 10:00",
        "Your appointment on Mon 24 Jun at 10:00 has been cancelled",
    ):
        assert f"Subject: {subject}" in text.replace("<strong>", "").replace("</strong>", "")
    for sms in (
        "Riverside Hospital: appointment booked for Mon 24 Jun at 10:00",
        "Riverside Hospital: reminder of your appointment Mon 24 Jun at 10:00",
        "Riverside Hospital: from Fri 21 Jun to Mon 24 Jun 10:00 don't squeeze or check for fluid",
        "Riverside Hospital: your appointment on Mon 24 Jun at 10:00 is cancelled",
    ):
        assert sms in text
    assert "see you tomorrow" not in text  # previewed 19 days ahead: the words are worked out now
    assert "What is a ductogram?" in text  # the emails' FAQ
    assert "GSM-7: " in text and "(160 a segment alone, 153 a part when longer), 1 segment; the limit is 3" in text
    previews = page.context["previews"]
    assert {(p["rule"].stage, p["channel"]) for p in previews} == {
        (rule.stage, channel) for rule in ReminderRule.objects.filter(is_active=True) for channel in rule.channels
    }
    assert list(Reminder.objects.order_by("pk").values()) == before
    assert (len(mailoutbox), len(sms_outbox)) == sent_before


def test_the_preview_shows_a_text_that_could_not_be_sent_and_why(client, superuser, appointment, settings):
    client.force_login(superuser)
    settings.CLINIC_SMS_NAME = "Breast Clinic"

    page = client.get(reverse("admin:reminders_reminder_preview", args=[appointment.pk]))

    assert page.status_code == 200
    errors = [p["error"] for p in page.context["previews"] if p["channel"] == "sms"]
    assert errors and all("would mention breast" in e for e in errors)
    assert 'class="errornote"' in page.content.decode()


def test_the_preview_of_a_missing_appointment_is_404(client, superuser):
    client.force_login(superuser)

    assert client.get(reverse("admin:reminders_reminder_preview", args=[999999])).status_code == 404


# Who may do what


def test_a_scheduler_sees_reminders_and_rules_but_cannot_change_the_rules(client, appointment):
    scheduler = SchedulerFactory()
    client.force_login(scheduler)
    rule = reminder_rule(WEEK)

    assert client.get(url(Reminder, "changelist")).status_code == 200
    assert client.get(url(Reminder, "change", the(appointment, WEEK, "email").pk)).status_code == 200
    assert client.get(reverse("admin:reminders_reminder_preview", args=[appointment.pk])).status_code == 200
    assert client.get(url(ReminderRule, "changelist")).status_code == 200
    view = client.get(url(ReminderRule, "change", rule.pk))
    assert view.status_code == 200
    assert not view.context["has_change_permission"]

    response = client.post(url(ReminderRule, "change", rule.pk), _rule_form(rule, channels=["email", "sms"]))

    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.channels == ["email", "letter"]
    assert client.get(url(ReminderRule, "add")).status_code == 403
    assert client.post(url(ReminderRule, "delete", rule.pk), {"post": "yes"}).status_code == 403
    assert ReminderRule.objects.filter(pk=rule.pk).exists()


def test_a_scheduler_can_send_now_but_not_delete_reminders(
    client, appointment, queued, django_capture_on_commit_callbacks
):
    client.force_login(SchedulerFactory())
    week_before = the(appointment, WEEK, "email")

    with django_capture_on_commit_callbacks(execute=True):
        page = _action(client, "send_selected_now", [week_before])

    assert [str(m) for m in page.context["messages"]] == ["1 reminder(s) queued to send now."]
    assert queued == [week_before.pk]
    assert client.post(url(Reminder, "delete", week_before.pk), {"post": "yes"}).status_code == 403
    assert Reminder.objects.filter(pk=week_before.pk).exists()


def test_a_radiologist_may_look_but_not_send(client, appointment, queued):
    client.force_login(RadiologistFactory())

    page = client.get(url(Reminder, "changelist"))

    assert page.status_code == 200
    assert page.context["action_form"] is None  # no action is offered at all
    _action(client, "send_selected_now", [the(appointment, WEEK, "email")])
    assert queued == []


def test_staff_without_reminder_permissions_cannot_see_the_preview(client, appointment):
    client.force_login(UserFactory())  # staff, in no group

    assert client.get(reverse("admin:reminders_reminder_preview", args=[appointment.pk])).status_code == 403
    assert client.get(url(Reminder, "changelist")).status_code == 403
