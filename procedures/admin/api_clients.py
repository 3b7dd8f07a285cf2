"""The FHIR API's client systems and their calls in the admin.

An administrator adds a client (its name and scopes): the token is made then (procedures.fhir.auth.new_client) and
shown once, in the message on the next page; only its SHA-256 is kept. "Revoke" (an action, and a tick on the
client's page) stops the token at once. The calls are a read-only record: who called what, when, and the answer.
"""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from prepapp.admin_dates import SafeDateHierarchy

from ..fhir import auth
from ..models import ApiCall, ApiClient
from ..models.api_clients import Scope
from .shared import CleanText, ReadOnlyAdmin, adopt, staff_column


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Results (procedures, reports, BI-RADS) leave only with the results scope.",
    )
    revoke = forms.BooleanField(
        required=False, label="Revoke the token", help_text="The client gets 401 from now on; this cannot be undone."
    )

    class Meta:
        model = ApiClient
        fields = ["name", "scopes"]


@admin.register(ApiClient)
class ApiClientAdmin(CleanText, admin.ModelAdmin):
    form = ApiClientForm
    list_display = ("name", "scopes_display", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name",)
    readonly_fields = ("created_at", "created_by_name", "last_used_at", "revoked_at", "revoked_by_name")
    actions = ["revoke_selected"]

    created_by_name = staff_column("created_by", "Created by")
    revoked_by_name = staff_column("revoked_by", "Revoked by")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "scopes")
        return ("name", "scopes", *(() if obj.is_revoked else ("revoke",)), *self.readonly_fields)

    @admin.display(description="Scopes")
    def scopes_display(self, obj: ApiClient) -> str:
        return ", ".join(obj.scopes) or "-"

    def save_model(self, request, obj, form, change):
        if change:
            auth.update_client(obj, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"])
            if form.cleaned_data.get("revoke"):
                auth.revoke_client(obj, by=request.user)
            return
        client, token = auth.new_client(
            name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"], by=request.user
        )
        adopt(obj, client)
        self.message_user(
            request,
            f"The bearer token for {client.name} is {token} - copy it now and give it to the system's administrator: "
            "it is shown only this once, and cannot be read here again.",
            messages.WARNING,
        )

    @admin.action(description="Revoke the selected clients' tokens", permissions=["change"])
    def revoke_selected(self, request, queryset):
        revoked = sum(auth.revoke_client(client, by=request.user, now=timezone.now()) for client in queryset)
        self.message_user(request, f"Revoked {revoked} client token(s): they get 401 from now on.", messages.SUCCESS)


@admin.register(ApiCall)
class ApiCallAdmin(SafeDateHierarchy, ReadOnlyAdmin):
    """Read-only: the record of calls is written by the API alone."""

    list_display = ("at", "client", "method", "path", "status")
    list_filter = ("status", "method", "client")
    list_select_related = ("client",)
    search_fields = ("path", "client__name")
    date_hierarchy = "at"
