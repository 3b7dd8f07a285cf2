"""Included by `procedures.urls` under calendar/: /calendar/ (the page), /calendar/new/, /calendar/<id>/revoke/, and
the feeds themselves, /calendar/<token>.ics."""

from django.urls import path

from .views import calendar_feed, feeds, new_feed, revoke_feed

urlpatterns = [
    path("", feeds, name="calendar-feeds"),
    path("new/", new_feed, name="calendar-feed-new"),
    path("<int:pk>/revoke/", revoke_feed, name="calendar-feed-revoke"),
    path("<slug:token>.ics", calendar_feed, name="calendar-feed"),
]
