"""Staff pages for what patients send from their page: requests to move or cancel (`/requests/`) and the call
list (`/calls/`: safety answers that may stop the exam, preparation unread two days before).

Staff act with the existing services: a reschedule on the appointment's own page, a cancellation through
`procedures.services.cancel_appointment`; closing a request and logging a call are in `.services`. What the pages
show comes from `.selectors`.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .. import noshow
from ..access import ATTEND, MOVE, can_attend, can_move, staff_required
from ..models import Appointment, PatientRequest
from ..services import BookingError
from ..worklist.selectors import safe_next
from .forms import CallNoteForm, RequestCancelForm, RequestDoneForm
from .selectors import CALL_LIST_DAYS, call_list, recently_done, waiting_requests
from .services import cancel_as_requested, close_request, log_call, move_as_requested


def _next(request: HttpRequest, default: str) -> str:
    """Where the form was (the posted `next`), if it is a path on this site; otherwise `default`."""
    return safe_next(request.POST.get("next"), host=request.get_host(), secure=request.is_secure(), default=default)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    # Not redirect(): it would try a `next` such as "calls" as a URL name, and fail.
    return HttpResponseRedirect(_next(request, default))


def _fix(request: HttpRequest, form, *, title: str, button: str, default: str) -> HttpResponse:
    """What staff typed did not validate: the form again on a page of its own, with what they typed and why."""
    back = _next(request, default)
    return render(
        request,
        "patient/staff/fix_form.html",
        {"form": form, "title": title, "button": button, "action": request.path, "next": back},
        status=400,
    )


@require_GET
@staff_required()
def requests_list(request: HttpRequest) -> HttpResponse:
    """Open requests, oldest first (they have waited longest), then the last few dealt with."""
    return render(
        request,
        "patient/staff/requests.html",
        {
            "waiting": waiting_requests(),
            "done": recently_done(),
            "can_handle": can_attend(request.user),
            "can_cancel": can_move(request.user),
        },
    )


@require_POST
@staff_required(*ATTEND)
def request_done(request: HttpRequest, pk: int) -> HttpResponse:
    patient_request = get_object_or_404(PatientRequest.objects.select_related("appointment__patient"), pk=pk)
    form = RequestDoneForm(request.POST)
    if not form.is_valid():
        name = patient_request.appointment.patient.full_name
        return _fix(
            request,
            form,
            title=f"Mark {name}'s request as dealt with",
            button="Mark as dealt with",
            default=reverse("procedures:requests"),
        )
    close_request(patient_request, by=request.user, note=form.cleaned_data["note"])
    messages.success(request, f"{patient_request.appointment.patient.full_name}'s request is marked as dealt with.")
    return _back(request, reverse("procedures:requests"))


@require_POST
@staff_required(*MOVE)
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel as the patient asked, through the booking service, and close the request: both or neither."""
    patient_request = get_object_or_404(PatientRequest.objects.select_related("appointment__patient"), pk=pk)
    name = patient_request.appointment.patient.full_name
    form = RequestCancelForm(request.POST)
    if not form.is_valid():
        return _fix(
            request,
            form,
            title=f"Cancel {name}'s appointment as asked",
            button="Cancel the appointment",
            default=reverse("procedures:requests"),
        )
    try:
        cancel_as_requested(patient_request, by=request.user, reason=form.cleaned_data["reason"])
    except BookingError as exc:
        messages.error(request, f"{name}: {exc}")
    else:
        messages.success(request, f"Cancelled {name}'s appointment as asked; a cancellation notice goes out.")
    return _back(request, reverse("procedures:requests"))


@require_POST
@staff_required(*MOVE)
def request_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve the time the patient chose on their page: moved through the booking service (the move notice goes
    out) and the request closed, both or neither; a time taken since is refused with the booking's sentence."""
    patient_request = get_object_or_404(PatientRequest.objects.select_related("appointment__patient"), pk=pk)
    name = patient_request.appointment.patient.full_name
    try:
        move_as_requested(patient_request, by=request.user)
    except BookingError as exc:
        messages.error(request, f"{name}: {exc} Reschedule from the appointment's page, or call her.")
    else:
        messages.success(request, f"Moved {name}'s appointment to the time she chose; a move notice goes out.")
    return _back(request, reverse("procedures:requests"))


@require_GET
@staff_required()
def calls(request: HttpRequest) -> HttpResponse:
    """Whom to call: the coming two weeks' patients whose answers may stop the exam, or who have not read the
    preparation two days before; tomorrow's likely no-shows; with the no-show risk's points shown."""
    return render(
        request,
        "patient/staff/calls.html",
        {
            "rows": call_list(),
            "days": CALL_LIST_DAYS,
            "can_handle": can_attend(request.user),
            "risk_weights": noshow.weights_table(),
            "risk_bands": noshow.band_words(),
        },
    )


@require_POST
@staff_required(*ATTEND)
def log_patient_call(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_object_or_404(Appointment.objects.select_related("patient"), pk=pk)
    form = CallNoteForm(request.POST)
    if not form.is_valid():
        return _fix(
            request,
            form,
            title=f"Log a call to {appointment.patient.full_name}",
            button="Log the call",
            default=reverse("procedures:appointment", args=[appointment.pk]),
        )
    log_call(appointment, by=request.user, note=form.cleaned_data["note"])
    messages.success(request, f"Logged a call to {appointment.patient.full_name}.")
    return _back(request, reverse("procedures:appointment", args=[appointment.pk]))
