"""Included by `procedures.urls`, so the names are `procedures:letters`, `procedures:letters-print`,
`procedures:letter-pdf` and `procedures:letters-posted`."""

from django.urls import path

from .views import letter_pdf, letters, mark_posted, print_letters

urlpatterns = [
    path("letters/", letters, name="letters"),
    path("letters/print.pdf", print_letters, name="letters-print"),
    path("letters/<int:pk>.pdf", letter_pdf, name="letter-pdf"),
    path("letters/posted/", mark_posted, name="letters-posted"),
]
