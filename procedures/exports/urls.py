"""/reports/export/ (included by procedures/urls.py, before the reports page's include)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.export_appointments, name="export"),
]
