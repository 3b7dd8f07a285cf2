"""The settings a real deployment gets wrong, refused at start-up: with DEBUG off, each of these is an error, with
the fix in its hint, so that `manage.py check`, `migrate` and `make serve` stop on it, and so do gunicorn and the
Celery worker and beat (prepapp/wsgi.py, prepapp/celery.py), which run no system checks of their own to a refusal.

- SITE_URL not https: every reminder's link to the patient's page would be plain http (or point at localhost);
- email still going nowhere (EMAIL_URL's console default, or a file, memory or dummy backend) while reminders go by
  email: patients would get nothing, and nobody would be told;
- SMS_BACKEND still a development one (the console, a file, memory) while reminders go by text: the same;
- a wildcard in ALLOWED_HOSTS: any Host header is believed, so links built from it can be poisoned.

With DEBUG on (development, the tests) they say nothing: the defaults are right there.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

TAG = "production"

EMAIL_GOING_NOWHERE = {
    "django.core.mail.backends.console.EmailBackend": "the console (EMAIL_URL's default, consolemail://)",
    "django.core.mail.backends.filebased.EmailBackend": "files (filemail://)",
    "django.core.mail.backends.locmem.EmailBackend": "memory (memorymail://)",
    "django.core.mail.backends.dummy.EmailBackend": "nowhere (dummymail://)",
}
SMS_GOING_NOWHERE = {
    "ConsoleSMSBackend": "the console (SMS_BACKEND's default)",
    "FileSMSBackend": "a file (SMS_FILE_PATH)",
    "LocMemSMSBackend": "memory",
}


def _reminders_go_by(slug: str) -> bool:
    from reminders.channels import channels

    return slug in channels()


@checks.register(TAG)
def production_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """prepapp.E001-E004, only with DEBUG off."""
    if settings.DEBUG:
        return []
    errors = []
    site = urlsplit(settings.SITE_URL)
    if site.scheme != "https" or site.hostname in (None, "localhost", "127.0.0.1", "::1"):
        errors.append(
            checks.Error(
                f"SITE_URL is {settings.SITE_URL!r}: the links in patients' reminders must be the clinic's https "
                "address, and this is not one.",
                hint="Set SITE_URL to the address patients open the site at, with https and no trailing slash, e.g. "
                "SITE_URL=https://ductogram.example-hospital.nhs.uk",
                id="prepapp.E001",
            )
        )
    where = EMAIL_GOING_NOWHERE.get(settings.EMAIL_BACKEND)
    if where and _reminders_go_by("email"):
        errors.append(
            checks.Error(
                f"Email goes to {where}, so no patient would receive an email reminder.",
                hint="Set EMAIL_URL to the mail server (smtp+tls://user:password@smtp.example.org:587), or "
                "ANYMAIL_PROVIDER and its key to send through an email provider (see the README's 'Email providers').",
                id="prepapp.E002",
            )
        )
    sms_class = settings.SMS_BACKEND.rsplit(".", 1)[-1]
    if sms_class in SMS_GOING_NOWHERE and _reminders_go_by("sms"):
        errors.append(
            checks.Error(
                f"SMS_BACKEND is {settings.SMS_BACKEND}: texts go to {SMS_GOING_NOWHERE[sms_class]}, so no patient "
                "would receive a text reminder.",
                hint="Set SMS_BACKEND=reminders.providers.http_sms.HTTPSMSBackend with SMS_HTTP_ACCOUNT_SID, "
                "SMS_HTTP_AUTH_TOKEN and SMS_FROM, or leave reminders.channels.sms.SmsChannel out of "
                "REMINDER_CHANNELS.",
                id="prepapp.E003",
            )
        )
    if "*" in settings.ALLOWED_HOSTS:
        errors.append(
            checks.Error(
                "ALLOWED_HOSTS contains '*': any Host header would be believed, and the addresses the site builds "
                "from it could point patients and staff elsewhere.",
                hint="Set ALLOWED_HOSTS to the names the site answers to, comma-separated, e.g. "
                "ALLOWED_HOSTS=ductogram.example-hospital.nhs.uk",
                id="prepapp.E004",
            )
        )
    return errors


def refuse_unsafe_production() -> None:
    """For the processes no management command starts (gunicorn's workers, Celery's worker and beat): raise
    ImproperlyConfigured with every error above and its fix. Only this file's checks: cheap, no database."""
    errors = [message for message in checks.run_checks(tags=[TAG]) if message.is_serious()]
    if errors:
        said = "\n".join(f"{error.id}: {error.msg}\n    HINT: {error.hint}" for error in errors)
        raise ImproperlyConfigured(f"These production settings must be fixed before the site starts:\n{said}")
