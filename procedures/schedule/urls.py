"""/schedule/...: the day, the week and the printed list (included by procedures/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.day_view, name="day"),
    path("week/", views.week_view, name="week"),
    path("print/", views.day_print, name="day-print"),
]
