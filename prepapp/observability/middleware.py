"""Every request gets an id (the proxy's X-Request-ID, or one made here) that its log lines and Sentry events carry
and its response returns, and its time is observed for /metrics."""

from __future__ import annotations

import time

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

from .logs import request_id_from, set_request_id
from .metrics import observe_request


class RequestMiddleware:
    """First in MIDDLEWARE, so the id is there for everything below and the time covers it all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        # Kept until the response closes, not reset on the way out: Django logs a 4xx after the middleware returns.
        set_request_id(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        observe_request(request, response, time.perf_counter() - started)
        response.headers.setdefault("X-Request-ID", request_id)
        return response


def _request_over(**kwargs) -> None:
    set_request_id(None)


request_finished.connect(_request_over, weak=False, dispatch_uid="prepapp-request-id")
