"""Referrals in: a request for a ductogram sent by the hospital's system as a FHIR ServiceRequest
(`POST /fhir/ServiceRequest`, procedures.fhir.referrals), waiting for a scheduler on /referrals/.

A referral arrives once per client and identifier (a unique constraint: the same request posted twice is one row).
It is for a patient found by MRN or NHS number, or registered on arrival; when the patient a referral's identifiers
find has another name or date of birth, nothing is merged: the referral is held (`patient` empty, the record found
in `matched_patient`) until a person decides. It ends booked (with its appointment) or rejected (with the reason).
The rules: procedures.services.referrals.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .api_clients import ApiClient
from .appointments import Appointment
from .clinic import Patient


class Referral(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting to be booked"
        HELD = "held", "Held: the patient's details differ"
        BOOKED = "booked", "Booked"
        REJECTED = "rejected", "Rejected"

    class Priority(models.TextChoices):
        """FHIR's request priority (R4 value set request-priority), most urgent last."""

        ROUTINE = "routine", "Routine"
        URGENT = "urgent", "Urgent"
        ASAP = "asap", "As soon as possible"
        STAT = "stat", "Immediately"

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="referrals")
    identifier_system = models.CharField(max_length=255, help_text="The sender's identifier system for the request.")
    identifier_value = models.CharField(max_length=255, help_text="The request's identifier in that system.")
    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text="Empty while held: nobody has said the record found is this patient.",
    )
    matched_patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The record the identifiers found, whose details differ (a held referral).",
    )
    mismatch = models.CharField(max_length=500, blank=True, help_text="What differs, when held.")
    # The patient as the referral describes them.
    mrn = models.CharField("MRN", max_length=32, blank=True)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    # What is asked for.
    laterality = models.CharField("Side", max_length=8, choices=Appointment.Laterality.choices)
    discharge = models.CharField(
        max_length=16, choices=Appointment.Discharge.choices, blank=True, help_text="Empty when not said."
    )
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.ROUTINE)
    reason = models.TextField(blank=True)
    referrer = models.CharField(max_length=200, blank=True)
    raw = models.JSONField(help_text="The ServiceRequest as received.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    rejection_reason = models.CharField(max_length=500, blank=True)
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="referral"
    )
    received_at = models.DateTimeField()
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "identifier_system", "identifier_value"],
                name="referral_once_per_client_identifier",
                violation_error_message="This client has already sent a referral with this identifier.",
            ),
            models.CheckConstraint(
                condition=Q(status="held") | Q(status="rejected") | Q(patient__isnull=False),
                name="referral_patient_unless_held_or_rejected",
            ),
            models.CheckConstraint(
                condition=~Q(status="booked") | Q(appointment__isnull=False),
                name="referral_booked_has_appointment",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="referral_rejected_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "-received_at"], name="referral_status_received")]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name}: {self.identifier_value} ({self.get_status_display()})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def identifier(self) -> str:
        return f"{self.identifier_system}|{self.identifier_value}"

    @property
    def is_open(self) -> bool:
        """Still for a scheduler to book or reject (waiting) or to resolve (held)."""
        return self.status in (self.Status.WAITING, self.Status.HELD)
