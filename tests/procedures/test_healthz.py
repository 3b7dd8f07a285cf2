"""/healthz: what a load balancer (or a person at 3 a.m.) asks of the service."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reminders import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache")]


def test_healthz_is_ok_when_the_database_redis_and_a_recent_dispatch_are_there(client):
    services.dispatch_due()
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "beat": "ok"}


def test_healthz_fails_when_beat_has_not_dispatched_for_too_long(client):
    services.dispatch_due(now=timezone.now() - timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["beat"].startswith("error: last dispatch")


def test_healthz_fails_when_redis_does_not_answer(client, settings):
    services.dispatch_due()
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")
