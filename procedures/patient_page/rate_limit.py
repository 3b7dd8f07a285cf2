"""Every patient page and tap is rate limited per client address, so tokens cannot be guessed by brute force; and
answers in the patient's language (`language`)."""

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .language import in_patient_language


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind PATIENT_PAGE_TRUSTED_PROXIES proxies the address the nearest
    of them put in X-Forwarded-For (the entries further left are the client's to write, so are not trusted)."""
    proxies = getattr(settings, "PATIENT_PAGE_TRUSTED_PROXIES", 0)
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "?")


def rate_limited(view):
    """A fixed window per client address (PATIENT_PAGE_RATE_LIMIT requests per PATIENT_PAGE_RATE_WINDOW seconds).
    Behind a proxy, see PATIENT_PAGE_TRUSTED_PROXIES."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        window = settings.PATIENT_PAGE_RATE_WINDOW
        now = int(timezone.now().timestamp())
        key = f"patient-page:{client_address(request)}:{now // window}"
        try:
            cache.add(key, 0, timeout=window)
            hits = cache.incr(key)
        except Exception:  # noqa: BLE001 - a cache outage must not lock patients out of their page
            hits = 0
        if hits > settings.PATIENT_PAGE_RATE_LIMIT:
            response = HttpResponse(
                gettext("Too many requests from your address. Please wait a few minutes and try again."),
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            # The window is fixed, so the count starts again when it ends.
            response["Retry-After"] = str(window - now % window)
            return response
        return view(request, *args, **kwargs)

    return wrapped


def patient_view(*methods: str):
    """In the patient's language, rate limited, never cached (a shared phone's back button must not show someone's
    page), given methods."""

    def decorator(view):
        return in_patient_language(rate_limited(never_cache(require_http_methods(list(methods))(view))))

    return decorator
