"""The one-click unsubscribe behind every email's List-Unsubscribe header: /u/<token>/ (RFC 8058).

A mailbox provider's "Unsubscribe" posts `List-Unsubscribe=One-Click` here with no cookie and no CSRF token, and
expects it to work with no page to click through: that POST stops reminders at once and answers with a few words.
A person who opens the link gets a page with one button, so a link scanner's GET never stops anything. Only
reminders stop (reminders.services.opt_out): what the clinic must tell the patient is not a reminder. As on the
patient's page, every way a token can be wrong gives the same 404, and every request is rate limited.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from reminders.services import opt_out

from ..links import patient_id_from_unsubscribe_token
from ..models import Patient
from .rate_limit import patient_view

# What an RFC 8058 one-click POST carries in its body.
ONE_CLICK = ("List-Unsubscribe", "One-Click")


def patient_for(token: str) -> Patient:
    """The patient a token names; otherwise 404, the same for every reason."""
    patient_id = patient_id_from_unsubscribe_token(token)
    patient = Patient.objects.filter(pk=patient_id).first() if patient_id else None
    if patient is None:
        raise Http404("No such page.")
    return patient


@csrf_exempt  # a mailbox provider's POST has no cookie and no token: the signed link is the key
@patient_view("GET", "HEAD", "POST")
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    patient = patient_for(token)
    if request.method == "POST":
        opt_out(patient)
        if request.POST.get(ONE_CLICK[0]) == ONE_CLICK[1]:
            return HttpResponse("Reminders stopped.\n", content_type="text/plain; charset=utf-8")
        return render(request, "patient/unsubscribed.html")
    if patient.reminders_opt_out_at is not None:
        return render(request, "patient/unsubscribed.html")
    return render(request, "patient/unsubscribe.html", {"token": token})
