"""The home page and /worklist/... (included by procedures/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/log/<int:pk>/", views.log_result, name="log-result"),
]
