"""The FHIR API's HTTP side, shared by every endpoint: JSON only, bearer tokens, every error an OperationOutcome,
every call recorded.

`@endpoint()` wraps a view `view(request, client, **kwargs) -> dict | (dict, status) | (dict, status, headers)`:
it refuses a method the view does not take (405), a format other than JSON (406: `_format=json`, `application/json`
and `application/fhir+json` are accepted, as is an Accept header that allows any of them), authenticates the bearer
token (401; with `authenticated=False`, as for /fhir/metadata, none is needed), turns any `FhirError` into its
OperationOutcome and records the call (procedures.fhir.auth.record_call). It is CSRF-exempt: clients send tokens,
not cookies.
"""

from __future__ import annotations

import json
import logging
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .auth import authenticate, record_call
from .errors import FhirError

logger = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
FORMATS = {"json", "application/json", FHIR_JSON, "application/json+fhir"}
MEDIA_RANGES = {"*/*", "application/*", "application/json", FHIR_JSON, "application/json+fhir"}


def fhir_response(data: dict, status: int = 200, *, pretty: bool = False) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, indent=2 if pretty else None, separators=None if pretty else (",", ":"))
    return HttpResponse(body, status=status, content_type=f"{FHIR_JSON}; charset=utf-8")


def _accepts_json(accept: str) -> bool:
    """Whether an Accept header allows a JSON answer (a media range it names with q above 0)."""
    for item in accept.split(","):
        media, *params = [part.strip().lower() for part in item.split(";")]
        refused = any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params)
        if media in MEDIA_RANGES and not refused:
            return True
    return False


def check_format(request: HttpRequest) -> None:
    """406 unless the answer may be JSON: `_format` (if given) wins over the Accept header."""
    formats = request.GET.getlist("_format")
    if formats:
        for given in formats:
            if given.strip().lower() not in FORMATS:
                raise FhirError(406, "not-supported", f"Only JSON is served: _format=json, not '{given[:40]}'.")
        return
    accept = request.headers.get("Accept", "").strip()
    if accept and not _accepts_json(accept):
        raise FhirError(406, "not-supported", f"Only JSON ({FHIR_JSON}) is served; the Accept header allows none.")


def _pretty(request: HttpRequest) -> bool:
    return request.GET.get("_pretty", "").strip().lower() == "true"


def endpoint(*, authenticated: bool = True, methods: tuple[str, ...] = ("GET",)):
    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            client = None
            headers: dict[str, str] = {}
            try:
                if request.method not in methods:
                    headers["Allow"] = ", ".join(methods)
                    raise FhirError(
                        405, "not-supported", f"{request.method} is not served here ({', '.join(methods)})."
                    )
                check_format(request)
                if authenticated:
                    client = authenticate(request)
                answer = view(request, client, *args, **kwargs)
                data, status, *more = answer if isinstance(answer, tuple) else (answer, 200)
                headers.update(*more)
                response = fhir_response(data, status, pretty=_pretty(request))
            except FhirError as exc:
                headers.update(exc.headers)
                response = fhir_response(exc.as_json(), exc.status, pretty=_pretty(request))
            except Exception:
                logger.exception("FHIR API error on %s %s", request.method, request.get_full_path()[:200])
                response = fhir_response(
                    FhirError(500, "exception", "Something went wrong on the server; it has been logged.").as_json(),
                    500,
                )
            for name, value in headers.items():
                response[name] = value
            record_call(request, response.status_code, client)
            return response

        return wrapped

    return decorator
