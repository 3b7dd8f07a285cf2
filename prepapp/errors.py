"""Error pages Django does not route through a view of ours: a form posted without a valid CSRF token."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

PATIENT_NAMESPACE = "patient"


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW. Usually the page sat open until its cookie expired, or the browser dropped the cookie: say
    so and what to do (go back, reload, send again), on the patient's page in its own plain style."""
    match = getattr(request, "resolver_match", None)
    if match is not None and PATIENT_NAMESPACE in match.namespaces:
        try:
            back = reverse(f"{PATIENT_NAMESPACE}:page", args=[match.kwargs["token"]])
        except (KeyError, NoReverseMatch):
            back = ""
        return render(request, "403_csrf_patient.html", {"back": back}, status=403)
    return render(request, "403_csrf.html", status=403)
