from django.urls import path

from .views import short_notice, waitlist

urlpatterns = [
    path("waitlist/", waitlist, name="waitlist"),
    path("waitlist/<int:pk>/", short_notice, name="short-notice"),
]
