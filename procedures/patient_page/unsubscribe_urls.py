"""The one-click unsubscribe link of every email, under /u/ (`unsubscribe:` names)."""

from django.urls import path

from .unsubscribe_views import unsubscribe

app_name = "unsubscribe"

urlpatterns = [
    path("<str:token>/", unsubscribe, name="one-click"),
]
