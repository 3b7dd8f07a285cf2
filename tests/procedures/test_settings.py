"""Settings read from the environment: DEBUG is off unless set, production refuses to start unsafe, the task time
limits leave the mail and SMS timeouts room, time is the clinic's, SQLite is set up for web, worker and beat sharing
one file, and the opening hours are read or refused with a helpful sentence.

Settings are read once per process, so the environment-dependent ones are checked in a fresh `python` each time,
with an explicit environment and a throwaway SQLite file."""

import json
import os
import secrets
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from procedures.clinic_time import describe_opening_hours, opening_hours, parse_opening_hours
from tests.production import deployment_settings

BASE_DIR = Path(settings.BASE_DIR)
REFUSAL = "DEBUG is off, so SECRET_KEY must be set to a long random value (50+ characters)"


TIME_SETTINGS = ("CELERY_TASK_TIME_LIMIT", "EMAIL_TIMEOUT", "SMS_HTTP_TIMEOUT", "REMINDER_LEASE_SECONDS")


@pytest.fixture
def clean_env(tmp_path):
    """The environment of a fresh development process (DEBUG=true, as `make run` sets it): no SECRET_KEY, the
    default time limits, a database of its own."""
    env = os.environ.copy()
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "CLINIC_TIME_ZONE", "DJANGO_SETTINGS_MODULE", *TIME_SETTINGS):
        env.pop(name, None)
    env["DEBUG"] = "true"
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    return env


