from django.urls import path

from . import patient_views

app_name = "patient"

urlpatterns = [
    path("<str:token>/", patient_views.page, name="page"),
    path("<str:token>/confirm/", patient_views.confirm, name="confirm"),
    path("<str:token>/safety/", patient_views.safety, name="safety"),
    path("<str:token>/read/", patient_views.read, name="read"),
    path("<str:token>/change/", patient_views.change, name="change"),
    path("<str:token>/stop/", patient_views.stop, name="stop"),
]
