"""The staff side of the patient's page, included by `procedures.urls` so the names stay `procedures:requests`,
`procedures:calls`, `procedures:log-call` and so on."""

from django.urls import path

from .staff_views import calls, log_patient_call, request_cancel, request_done, request_move, requests_list

urlpatterns = [
    path("appointments/<int:pk>/calls/", log_patient_call, name="log-call"),
    path("requests/", requests_list, name="requests"),
    path("requests/<int:pk>/done/", request_done, name="request-done"),
    path("requests/<int:pk>/cancel/", request_cancel, name="request-cancel"),
    path("requests/<int:pk>/move/", request_move, name="request-move"),
    path("calls/", calls, name="calls"),
]
