"""Referrals for staff: /referrals/ (waiting and held, the most urgent first), and the two POSTs a row offers:
rejecting with a reason, and confirming that a held referral's patient is the record found. Booking is the booking
form's (/appointments/new/?referral=<id>, glue in booking.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from .. import services
from ..access import BOOK, staff_required
from ..models import Referral
from .forms import RejectForm
from .selectors import open_referrals


@require_GET
@staff_required(*BOOK)
def referrals(request: HttpRequest) -> HttpResponse:
    return render(request, "procedures/referrals/referrals.html", {"referrals": open_referrals()})


def _referral(pk: int) -> Referral:
    return get_object_or_404(Referral.objects.select_related("patient", "matched_patient"), pk=pk)


@require_POST
@staff_required(*BOOK)
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Not rejected: {' '.join(form.errors.get('reason', ['check the reason.']))}")
        return redirect("procedures:referrals")
    try:
        services.reject_referral(referral, reason=form.cleaned_data["reason"], by=request.user)
    except services.BookingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Rejected the referral for {referral.full_name}: {referral.rejection_reason}")
    return redirect("procedures:referrals")


@require_POST
@staff_required(*BOOK)
def same_patient(request: HttpRequest, pk: int) -> HttpResponse:
    """A held referral is for the record found: it waits for booking, for that record (which is not changed)."""
    referral = _referral(pk)
    try:
        services.use_matched_patient(referral, by=request.user)
    except services.BookingError as exc:
        messages.error(request, str(exc))
    else:
        found = referral.matched_patient
        messages.success(request, f"The referral is for {found.full_name} ({found.mrn}); it can be booked now.")
    return redirect("procedures:referrals")
