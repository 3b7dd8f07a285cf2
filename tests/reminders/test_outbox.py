"""The development outbox: with DEBUG on, /dev/outbox/ shows every email (as the patient's mail program shows it)
and text that was sent; with DEBUG off it does not exist. `make run` writes emails to files instead of the console
and, once the site answers, prints the logins last and says it is ready (issue 23, point 9)."""

import http.server
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from reminders.models import Reminder
from reminders.stages import Stage
from tests.factories import AppointmentFactory, PatientFactory, reminder_rule
from tests.realparts import free_port

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]
OUTBOX = reverse("outbox:list")


def sent(channel: str, **fields) -> Reminder:
    patient = PatientFactory(given_name="Amelia", family_name="Hughes")
    appointment = AppointmentFactory(patient=patient)
    rule = reminder_rule(Stage.DAY_BEFORE)
    values = {
        "status": Reminder.Status.SENT,
        "sent_at": timezone.now(),
        "recipient": patient.email if channel == "email" else "+447911123401",
    } | fields
    return Reminder.objects.create(
        appointment=appointment,
        rule=rule,
        stage=rule.stage,
        channel=channel,
        for_start=appointment.scheduled_start,
        send_at=timezone.now(),
        content_stages=[rule.stage],
        **values,
    )


@pytest.fixture
def development(settings):
    settings.DEBUG = True


@pytest.fixture
def email():
    return sent(
        "email",
        subject="Your appointment is tomorrow",
        body="Dear Amelia, see you tomorrow.",
        body_html='<html><body><p style="color:#123">Dear Amelia, <b>see you tomorrow</b>.</p></body></html>',
    )


@pytest.fixture
def text():
    return sent("sms", body="Riverside Hospital: your appointment is tomorrow at 10:00. Details: https://x/p/abc/")


@pytest.mark.usefixtures("development")
def test_the_outbox_lists_every_email_and_text_sent_newest_first(as_scheduler, email, text):
    sent("email", status=Reminder.Status.PENDING, sent_at=None, subject="Not sent yet")
    page = as_scheduler.get(OUTBOX)
    html = page.content.decode()
    assert page.status_code == 200
    assert [r.pk for r in page.context["messages_sent"]] == [text.pk, email.pk]
    assert "Your appointment is tomorrow" in html and "Riverside Hospital: your appointment" in html
    assert "Not sent yet" not in html
    assert "2 messages." in html
    assert f'href="{OUTBOX}"' in html  # the staff menu links to it in development


@pytest.mark.usefixtures("development")
def test_the_outbox_shows_one_channel_at_a_time(as_scheduler, email, text):
    page = as_scheduler.get(OUTBOX, {"channel": "sms"})
    assert [r.pk for r in page.context["messages_sent"]] == [text.pk]
    unknown = as_scheduler.get(OUTBOX, {"channel": "pigeon"})
    assert len(unknown.context["messages_sent"]) == 2


@pytest.mark.usefixtures("development")
def test_an_empty_outbox_says_how_to_fill_it(as_scheduler):
    html = as_scheduler.get(OUTBOX).content.decode()
    assert "Nothing has been sent yet" in html and "book an appointment" in html


