"""A real deployment's environment, for the tests that start the project as production does (DEBUG off): every
setting prepapp/checks.py refuses a deployment without (an https SITE_URL, a mail server, an SMS provider, named
hosts), pointing at nothing that is reached unless a test says so.

Settings are read once per process, so these tests start their own processes (manage.py, gunicorn, Celery) with it."""

from __future__ import annotations

import os
import secrets


def deployment_settings() -> dict[str, str]:
    """What a deployment sets beyond the defaults, with a fresh SECRET_KEY."""
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "clinic.example,127.0.0.1",
        "SITE_URL": "https://clinic.example",
        "EMAIL_URL": "smtp+tls://reminders:not-a-password@smtp.clinic.example:587",
        "SMS_BACKEND": "reminders.providers.http_sms.HTTPSMSBackend",
        "SMS_HTTP_ACCOUNT_SID": "AC00000000000000000000000000000000",
        "SMS_HTTP_AUTH_TOKEN": "not-a-token",
        "SMS_FROM": "+447700900000",
    }


def production_env(**overrides: str) -> dict[str, str]:
    """This process's environment less pytest's (and its DEBUG=true), plus a deployment's settings and `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))}
    return env | deployment_settings() | overrides
