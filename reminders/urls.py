from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("sms/status/", views.sms_status, name="sms-status"),
    path("sms/inbound/", views.sms_inbound, name="sms-inbound"),
    path("reminders/<int:pk>/send-now/", views.send_now, name="send-now"),
    path("reminders/<int:pk>/retry/", views.retry, name="retry"),
]
