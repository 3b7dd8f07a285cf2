"""Patients in the admin: registered and changed through `procedures.services`, so reminders follow; found by
language and by interpreter need, and by NHS number typed with or without its spaces."""

from django import forms
from django.contrib import admin
from django.utils.text import capfirst
from phonenumber_field.modelfields import PhoneNumberField

from reminders.channels import channel_choices

from .. import nhs_number, services
from ..models import Patient
from ..models.address import ADDRESS_FIELDS
from ..patients.forms import LANGUAGE_FIELDS, LanguageFields, mobile_hint, mobile_message
from ..phones import PhoneNumberInput
from .shared import CleanText, SafeHistoryAdmin, adopt


class ChannelConsentFilter(admin.SimpleListFilter):
    title = "reminders by"
    parameter_name = "agreed_to"

    def lookups(self, request, model_admin):
        return [*channel_choices(), ("none", "No reminders")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.agreed_to(None if value == "none" else value)


class PatientForm(LanguageFields, forms.ModelForm):
    """The language grouped as on the booking form (offered to patients, or not), kept as on file when not posted;
    and the admin's date and time boxes (when reminders were stopped) named after their field, having no label of
    their own (WCAG 1.3.1, 4.1.2)."""

    class Meta:
        model = Patient
        fields = LANGUAGE_FIELDS  # the admin adds the rest, from the fieldsets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "language" in self.fields:
            self.init_language_fields()
        if "mobile" in self.fields:  # the hint and the error of the staff pages' own patient forms
            self.fields["mobile"].help_text = mobile_hint()
            self.fields["mobile"].error_messages["invalid"] = mobile_message()
        for field in self.fields.values():
            if isinstance(field, forms.SplitDateTimeField) and len(getattr(field.widget, "widgets", ())) == 2:
                date_box, time_box = field.widget.widgets
                date_box.attrs["aria-label"] = f"{capfirst(field.label)}: date"
                time_box.attrs["aria-label"] = f"{capfirst(field.label)}: time"


class AdminPhoneNumberWidget(PhoneNumberInput):
    """A number as the staff pages show it (procedures.phones), in the admin's text box: its plain one showed
    "+447911123456" under a hint written nationally."""

    def __init__(self, region=None, attrs=None):
        super().__init__(region=region, attrs={"class": "vTextField", **(attrs or {})})


@admin.register(Patient)
class PatientAdmin(CleanText, SafeHistoryAdmin):
    form = PatientForm
    formfield_overrides = {PhoneNumberField: {"widget": AdminPhoneNumberWidget}}
    list_display = ("mrn", "family_name", "given_name", "date_of_birth", "channels_display", "reminders_opted_out")
    list_filter = (
        ChannelConsentFilter,
        ("reminders_opt_out_at", admin.EmptyFieldListFilter),
        "language",
        "needs_interpreter",
    )
    search_fields = ("mrn", "nhs_number", "family_name", "given_name", "email")
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("mrn", "nhs_number", "given_name", "family_name", "date_of_birth")}),
        ("Reminders", {"fields": ("email", "mobile", "channels", "reminders_opt_out_at")}),
        ("Letters", {"fields": (*ADDRESS_FIELDS, "wants_letters", "needs_large_print")}),
        ("Language", {"fields": ("language", "needs_interpreter")}),
        ("Record", {"fields": ("created_at",)}),
    )

    def get_search_results(self, request, queryset, search_term):
        """The admin's own search, and an NHS number typed as it is written ("943 476 5919") found too."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if nhs_number.is_valid(search_term):
            found |= queryset.filter(nhs_number=nhs_number.normalise(search_term))
        return found, may_have_duplicates

    def save_model(self, request, obj, form, change):
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            services.update_patient(obj, by=request.user, **changes)
        else:
            adopt(obj, services.register_patient(by=request.user, **form.cleaned_data))

    @admin.display(description="Reminders by")
    def channels_display(self, obj: Patient) -> str:
        return obj.channels_display

    @admin.display(boolean=True, description="Opted out", ordering="reminders_opt_out_at")
    def reminders_opted_out(self, obj: Patient) -> bool:
        return obj.reminders_opt_out_at is not None
