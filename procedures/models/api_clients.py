"""The systems that call the FHIR API (procedures/fhir/): one `ApiClient` per client system (the RIS, the EPR, a
referral gateway), with the scopes it was given and a bearer token of its own; and `ApiCall`, one row per request,
so who read what and when can be shown.

The token is 32 random bytes, shown once when the client is made in the admin; only its SHA-256 is stored, so the
database (a backup, the admin) never holds a working token. A revoked client stays on record with its calls and
answers 401 from then on. Making, changing and revoking clients: procedures.fhir.auth.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class Scope(models.TextChoices):
    """What a client may read (or, for referrals, send). Results never leave without RESULTS."""

    APPOINTMENTS = "appointments", "Appointments (patients, radiologists, rooms, appointments, free slots)"
    RESULTS = "results", "Results (procedures, reports, BI-RADS observations; patients, radiologists, rooms)"
    REFERRALS = "referrals", "Referrals (sending ServiceRequests)"


def validate_scopes(value) -> None:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ValidationError("Scopes are a list of scope names.")
    if unknown := set(value) - set(Scope.values):
        raise ValidationError(f"Unknown scope(s): {', '.join(sorted(unknown))}.")


class ApiClientQuerySet(models.QuerySet):
    def active(self) -> ApiClientQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiClient(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text="The client system, e.g. 'RIS (Riverside)'.")
    scopes = models.JSONField(default=list, blank=True, validators=[validate_scopes])
    token_hash = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the token.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "API client"

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class ApiCall(models.Model):
    """One request to the FHIR API: who (None for no or an unknown token), what, the answer's status, when."""

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, null=True, blank=True, related_name="calls")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=2000, help_text="The path with its query string.")
    status = models.PositiveSmallIntegerField()
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "API call"
        indexes = [models.Index(fields=["client", "-at"], name="apicall_client_at")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"
