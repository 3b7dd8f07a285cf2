"""The patient's page behind the private link in every reminder: /p/<token>/.

No login: the signed token is the key. Every way a link can be wrong (tampered, unknown, for a cancelled
appointment, or its day over) gives the same 404, so a link reveals nothing about whether an appointment exists.
"""

from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from reminders import services as reminders

from . import services
from .links import appointment_id_from_token
from .models import Appointment, FaqEntry


def rate_limited(view):
    """A fixed window per client address (PATIENT_PAGE_RATE_LIMIT requests per PATIENT_PAGE_RATE_WINDOW seconds),
    so tokens cannot be guessed by brute force. Behind a proxy, the proxy must pass the client's REMOTE_ADDR."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        window = settings.PATIENT_PAGE_RATE_WINDOW
        key = f"patient-page:{request.META.get('REMOTE_ADDR', '?')}:{int(timezone.now().timestamp()) // window}"
        try:
            cache.add(key, 0, timeout=window)
            hits = cache.incr(key)
        except Exception:  # noqa: BLE001 - a cache outage must not lock patients out of their page
            hits = 0
        if hits > settings.PATIENT_PAGE_RATE_LIMIT:
            return HttpResponse(
                "Too many requests from your address. Please wait a few minutes and try again.",
                status=429,
                content_type="text/plain; charset=utf-8",
            )
        return view(request, *args, **kwargs)

    return wrapped


def appointment_for(token: str) -> Appointment:
    """The appointment a token names, while its link is still good; otherwise 404, the same for every reason."""
    appointment_id = appointment_id_from_token(token)
    appointment = (
        Appointment.objects.select_related("patient", "procedure_type", "room").filter(pk=appointment_id).first()
        if appointment_id
        else None
    )
    if (
        appointment is None
        or appointment.status in (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW)
        or timezone.localtime(appointment.scheduled_start).date() < timezone.localdate()
    ):
        raise Http404("No such page.")
    return appointment


def _faq_by_topic(appointment: Appointment) -> "OrderedDict[str, list[FaqEntry]]":
    labels = dict(FaqEntry.Topic.choices)
    grouped: OrderedDict[str, list[FaqEntry]] = OrderedDict((label, []) for label in labels.values())
    for entry in FaqEntry.objects.filter(procedure_type=appointment.procedure_type, is_active=True):
        grouped[labels[entry.topic]].append(entry)
    return OrderedDict((topic, entries) for topic, entries in grouped.items() if entries)


@rate_limited
@require_http_methods(["GET", "HEAD"])
def page(request: HttpRequest, token: str) -> HttpResponse:
    appointment = appointment_for(token)
    preparation = [line.lstrip("-• ").strip() for line in appointment.procedure_type.preparation.splitlines()]
    return render(
        request,
        "patient/page.html",
        {
            "token": token,
            "appointment": appointment,
            "given_name": appointment.patient.given_name,
            "start": timezone.localtime(appointment.scheduled_start),
            "arrival": timezone.localtime(appointment.arrival_time),
            "preparation": [line for line in preparation if line],
            "faq": _faq_by_topic(appointment),
            "confirmed": appointment.status == Appointment.Status.CONFIRMED,
            "opted_out": appointment.patient.reminders_opt_out_at is not None,
        },
    )


@rate_limited
@require_POST
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    appointment = appointment_for(token)
    try:
        services.confirm_attendance(appointment)
    except services.BookingError:
        messages.info(request, "Your appointment is already under way, so there is nothing to confirm.")
    else:
        messages.success(request, "Thank you: we have recorded that you are coming.")
    return redirect("patient:page", token=token)


@rate_limited
@require_http_methods(["GET", "HEAD", "POST"])
def stop(request: HttpRequest, token: str) -> HttpResponse:
    """A confirmation step first: a link preview or a mistaken tap must not opt anyone out."""
    appointment = appointment_for(token)
    if request.method == "POST":
        reminders.opt_out(appointment.patient)
        return render(request, "patient/stopped.html", {"token": token, "appointment": appointment})
    return render(request, "patient/stop.html", {"token": token, "appointment": appointment})
