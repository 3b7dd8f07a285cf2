"""Staff pages for what patients send from their page: requests to move or cancel (`/requests/`) and the call
list (`/calls/`: safety answers that may stop the exam, preparation unread two days before).

Staff act with the existing services: a reschedule on the appointment's own page, a cancellation through
`services.cancel_appointment`; closing a request and logging a call are `procedures.patient_services`.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from . import patient_services, services
from .models import Appointment, PatientRequest
from .patient_flags import CALL_LIST_DAYS, call_list
from .views import ATTEND, MOVE, staff_required

RECENTLY_DONE = 20


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    hosts = {request.get_host()}
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts=hosts, require_https=request.is_secure())
    return redirect(target if safe else default)


@require_GET
@staff_required()
def requests_list(request: HttpRequest) -> HttpResponse:
    """Open requests, oldest first (they have waited longest), then the last few dealt with."""
    related = ("appointment__patient", "appointment__room", "handled_by")
    waiting = list(
        PatientRequest.objects.filter(status=PatientRequest.Status.OPEN).select_related(*related).order_by("created_at")
    )
    for r in waiting:
        # Staff may have moved or cancelled it already (from the appointment page): say so, so they close it.
        r.changed_since = r.appointment.status_changed_at > r.created_at
    done = PatientRequest.objects.filter(status=PatientRequest.Status.DONE).select_related(*related)
    return render(
        request,
        "patient/staff/requests.html",
        {
            "waiting": waiting,
            "done": done.order_by("-handled_at")[:RECENTLY_DONE],
            "can_handle": request.user.has_perms(ATTEND),
            "can_cancel": request.user.has_perms(MOVE),
            "here": request.get_full_path(),
        },
    )


@require_POST
@staff_required(*ATTEND)
def request_done(request: HttpRequest, pk: int) -> HttpResponse:
    patient_request = get_object_or_404(PatientRequest.objects.select_related("appointment__patient"), pk=pk)
    patient_services.close_request(patient_request, by=request.user, note=request.POST.get("note", ""))
    messages.success(request, f"{patient_request.appointment.patient.full_name}'s request is marked as dealt with.")
    return _back(request, reverse("procedures:requests"))


@require_POST
@staff_required(*MOVE)
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel as the patient asked, through the booking service, and close the request: both or neither."""
    patient_request = get_object_or_404(PatientRequest.objects.select_related("appointment__patient"), pk=pk)
    name = patient_request.appointment.patient.full_name
    try:
        patient_services.cancel_as_requested(patient_request, by=request.user, reason=request.POST.get("reason", ""))
    except services.BookingError as exc:
        messages.error(request, f"{name}: {exc}")
    else:
        messages.success(request, f"Cancelled {name}'s appointment as asked; a cancellation notice goes out.")
    return _back(request, reverse("procedures:requests"))


@require_GET
@staff_required()
def calls(request: HttpRequest) -> HttpResponse:
    """Whom to call: the coming two weeks' patients whose answers may stop the exam, or who have not read the
    preparation two days before."""
    return render(
        request,
        "patient/staff/calls.html",
        {
            "rows": call_list(),
            "days": CALL_LIST_DAYS,
            "can_handle": request.user.has_perms(ATTEND),
            "here": request.get_full_path(),
        },
    )


@require_POST
@staff_required(*ATTEND)
def log_call(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_object_or_404(Appointment.objects.select_related("patient"), pk=pk)
    patient_services.log_call(appointment, by=request.user, note=request.POST.get("note", ""))
    messages.success(request, f"Logged a call to {appointment.patient.full_name}.")
    return _back(request, reverse("procedures:appointment", args=[appointment.pk]))
