"""Included by `procedures.urls`, so the names are `procedures:patients` and `procedures:patient`."""

from django.urls import path

from .views import patient_detail, patient_list

urlpatterns = [
    path("patients/", patient_list, name="patients"),
    path("patients/<int:pk>/", patient_detail, name="patient"),
]
