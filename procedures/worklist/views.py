"""The radiologist's pages: the worklist (their home page) and "Log result", which opens the admin's result form
for an appointment, filled in as far as the booking allows, and comes back here once saved.

What the pages show comes from `procedures.worklist.selectors`; results are saved by the admin through
`procedures.services.record_result`.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..access import LOG_RESULT, SEE_RESULTS, can_attend, can_log_results, is_radiologist, staff_required
from ..followups.selectors import open_count as followups_open
from ..models import Appointment, ProcedureResult
from ..schedule.views import day_view
from .selectors import arrival_not_recorded, pending_list, safe_next, todays_list


@require_GET
@staff_required()
def home(request: HttpRequest) -> HttpResponse:
    """Radiologists start at their worklist; everyone else at today's schedule."""
    if is_radiologist(request.user):
        return redirect("procedures:worklist")
    return day_view(request)


@require_GET
@staff_required(SEE_RESULTS)
def worklist(request: HttpRequest) -> HttpResponse:
    """Today's list (the radiologist's own first), then every attended appointment still waiting for a result,
    oldest first, with how many follow-ups are open and how many past appointments nobody closed (links to their
    lists). Two queries for the lists, however long, and two counts."""
    now = timezone.now()
    return render(
        request,
        "procedures/worklist.html",
        {
            "today_rows": todays_list(request.user, now),
            "pending_rows": pending_list(now),
            "day": timezone.localdate(now),
            "now": now,
            "can_log": can_log_results(request.user),
            "can_attend": can_attend(request.user),
            "followups_open": followups_open(request.user),
            "arrivals_unrecorded": arrival_not_recorded(now=now).count(),
        },
    )


@require_GET
@staff_required(SEE_RESULTS, LOG_RESULT)
def log_result(request: HttpRequest, pk: int) -> HttpResponse:
    """The admin's result form for this appointment: the new result's, or the logged result's own. Saving it comes
    back to `next` (a path on this site), or to the worklist."""
    appointment = get_object_or_404(Appointment.objects.select_related("patient"), pk=pk)
    back = safe_next(
        request.GET.get("next"),
        host=request.get_host(),
        secure=request.is_secure(),
        default=reverse("procedures:worklist"),
    )
    logged = ProcedureResult.objects.filter(appointment=appointment).values_list("pk", flat=True).first()
    if logged is not None:
        url, query = reverse("admin:procedures_procedureresult_change", args=[logged]), {"next": back}
    elif appointment.status not in Appointment.ATTENDED:
        # Only a visit that happened takes a result: first record whether the patient came.
        messages.error(
            request,
            f"{appointment.patient.full_name} is not recorded as having come: check them in, or close the "
            "appointment on the end of the day's list, first.",
        )
        return redirect("procedures:appointment", pk=appointment.pk)
    else:
        url, query = reverse("admin:procedures_procedureresult_add"), {"appointment": appointment.pk, "next": back}
    return HttpResponseRedirect(f"{url}?{urlencode(query)}")
