"""Errors to Sentry when SENTRY_DSN is set: from the web (Django), the workers and beat (Celery), with Redis calls as
breadcrumbs, and no patient data (prepapp.observability.scrub).

Called from settings, so every process that loads them (web, worker, beat, manage.py) reports the same way.
"""

from __future__ import annotations

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.redis import RedisIntegration

from .logs import current_request_id
from .scrub import scrub_breadcrumb, scrub_event


def before_send(event: dict, hint: dict) -> dict:
    """Tag the event with the request's id (as its log lines carry it), then scrub it."""
    if request_id := current_request_id():
        event.setdefault("tags", {})["request_id"] = request_id
    return scrub_event(event, hint)


def init_sentry(dsn: str, *, environment: str, traces_sample_rate: float = 0.0, transport: Any = None) -> bool:
    """Start reporting to Sentry when `dsn` is set; returns whether it did. `transport` is for tests: they capture
    the envelopes instead of sending them."""
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration(), RedisIntegration()],
        # Nothing about people: send_default_pii stays off (its default: no user, client address or cookies); no
        # request bodies or local variables (where names and answers live, and no pattern finds a name); the rest is
        # scrubbed before it leaves.
        include_local_variables=False,
        max_request_body_size="never",
        before_send=before_send,
        before_send_transaction=before_send,
        before_breadcrumb=scrub_breadcrumb,
        traces_sample_rate=traces_sample_rate,
        transport=transport,
    )
    return True
