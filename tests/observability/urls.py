"""The site's URLs and one more, for the Sentry test: a patient's page that fails, as a bug in a real one would, with
the patient in its variables, its log and its exception."""

import logging

from django.http import HttpRequest
from django.urls import path

from prepapp.urls import urlpatterns as site
from procedures.links import appointment_id_from_token
from procedures.models import Appointment

log = logging.getLogger("tests.observability")


def failing_patient_page(request: HttpRequest, token: str):
    appointment = Appointment.objects.select_related("patient").get(pk=appointment_id_from_token(token))
    patient = appointment.patient
    name = f"{patient.given_name} {patient.family_name}"
    email, mobile, nhs_number = patient.email, str(patient.mobile), patient.nhs_number
    log.warning("Showing the page of %s <%s>, NHS number %s", name, email, nhs_number)
    raise RuntimeError(f"Could not show the page of {patient} ({email}, {mobile}) from {request.build_absolute_uri()}")


urlpatterns = [path("p/<str:token>/fails/", failing_patient_page, name="failing-patient-page"), *site]
