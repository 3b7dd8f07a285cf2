"""Our own start-up checks (prepapp/checks.py): with DEBUG off, the settings a real deployment gets wrong are errors
that name the setting and say the fix, and the web (gunicorn), the Celery worker and beat refuse to start on them,
as `manage.py check` does (tests/procedures/test_settings.py). With DEBUG on, they say nothing."""

import subprocess

import pytest
from django.core import checks

from prepapp.checks import production_settings
from tests.production import production_env
from tests.realparts import CELERY, PROJECT, free_port

GUNICORN = PROJECT / ".venv" / "bin" / "gunicorn"


@pytest.fixture
def deployed(settings):
    """This process's settings as a deployment's: DEBUG off and everything set as it should be."""
    settings.DEBUG = False
    settings.SITE_URL = "https://clinic.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.SMS_BACKEND = "reminders.providers.http_sms.HTTPSMSBackend"
    settings.ALLOWED_HOSTS = ["clinic.example"]
    return settings


def errors() -> dict[str, checks.CheckMessage]:
    found = production_settings()
    assert all(isinstance(message, checks.Error) for message in found)
    return {message.id: message for message in found}


def test_a_deployment_with_everything_set_passes(deployed):
    assert errors() == {}
    assert [m for m in checks.run_checks(tags=["production"]) if m.id.startswith("prepapp.")] == []


def test_development_is_never_refused_whatever_its_settings(deployed):
    deployed.DEBUG = True
    deployed.SITE_URL = "http://localhost:8000"
    deployed.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    deployed.SMS_BACKEND = "reminders.providers.sms.ConsoleSMSBackend"
    deployed.ALLOWED_HOSTS = ["*"]
    assert errors() == {}


@pytest.mark.parametrize(
    "site_url", ["http://localhost:8000", "http://clinic.example", "https://localhost:8443", "clinic.example"]
)
def test_a_site_url_that_is_not_the_clinics_https_address_is_refused(deployed, site_url):
    deployed.SITE_URL = site_url
    error = errors()["prepapp.E001"]
    assert f"SITE_URL is {site_url!r}" in error.msg
    assert "SITE_URL=https://" in error.hint


@pytest.mark.parametrize(
    "backend, where",
    [
        ("django.core.mail.backends.console.EmailBackend", "the console (EMAIL_URL's default, consolemail://)"),
        ("django.core.mail.backends.filebased.EmailBackend", "files (filemail://)"),
        ("django.core.mail.backends.locmem.EmailBackend", "memory (memorymail://)"),
        ("django.core.mail.backends.dummy.EmailBackend", "nowhere (dummymail://)"),
    ],
)
def test_email_that_goes_nowhere_is_refused_while_reminders_go_by_email(deployed, backend, where):
    deployed.EMAIL_BACKEND = backend
    error = errors()["prepapp.E002"]
    assert error.msg == f"Email goes to {where}, so no patient would receive an email reminder."
    assert "Set EMAIL_URL to the mail server" in error.hint
    assert "ANYMAIL_PROVIDER" in error.hint


def test_an_email_provider_through_anymail_passes(deployed):
    deployed.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    assert errors() == {}


@pytest.mark.parametrize(
    "backend",
    [
        "reminders.providers.sms.ConsoleSMSBackend",
        "reminders.providers.sms.FileSMSBackend",
        "reminders.providers.sms.LocMemSMSBackend",
        "reminders.channels.sms.ConsoleSMSBackend",  # the backends' old home, which still works
    ],
)
def test_a_development_sms_backend_is_refused_while_reminders_go_by_text(deployed, backend):
    deployed.SMS_BACKEND = backend
    error = errors()["prepapp.E003"]
    assert error.msg.startswith(f"SMS_BACKEND is {backend}: texts go to ")
    assert "SMS_BACKEND=reminders.providers.http_sms.HTTPSMSBackend" in error.hint


def test_a_clinic_that_sends_no_texts_or_emails_may_leave_their_backends_as_they_are(deployed):
    deployed.REMINDER_CHANNELS = ["reminders.channels.letter.LetterChannel"]
    deployed.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    deployed.SMS_BACKEND = "reminders.providers.sms.ConsoleSMSBackend"
    assert errors() == {}


def test_a_wildcard_in_allowed_hosts_is_refused(deployed):
    deployed.ALLOWED_HOSTS = ["clinic.example", "*"]
    error = errors()["prepapp.E004"]
    assert "ALLOWED_HOSTS contains '*'" in error.msg
    assert "ALLOWED_HOSTS=" in error.hint


def test_a_subdomain_pattern_in_allowed_hosts_is_not_a_wildcard(deployed):
    deployed.ALLOWED_HOSTS = [".clinic.example"]
    assert errors() == {}


# The processes no management command starts refuse too, saying the fix. The broker is an address nothing answers
# at: each refuses before it would connect.


def _start(command: list[str], tmp_path, **env: str) -> subprocess.CompletedProcess:
    database = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    env = production_env(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", DATABASE_URL=database, **env)
    return subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)


def test_gunicorn_refuses_to_start_on_a_wildcard_host_and_says_the_fix(tmp_path):
    done = _start(
        [str(GUNICORN), "--bind", f"127.0.0.1:{free_port()}", "--workers", "1", "prepapp.wsgi"],
        tmp_path,
        ALLOWED_HOSTS="*",
    )
    output = done.stdout + done.stderr
    assert done.returncode == 3, output  # gunicorn's "worker failed to boot": the master stops
    assert "These production settings must be fixed before the site starts" in output
    assert "prepapp.E004: ALLOWED_HOSTS contains '*'" in output
    assert "HINT: Set ALLOWED_HOSTS to the names the site answers to" in output


@pytest.mark.parametrize("program", ["worker", "beat"])
def test_the_celery_worker_and_beat_refuse_to_start_on_console_email_and_say_the_fix(tmp_path, program):
    done = _start(
        [str(CELERY), "-A", "prepapp", program, "-l", "info", *(["-s", str(tmp_path / "beat")] * (program == "beat"))],
        tmp_path,
        EMAIL_URL="consolemail://",
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "prepapp.E002: Email goes to the console" in output
    assert "HINT: Set EMAIL_URL to the mail server" in output
    assert "Connected to redis" not in output
