from django.urls import path

from . import views, webhooks

app_name = "reminders"

urlpatterns = [
    path("sms/status/", webhooks.sms_status, name="sms-status"),
    path("sms/inbound/", webhooks.sms_inbound, name="sms-inbound"),
    path("reminders/<int:pk>/send-now/", views.send_now, name="send-now"),
    path("reminders/<int:pk>/retry/", views.retry, name="retry"),
]
