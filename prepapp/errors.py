"""Error pages Django does not route through a view of ours: a page not found, a form posted without a valid CSRF
token, and a sign-in locked after too many wrong passwords. The first two, reached from a patient's link, answer in
the patient's language (procedures.patient_page.language); staff's stay in English.

None of them reads the request's form. Django's own error views run the CSRF check first (`requires_csrf_token`),
which reads request.POST: when the form itself was the error (too many fields, too big, unreadable), it raises
again, and the 400 becomes a bare 500 without our headers. Ours call Django's views without that check."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views import defaults

from procedures.patient_page.language import is_patient_link, render_for_patient

PATIENT_NAMESPACE = "patient"


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: the same page for every reason a link fails; from a patient's link, in their language (the
    patient's own when the link still names them, as an expired one does)."""
    if is_patient_link(request):
        return render_for_patient(request, "404.html", status=404)
    return defaults.page_not_found.__wrapped__(request, exception)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: Django's page, without the CSRF check that would read the form that was just refused."""
    return defaults.bad_request.__wrapped__(request, exception)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: Django's page, without reading the form."""
    return defaults.permission_denied.__wrapped__(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django's page, without reading the form."""
    return defaults.server_error.__wrapped__(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW. Usually the page sat open until its cookie expired, or the browser dropped the cookie: say
    so and what to do (go back, reload, send again), on the patient's page in its own plain style."""
    match = getattr(request, "resolver_match", None)
    if match is not None and PATIENT_NAMESPACE in match.namespaces:
        try:
            back = reverse(f"{PATIENT_NAMESPACE}:page", args=[match.kwargs["token"]])
        except (KeyError, NoReverseMatch):
            back = ""
        return render_for_patient(request, "403_csrf_patient.html", {"back": back}, status=403)
    return render(request, "403_csrf.html", status=403)


def locked_out(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: axes' own lockout page (429), with Retry-After saying when signing in may be tried
    again (the cool-off, counted from the last wrong password at most), as RFC 9110 asks of a 429."""
    from axes.helpers import get_client_username, get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
        "cooloff_timedelta": cool_off,
    }
    response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
