"""Reminders in the admin: the rules staff may tune, the outbox with what was sent, and a preview per appointment."""

from csp.constants import NONE, SELF
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from prepapp.admin_dates import SafeDateHierarchy
from procedures.admin.shared import CleanText
from procedures.models import Appointment

from . import services
from .channels import channel_choices
from .models import Reminder, ReminderRule, offset_label


class ReminderRuleForm(forms.ModelForm):
    # `channels` is a checkbox per registered channel (ChannelsField).
    class Meta:
        model = ReminderRule
        fields = ("procedure_type", "stage", "offset", "channels", "is_active")


@admin.register(ReminderRule)
class ReminderRuleAdmin(CleanText, admin.ModelAdmin):
    form = ReminderRuleForm
    list_display = ("stage", "when", "channel_list", "is_active", "procedure_type")
    list_filter = ("procedure_type", "is_active")
    list_select_related = ("procedure_type",)

    @admin.display(description="When")
    def when(self, obj: ReminderRule) -> str:
        return offset_label(obj.lead)

    @admin.display(description="Channels")
    def channel_list(self, obj: ReminderRule) -> str:
        labels = dict(channel_choices())
        return ", ".join(labels.get(slug, slug) for slug in obj.channels)


@admin.register(Reminder)
class ReminderAdmin(SafeDateHierarchy, admin.ModelAdmin):
    list_display = (
        "send_at",
        "patient",
        "stage",
        "channel",
        "status",
        "attempts",
        "sent_at",
        "short_error",
    )
    list_filter = ("status", "close_reason", "stage", "channel")
    search_fields = ("appointment__patient__mrn", "appointment__patient__family_name", "recipient")
    date_hierarchy = "send_at"
    list_select_related = ("appointment__patient",)
    actions = ["send_selected_now", "retry_selected_failed"]
    readonly_fields = (
        "appointment_link",
        "stage",
        "channel",
        "for_start",
        "previous_start",
        "send_at",
        "status",
        "attempts",
        "close_reason",
        "last_error",
        "sent_at",
        "recipient",
        "subject",
        "body",
        "provider_message_id",
        "delivery_status",
        "content_stages",
        "lease_until",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {"fields": ("appointment_link", "stage", "channel", "for_start", "previous_start", "send_at", "status")},
        ),
        (
            "Delivery",
            {
                "fields": (
                    "attempts",
                    "close_reason",
                    "last_error",
                    "sent_at",
                    "recipient",
                    "provider_message_id",
                    "delivery_status",
                    "lease_until",
                )
            },
        ),
        ("As sent", {"fields": ("subject", "body", "content_stages")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    def has_add_permission(self, request):
        return False  # reminders come from bookings, not by hand

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description="Patient", ordering="appointment__patient__family_name")
    def patient(self, obj: Reminder) -> str:
        return obj.appointment.patient.full_name

    @admin.display(description="Last error")
    def short_error(self, obj: Reminder) -> str:
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.display(description="Appointment")
    def appointment_link(self, obj: Reminder):
        url = reverse("admin:procedures_appointment_change", args=[obj.appointment_id])
        preview = reverse("admin:reminders_reminder_preview", args=[obj.appointment_id])
        return format_html('<a href="{}">{}</a> · <a href="{}">preview every stage</a>', url, obj.appointment, preview)

    @admin.action(description="Send the selected pending reminders now", permissions=["change"])
    def send_selected_now(self, request, queryset):
        count = services.send_now(queryset)
        skipped = queryset.count() - count
        self.message_user(request, f"{count} reminder(s) queued to send now.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} were not pending and were left alone.", messages.WARNING)

    @admin.action(description="Retry the selected failed reminders", permissions=["change"])
    def retry_selected_failed(self, request, queryset):
        count = services.retry_failed(queryset)
        skipped = queryset.count() - count
        self.message_user(request, f"{count} failed reminder(s) will be tried again.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} had not failed and were left alone.", messages.WARNING)

    def get_urls(self):
        return [
            path(
                "preview/<int:appointment_id>/",
                self.admin_site.admin_view(self.preview_view),
                name="reminders_reminder_preview",
            ),
            path(
                "preview/<int:appointment_id>/<str:stage>/email/",
                self.admin_site.admin_view(self.preview_email_view),
                name="reminders_reminder_preview_email",
            ),
            *super().get_urls(),
        ]

    def _previewed(self, request, appointment_id: int) -> Appointment:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            Appointment.objects.select_related("patient", "procedure_type", "room"), pk=appointment_id
        )

    def preview_view(self, request, appointment_id: int):
        appointment = self._previewed(request, appointment_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"What the reminders will say: {appointment}",
            "appointment": appointment,
            "previews": services.preview(appointment),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/reminders/preview.html", context)

    def preview_email_view(self, request, appointment_id: int, stage: str):
        """The HTML email of one stage as the patient's mail program gets it, shown in the preview at phone width.

        Its own policy: the email's inline styles may apply, nothing may run (sandbox), and only the preview frames it.
        """
        appointment = self._previewed(request, appointment_id)
        item = next(
            (
                p
                for p in services.preview(appointment)
                if p["rule"].stage == stage and p["message"] and p["message"].html
            ),
            None,
        )
        if item is None:
            raise Http404("This appointment has no email for that stage.")
        response = HttpResponse(item["message"].html, content_type="text/html; charset=utf-8")
        response["X-Frame-Options"] = "SAMEORIGIN"
        response._csp_replace = {
            "default-src": [NONE],
            "script-src": [NONE],
            "connect-src": [NONE],
            "font-src": [NONE],
            "style-src": ["'unsafe-inline'"],
            "img-src": [SELF, "data:"],
            "frame-ancestors": [SELF],
            "form-action": [NONE],
            "sandbox": True,
        }
        return response
