"""Staff's patient pages: the search (`/patients/?q=`) and one patient's history with their contact details
(`/patients/<id>/`). Reads come from `.search` and `.selectors`; the one change, contact details, goes through
`procedures.services.update_patient`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from .. import services
from ..access import can_change_patients, staff_required
from ..models import Patient
from ..params import shown
from .forms import ContactForm
from .search import QUERY_MAX_LENGTH, search
from .selectors import patient_history


@require_GET
@staff_required()
def patient_list(request: HttpRequest) -> HttpResponse:
    """Patients found by name, MRN, date of birth or phone, 25 a page, each with their next appointment."""
    results = search(request.GET.get("q"), request.GET.get("page"))
    return render(
        request,
        "procedures/patients/list.html",
        {
            "results": results,
            "query": results.query,
            "quoted": shown(results.query.text),
            "query_max_length": QUERY_MAX_LENGTH,
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required()
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one patient; their contact details can be corrected here by those who may."""
    patient = get_object_or_404(Patient, pk=pk)
    can_edit = can_change_patients(request.user)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = ContactForm(request.POST, instance=Patient.objects.get(pk=patient.pk))
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                services.update_patient(patient, by=request.user, **changes)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Saved {patient.full_name}'s contact details.")
                return redirect("procedures:patient", pk=patient.pk)
    else:
        form = ContactForm(instance=patient)
    return render(
        request,
        "procedures/patients/detail.html",
        {"history": patient_history(patient, request.user), "p": patient, "form": form, "can_edit": can_edit},
        status=400 if form.is_bound else 200,
    )
