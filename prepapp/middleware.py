"""Headers every page carries: no browser features it does not use, and no copy kept by the browser or a proxy; and
no request in a charset we cannot read gets as far as a form.

Static files are served by whitenoise before this middleware runs, so they stay cacheable.
"""

import codecs

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.cache import patch_cache_control


def permissions_policy(features: dict[str, list[str]]) -> str:
    """The Permissions-Policy header for {feature: allowlist}: `camera=()` (nobody), `fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in features.items())


class PrivatePagesMiddleware:
    """Permissions-Policy from PERMISSIONS_POLICY on every response, and `Cache-Control: no-store, private` on every
    page: staff pages and the patient's page show patient data, which must not stay in a shared computer's cache or
    come back with its back button (a view's own stricter directives, such as never_cache's, are kept)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = permissions_policy(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        patch_cache_control(response, no_store=True, private=True)
        return response


# Where the Django admin is mounted (prepapp/urls.py).
ADMIN_PREFIX = "/admin/"


class NulInQueryMiddleware:
    """In the admin, a query string with a NUL (\\x00) in any parameter's name or value answers 400: PostgreSQL
    refuses the character in text, and the admin's list filters, search and autocomplete passed it to a query (a
    500). Our own pages read their parameters through procedures.params and procedures.text, which answer it with
    their usual page (tests/procedures/test_query_parameters.py). NUL is the one character PostgreSQL refuses: the
    query string is decoded with replacement, so nothing else unstorable is left. Placed below the header
    middleware, so the 400 carries every header a page does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(ADMIN_PREFIX) and any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest("A query parameter holds a NUL character.", content_type="text/plain")
        return self.get_response(request)


# The charsets a request body may name: UTF-8 (any spelling) and US-ASCII, its subset. Our pages and forms are
# UTF-8, the SMS gateway and the email providers post UTF-8, and Django reads a urlencoded form in UTF-8 only.
READABLE_CHARSETS = {"utf-8", "ascii"}
UNREADABLE_CHARSET = "This request names a character set this site does not read: send it as UTF-8."


class ReadableCharsetMiddleware:
    """A request whose Content-Type names a charset other than UTF-8 (utf-16, utf-32, cp500, utf-7, latin-1, a name
    Python does not know) answers 400 in plain text, before anything reads its form. Django refuses such a form
    where it is first read (the CSRF check, a webhook's signature check), and its error views then run the CSRF check
    again, read the form again and fail again: a 500 without our headers. A UTF-8 charset spelled otherwise (`utf8`,
    `UTF_8`, `us-ascii`) is read as `utf-8`, the one spelling Django accepts for a form.

    Below the header middlewares, so the 400 carries every header a page does; its `__call__` runs before any view
    hook (CsrfViewMiddleware.process_view reads the form), so it may sit anywhere in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        charset = request.content_params.get("charset") if hasattr(request, "content_params") else None
        if charset is not None:
            if codec_name(charset) not in READABLE_CHARSETS:
                return HttpResponseBadRequest(UNREADABLE_CHARSET, content_type="text/plain; charset=utf-8")
            request.encoding = "utf-8"
        return self.get_response(request)


def codec_name(charset: str) -> str | None:
    """Python's name for `charset` (`UTF8` -> `utf-8`, `us-ascii` -> `ascii`), or None for a name it does not know."""
    try:
        return codecs.lookup(charset.strip()).name
    except (LookupError, ValueError):
        return None
