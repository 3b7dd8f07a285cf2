"""The Celery app: broker on Redis, JSON only, acknowledged after the work is done."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prepapp.settings")

app = Celery("prepapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def refuse_unsafe_production(**kwargs) -> None:
    """The worker and beat refuse to start on the production settings a deployment gets wrong (prepapp/checks.py),
    as the web does. Celery logs and ignores a signal handler's exception, so the refusal is an exit, with the fix."""
    import django
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    from prepapp.checks import refuse_unsafe_production as refuse

    if not apps.ready:  # Celery's Django fixup has set Django up by now; the checks need the apps ready
        django.setup()
    try:
        refuse()
    except ImproperlyConfigured as refusal:
        raise SystemExit(str(refusal)) from None
