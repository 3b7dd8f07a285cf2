"""The waiting list's records, for looking up: freed times and the offers made of them are written only by the
waiting list's rounds and the patients' answers (procedures.services.waitlist), so the admin shows them read-only.
Staff's own page for the list is /waitlist/."""

from django.contrib import admin

from prepapp.admin_dates import SafeDateHierarchy

from ..models import FreedSlot, SlotOffer
from .shared import AppointmentColumns, ReadOnlyAdmin


class OfferInline(admin.TabularInline):
    model = SlotOffer
    fields = ("appointment", "status", "offered_at", "expires_at", "answered_at", "old_start")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FreedSlot)
class FreedSlotAdmin(SafeDateHierarchy, ReadOnlyAdmin):
    list_display = ("start", "room", "duration", "cause", "status", "filled_by", "created_at")
    list_filter = ("status", "cause", "room")
    list_select_related = ("room", "filled_by__patient")
    search_fields = ("freed_by__patient__mrn", "freed_by__patient__family_name", "note")
    date_hierarchy = "start"
    inlines = [OfferInline]


@admin.register(SlotOffer)
class SlotOfferAdmin(SafeDateHierarchy, AppointmentColumns, ReadOnlyAdmin):
    list_display = ("offered_at", "patient", "appointment_start", "freed_slot", "status", "expires_at", "answered_at")
    list_filter = ("status",)
    list_select_related = ("appointment__patient", "freed_slot__room")
    search_fields = ("appointment__patient__mrn", "appointment__patient__family_name")
    date_hierarchy = "offered_at"
