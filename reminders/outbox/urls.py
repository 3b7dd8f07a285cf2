from django.urls import path

from . import views

app_name = "outbox"

urlpatterns = [
    path("", views.outbox, name="list"),
    path("<int:pk>/", views.message, name="message"),
    path("<int:pk>/html/", views.email_html, name="email-html"),
]
