"""The model field for a list of channel slugs (a patient's consent, a rule's channels): stored as JSON, validated
against the registry, edited as one checkbox per registered channel."""

from django import forms
from django.db import models
from django.utils.text import capfirst

from . import channel_choices, validate_channel_slugs


class ChannelsField(models.JSONField):
    def validate(self, value, model_instance) -> None:
        super().validate(value, model_instance)
        validate_channel_slugs(value)

    def formfield(self, **kwargs):
        # Not JSONField's text box: a checkbox per channel, whatever the registry holds when the form is built.
        return forms.MultipleChoiceField(
            choices=channel_choices,
            widget=forms.CheckboxSelectMultiple,
            required=not self.blank,
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
            **{k: v for k, v in kwargs.items() if k in ("initial", "disabled", "label", "help_text", "required")},
        )
