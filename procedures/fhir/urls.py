"""Included by `prepapp.urls` under fhir/ (the `fhir` namespace): /fhir/metadata, /fhir/<Type>, /fhir/<Type>/<id>,
POST /fhir/ServiceRequest (referrals in), and an OperationOutcome 404 for anything else under /fhir/. No trailing
slashes, as FHIR addresses have none."""

from django.urls import path, re_path

from .views import create_service_request, metadata, read, search, unknown

app_name = "fhir"

urlpatterns = [
    path("metadata", metadata, name="metadata"),
    path("ServiceRequest", create_service_request, name="create-service-request"),
    re_path(r"^(?P<resource_type>[A-Za-z]{1,64})$", search, name="search"),
    re_path(r"^(?P<resource_type>[A-Za-z]{1,64})/(?P<resource_id>[A-Za-z0-9\-.]{1,64})$", read, name="read"),
    re_path(r"^(?P<rest>.*)$", unknown, name="unknown"),
]