@pytest.mark.usefixtures("development")
def test_an_email_shows_as_the_patient_sees_it_in_a_sandboxed_frame(as_scheduler, email):
    page = as_scheduler.get(reverse("outbox:message", args=[email.pk]))
    html = page.content.decode()
    frame = reverse("outbox:email-html", args=[email.pk])
    assert f'src="{frame}" sandbox=""' in html
    assert "Dear Amelia, see you tomorrow." in html  # the plain-text part below it

    shown = as_scheduler.get(frame)
    assert shown.content.decode() == email.body_html
    policy = shown["Content-Security-Policy"]
    assert "sandbox" in policy and "frame-ancestors 'self'" in policy and "script-src" not in policy
    assert "style-src 'unsafe-inline'" in policy and "default-src 'none'" in policy
    assert shown["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.usefixtures("development")
def test_a_text_shows_its_words_and_length(as_scheduler, text):
    html = as_scheduler.get(reverse("outbox:message", args=[text.pk])).content.decode()
    assert text.body in html and f"{len(text.body)} characters." in html
    assert as_scheduler.get(reverse("outbox:email-html", args=[text.pk])).status_code == 404


def test_with_debug_off_the_outbox_does_not_exist(as_scheduler, email, settings):
    settings.DEBUG = False
    for url in (OUTBOX, reverse("outbox:message", args=[email.pk]), reverse("outbox:email-html", args=[email.pk])):
        assert as_scheduler.get(url).status_code == 404
    assert f'href="{OUTBOX}"' not in as_scheduler.get(reverse("procedures:letters")).content.decode()


@pytest.mark.usefixtures("development")
def test_the_outbox_is_for_signed_in_staff(client, email):
    anonymous = client.get(OUTBOX)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


@pytest.mark.usefixtures("development")
def test_the_outbox_is_for_those_who_handle_reminders(as_radiologist, email):
    assert as_radiologist.get(OUTBOX).status_code == 403


@pytest.mark.usefixtures("development")
def test_a_letter_is_not_in_the_outbox_it_has_its_own_page(as_scheduler):
    letter = sent("letter", body="Dear Amelia, ...", recipient="14 Riverside Court")
    page = as_scheduler.get(OUTBOX)
    assert letter.pk not in [r.pk for r in page.context["messages_sent"]]
    assert as_scheduler.get(reverse("outbox:message", args=[letter.pk])).status_code == 404


def _email_backend(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("EMAIL_URL", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'prepapp.settings'; django.setup(); "
        "from django.conf import settings; print(settings.EMAIL_BACKEND, getattr(settings, 'EMAIL_FILE_PATH', ''))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, env=clean | env, capture_output=True, text=True, check=True
    )
    return done.stdout.split("\n")[-2]


def test_development_writes_emails_to_files_the_outbox_reads_not_to_the_console():
    assert _email_backend(DEBUG="true") == (
        f"django.core.mail.backends.filebased.EmailBackend {PROJECT / 'var' / 'mail'}"
    )
    assert _email_backend(DEBUG="true", EMAIL_URL="consolemail://").startswith(
        "django.core.mail.backends.console.EmailBackend"
    )


@pytest.fixture
def a_site():
    """Something answering HTTP on a free port, as runserver does once it is up. Not pytest-django's live server: it
    would make this a transactional test whose flush remakes the content types under new ids, breaking the next
    serialized rollback's reload in the same process."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_make_run_announces_ready_with_the_logins_last_once_the_site_answers(a_site, capsys):
    call_command("announce_ready", url=a_site + "/", timeout=30)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Logins (password for all: ductogram-demo):"
    assert any(line.split()[0] == "scheduler" for line in lines[1:])
    assert lines[-2] == f"Emails and texts sent: {a_site}/dev/outbox/"
    assert lines[-1] == f"Ready: open {a_site}/ and sign in with a login above."


def test_a_site_that_never_answers_is_said_plainly():
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(CommandError, match=f"The site at {url} did not answer within 1 s"):
        call_command("announce_ready", url=url, timeout=1)


def test_under_honcho_a_site_that_never_answers_is_said_and_the_others_keep_running(monkeypatch, capsys):
    """With --stay an exit would make honcho stop web, worker and beat too: it says so and stays."""
    from procedures.management.commands import announce_ready

    class StayedOn(Exception):
        pass

    real_sleep = time.sleep

    def sleep(seconds):
        if seconds >= 3600:
            raise StayedOn  # it reached the wait it stays in, instead of exiting
        real_sleep(seconds)

    monkeypatch.setattr(announce_ready.time, "sleep", sleep)
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(StayedOn):
        call_command("announce_ready", url=url, timeout=1, stay=True)
    out, err = capsys.readouterr()
    assert f"The site at {url} did not answer within 1 s" in err and "Ready" not in out


def test_the_procfile_runs_the_announcement_beside_web_worker_and_beat():
    processes = dict(line.split(": ", 1) for line in (PROJECT / "Procfile").read_text().splitlines() if line)
    assert set(processes) == {"web", "worker", "beat", "ready"}
    assert "announce_ready --stay" in processes["ready"]
