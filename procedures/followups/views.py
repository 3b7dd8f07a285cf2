"""The follow-up list: every open follow-up this account may see, oldest first, with who must act, the rebook's
link where one is wanted, and the form that records the action taken; below, what was closed lately."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .. import services
from ..access import can_act_on_followup, can_book, can_see_followups, can_see_results, staff_required
from ..models import FollowUp
from ..worklist.selectors import safe_next
from .forms import ActionForm
from .selectors import RECENTLY_CLOSED_DAYS, open_list, recently_closed


@require_GET
@staff_required()
def followups(request: HttpRequest) -> HttpResponse:
    if not can_see_followups(request.user):
        raise PermissionDenied
    now = timezone.now()
    return render(
        request,
        "procedures/followups/list.html",
        {
            "open_rows": open_list(request.user, now),
            "closed_rows": recently_closed(request.user, now),
            "closed_days": RECENTLY_CLOSED_DAYS,
            "sees_results": can_see_results(request.user),
            "can_book": can_book(request.user),
            "form": ActionForm(),
        },
    )


@require_POST
@staff_required()
def record_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the action taken on one follow-up, closing it; back to `next` (a path here), else the list."""
    follow_up = get_object_or_404(FollowUp.objects.select_related("appointment__patient"), pk=pk)
    if not can_act_on_followup(request.user, follow_up.must_act):
        raise PermissionDenied
    back = safe_next(
        request.POST.get("next"),
        host=request.get_host(),
        secure=request.is_secure(),
        default=reverse("procedures:followups"),
    )
    name = follow_up.appointment.patient.full_name
    form = ActionForm(request.POST)
    if not form.is_valid():
        problems = " ".join(error for errors in form.errors.values() for error in errors)
        messages.error(request, f"Nothing recorded for {name}: {problems}")
        return redirect(back)
    try:
        closed = services.record_follow_up_action(
            follow_up, action=form.cleaned_data["action"], note=form.cleaned_data["note"], by=request.user
        )
    except services.BookingError as exc:
        messages.error(request, f"Nothing recorded for {name}: {exc}")
    else:
        note = f" ({closed.action_note})" if closed.action_note else ""
        messages.success(
            request, f"Follow-up closed for {name}: {closed.get_action_display().lower()}{note}. It leaves the list."
        )
    return redirect(back)
