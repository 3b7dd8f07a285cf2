"""/followups/ and recording an action (included by procedures/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("followups/", views.followups, name="followups"),
    path("followups/<int:pk>/action/", views.record_action, name="followup-action"),
]
