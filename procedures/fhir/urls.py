"""Included by `prepapp.urls` under fhir/ (the `fhir` namespace): /fhir/metadata, /fhir/<Type>, /fhir/<Type>/<id>,
and an OperationOutcome 404 for anything else under /fhir/. No trailing slashes, as FHIR addresses have none."""

from django.urls import path, re_path

from .views import metadata, read, search, unknown

app_name = "fhir"

urlpatterns = [
    path("metadata", metadata, name="metadata"),
    re_path(r"^(?P<resource_type>[A-Za-z]{1,64})$", search, name="search"),
    re_path(r"^(?P<resource_type>[A-Za-z]{1,64})/(?P<resource_id>[A-Za-z0-9\-.]{1,64})$", read, name="read"),
    re_path(r"^(?P<rest>.*)$", unknown, name="unknown"),
]
