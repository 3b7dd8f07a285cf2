"""The Celery app: broker on Redis, JSON only, acknowledged after the work is done."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prepapp.settings")

app = Celery("prepapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
