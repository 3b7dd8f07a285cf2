from django.urls import path

from .views import referrals, reject, same_patient

urlpatterns = [
    path("referrals/", referrals, name="referrals"),
    path("referrals/<int:pk>/reject/", reject, name="referral-reject"),
    path("referrals/<int:pk>/same-patient/", same_patient, name="referral-same-patient"),
]