def run_manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_python(env, code: str) -> subprocess.CompletedProcess:
    """Run `code` after django.setup() in a fresh process."""
    env = env | {"DJANGO_SETTINGS_MODULE": "prepapp.settings"}
    return subprocess.run(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{code}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _dotenv_sets(name: str) -> bool:
    dotenv = BASE_DIR / ".env"
    return dotenv.exists() and any(line.strip().startswith(f"{name}=") for line in dotenv.read_text().splitlines())


# DEBUG is off unless set; production refuses to start without a real SECRET_KEY


def test_debug_is_off_unless_set(clean_env):
    if _dotenv_sets("DEBUG"):
        pytest.skip(".env sets DEBUG")
    env = {k: v for k, v in clean_env.items() if k != "DEBUG"} | {"SECRET_KEY": secrets.token_urlsafe(48)}
    code = "from django.conf import settings; print(settings.DEBUG, settings.SECURE_SSL_REDIRECT)"
    done = run_python(env, code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]


def test_without_debug_or_a_secret_key_it_refuses_to_start_and_says_what_to_do(clean_env):
    if _dotenv_sets("SECRET_KEY") or _dotenv_sets("DEBUG"):
        pytest.skip(".env sets SECRET_KEY or DEBUG")
    env = {k: v for k, v in clean_env.items() if k != "DEBUG"}
    done = run_manage(env, "check")
    assert done.returncode != 0
    assert REFUSAL in done.stderr
    assert "On a development machine, set DEBUG=true instead (make run does)." in done.stderr


def test_the_commands_that_develop_and_test_set_debug():
    makefile = (BASE_DIR / "Makefile").read_text()
    assert "run test: export DEBUG ?= true" in makefile
    assert "export DEBUG=true" in (BASE_DIR / ".ci" / "run").read_text()
    assert os.environ["DEBUG"] == "true"  # pytest-env, from pyproject.toml: a bare `pytest` too


def test_production_without_a_secret_key_refuses_to_start_and_says_why(clean_env):
    if _dotenv_sets("SECRET_KEY"):
        pytest.skip(".env sets SECRET_KEY, so this process cannot be started without one")
    done = run_manage(clean_env | {"DEBUG": "False"}, "check")
    assert done.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in done.stderr
    assert REFUSAL in done.stderr
    assert "secrets.token_urlsafe(64)" in done.stderr


@pytest.mark.parametrize(
    "secret_key",
    [
        pytest.param("", id="empty"),
        pytest.param("s" * 49, id="too-short"),
        pytest.param("django-insecure-dev-only-key-never-use-in-production", id="the-development-key"),
    ],
)
def test_production_with_a_weak_secret_key_refuses_to_start(clean_env, secret_key):
    done = run_python(clean_env | {"DEBUG": "False", "SECRET_KEY": secret_key}, "print('started')")
    assert done.returncode != 0
    assert "started" not in done.stdout
    assert REFUSAL in done.stderr


def test_development_starts_without_a_secret_key(clean_env):
    if _dotenv_sets("SECRET_KEY"):
        pytest.skip(".env sets SECRET_KEY")
    done = run_python(clean_env, "from django.conf import settings; print(settings.DEBUG, len(settings.SECRET_KEY))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "True"


def test_production_with_a_long_secret_key_passes_the_deployment_checks(clean_env):
    """Django's deployment checks and ours (prepapp/checks.py): not one warning with a deployment's settings."""
    env = clean_env | deployment_settings()
    assert len(env["SECRET_KEY"]) == 64
    done = run_manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_production_with_only_a_secret_key_is_refused_by_our_checks_with_each_fix(clean_env):
    """A SECRET_KEY alone starts nothing: the defaults that suit development are errors with DEBUG off."""
    env = clean_env | {"DEBUG": "False", "SECRET_KEY": secrets.token_urlsafe(48)}
    done = run_manage(env, "check", "--deploy")
    assert done.returncode != 0
    for error in ("prepapp.E001", "prepapp.E002", "prepapp.E003"):
        assert error in done.stderr
    assert "HINT: Set SITE_URL to the address patients open the site at" in done.stderr
    assert "prepapp.E004" not in done.stderr  # the default ALLOWED_HOSTS names hosts; only '*' is refused


# Task time limits: the soft limit leaves the mail and SMS timeouts room


def test_the_soft_time_limit_is_four_fifths_of_the_hard_one_and_outlasts_the_timeouts(clean_env):
    code = (
        "from django.conf import settings as s; "
        "print(s.CELERY_TASK_TIME_LIMIT, s.CELERY_TASK_SOFT_TIME_LIMIT, s.EMAIL_TIMEOUT, s.SMS_HTTP_TIMEOUT)"
    )
    done = run_python(clean_env, code)
    assert done.returncode == 0, done.stderr
    hard, soft, email, sms = (float(n) for n in done.stdout.split())
    assert (hard, soft) == (120, 96)
    assert soft > max(email, sms)

    done = run_python(clean_env | {"CELERY_TASK_TIME_LIMIT": "20", "EMAIL_TIMEOUT": "5"}, code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:2] == ["20", "16.0"]  # not 20 - 30, floored at 1 s, as it was


def test_settings_refuse_a_soft_limit_shorter_than_the_email_timeout(clean_env):
    done = run_python(clean_env | {"CELERY_TASK_TIME_LIMIT": "20"}, "print('started')")
    assert done.returncode != 0
    assert "started" not in done.stdout
    assert (
        "CELERY_TASK_TIME_LIMIT=20 gives a send 16 s (80%) before its soft time limit, which must be longer than "
        "EMAIL_TIMEOUT (30 s) and SMS_HTTP_TIMEOUT (10 s), so that a hung mail server or SMS provider fails the send "
        "(to be retried) before Celery stops it: set CELERY_TASK_TIME_LIMIT to 38 or more, or lower the timeouts."
    ) in done.stderr


def test_settings_refuse_a_soft_limit_no_longer_than_the_sms_timeout(clean_env):
    env = clean_env | {"CELERY_TASK_TIME_LIMIT": "40", "EMAIL_TIMEOUT": "10", "SMS_HTTP_TIMEOUT": "32"}
    done = run_python(env, "print('started')")
    assert done.returncode != 0
    assert "SMS_HTTP_TIMEOUT (32 s)" in done.stderr
    assert "set CELERY_TASK_TIME_LIMIT to 41 or more" in done.stderr


# Time


def test_times_are_stored_in_utc_and_shown_in_the_clinics_zone():
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == settings.CLINIC_TIME_ZONE
    assert settings.CELERY_TIMEZONE == "UTC"


def test_the_clinic_time_zone_comes_from_the_environment_and_is_the_django_time_zone(clean_env):
    done = run_python(
        clean_env | {"CLINIC_TIME_ZONE": "America/New_York"},
        "from django.conf import settings; print(settings.TIME_ZONE, settings.CLINIC_TIME_ZONE)",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["America/New_York", "America/New_York"]


def test_the_clinic_time_zone_defaults_to_london(clean_env):
    done = run_python(clean_env, "from django.conf import settings; print(settings.TIME_ZONE)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Europe/London"


# Databases


def test_a_sqlite_database_file_runs_in_wal_mode_with_immediate_transactions(clean_env, tmp_path):
    code = """
import json
from django.db import connection
with connection.cursor() as cursor:
    pragmas = {}
    for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout"):
        cursor.execute(f"PRAGMA {name}")
        pragmas[name] = cursor.fetchone()[0]
pragmas["transaction_mode"] = connection.transaction_mode
print(json.dumps(pragmas))
"""
    done = run_python(clean_env, code)
    assert done.returncode == 0, done.stderr
    pragmas = json.loads(done.stdout.strip().splitlines()[-1])
    assert pragmas["journal_mode"] == "wal"
    assert pragmas["synchronous"] == 1  # NORMAL
    assert pragmas["foreign_keys"] == 1
    assert pragmas["busy_timeout"] == 30_000
    assert pragmas["transaction_mode"] == "IMMEDIATE"
    # WAL is a property of the file: any later process (worker, beat) opening it is in WAL mode too.
    with closing(sqlite3.connect(tmp_path / "x.sqlite3")) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_postgresql_gets_persistent_checked_connections_and_no_sqlite_options(clean_env):
    code = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({k: db.get(k) for k in ("ENGINE", "NAME", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS")}))
"""
    done = run_python(clean_env | {"DATABASE_URL": "postgres://clinic@db.example:5432/ductogram"}, code)
    assert done.returncode == 0, done.stderr
    db = json.loads(done.stdout.strip().splitlines()[-1])
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["NAME"] == "ductogram"
    assert db["CONN_MAX_AGE"] == 60
    assert db["CONN_HEALTH_CHECKS"] is True
    assert "init_command" not in (db["OPTIONS"] or {})


# Opening hours


def test_the_default_opening_hours_are_weekdays_eight_to_six():
    hours = parse_opening_hours("Mon-Fri 08:00-18:00")
    assert hours == {day: (time(8), time(18)) for day in range(5)}


def test_opening_hours_can_add_a_saturday_morning():
    hours = parse_opening_hours("Mon-Fri 08:00-18:00; Sat 09:00-12:00")
    assert hours[5] == (time(9), time(12))
    assert hours[0] == hours[4] == (time(8), time(18))
    assert 6 not in hours


def test_opening_hours_accept_full_day_names_capitals_and_a_trailing_semicolon():
    hours = parse_opening_hours(" MONDAY-wednesday 07:30-19:00 ; Thursday 08:00-13:00; ")
    assert hours == {
        0: (time(7, 30), time(19)),
        1: (time(7, 30), time(19)),
        2: (time(7, 30), time(19)),
        3: (time(8), time(13)),
    }


@pytest.mark.parametrize(
    "spec, message",
    [
        ("Mon-Fri 8-18", "CLINIC_OPENING_HOURS: cannot read 'Mon-Fri 8-18'; write it like 'Mon-Fri 08:00-18:00'."),
        ("Mon-Fri", "CLINIC_OPENING_HOURS: cannot read 'Mon-Fri'; write it like 'Mon-Fri 08:00-18:00'."),
        (
            "Funday 08:00-18:00",
            "CLINIC_OPENING_HOURS: cannot read 'Funday 08:00-18:00'; write it like 'Mon-Fri 08:00-18:00'.",
        ),
        (
            "Mon - Fri 08:00-18:00",
            "CLINIC_OPENING_HOURS: cannot read 'Mon - Fri 08:00-18:00'; write it like 'Mon-Fri 08:00-18:00'.",
        ),
        ("Mon-Fri 18:00-08:00", "CLINIC_OPENING_HOURS: 'Mon-Fri 18:00-08:00' closes before it opens."),
        ("Sat 09:00-09:00", "CLINIC_OPENING_HOURS: 'Sat 09:00-09:00' closes before it opens."),
        (
            "Fri-Mon 08:00-18:00",
            "CLINIC_OPENING_HOURS: 'Fri-Mon 08:00-18:00' names its days backwards; write the earlier day first.",
        ),
    ],
)
def test_opening_hours_that_cannot_be_read_are_refused_with_a_helpful_sentence(spec, message):
    with pytest.raises(ImproperlyConfigured) as exc:
        parse_opening_hours(spec)
    assert str(exc.value) == message


def test_the_clinic_uses_the_opening_hours_it_is_configured_with(settings):
    settings.CLINIC_OPENING_HOURS = "Tue 10:00-14:00"
    assert opening_hours() == {1: (time(10), time(14))}
    assert describe_opening_hours() == "Tue 10:00-14:00"
