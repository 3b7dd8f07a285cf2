"""Headers every page carries: no browser features it does not use, and no copy kept by the browser or a proxy.

Static files are served by whitenoise before this middleware runs, so they stay cacheable.
"""

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


class NulInQueryMiddleware:
    """A query string with a NUL (\\x00) in any parameter's name or value answers 400: PostgreSQL refuses the
    character in text, so any filter, search or lookup that passed it to a query was a 500 (the admin's list filters,
    its search and its autocomplete among them). No form, link or browser of ours sends one. NUL is the one
    character PostgreSQL refuses: the query string is decoded with replacement, so nothing else unstorable is left.
    Placed below the header middleware, so the 400 carries every header a page does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return HttpResponseBadRequest("A query parameter holds a NUL character.", content_type="text/plain")
        return self.get_response(request)
