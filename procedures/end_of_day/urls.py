"""/end-of-day/ (included by procedures/urls.py); its two actions live under /appointments/<id>/ (booking/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("end-of-day/", views.end_of_day, name="end-of-day"),
]
