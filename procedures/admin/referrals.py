"""Referrals sent by the hospital's systems (POST /fhir/ServiceRequest), for looking up: they are recorded by the
API and moved on by schedulers on /referrals/ (procedures.services.referrals), so the admin shows them read-only."""

from django.contrib import admin

from prepapp.admin_dates import SafeDateHierarchy

from ..models import Referral
from .shared import ReadOnlyAdmin


@admin.register(Referral)
class ReferralAdmin(SafeDateHierarchy, ReadOnlyAdmin):
    list_display = (
        "received_at",
        "family_name",
        "given_name",
        "priority",
        "laterality",
        "status",
        "client",
        "identifier_value",
        "appointment",
    )
    list_filter = ("status", "priority", "laterality", "client")
    list_select_related = ("client", "appointment__patient", "appointment__procedure_type")
    search_fields = ("identifier_value", "mrn", "nhs_number", "family_name", "referrer", "patient__mrn")
    date_hierarchy = "received_at"
    readonly_fields = [field.name for field in Referral._meta.fields]
