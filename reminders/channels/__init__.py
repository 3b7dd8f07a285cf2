"""The channel registry: settings.REMINDER_CHANNELS names the channel classes by dotted path, and everything that
needs a channel (a patient's reachability, scheduling, sending, previews, reports, forms) asks here.

A new channel is its class (a subclass of ReminderChannel), its templates, and one line in the setting. Classes are
imported when first asked for, so that procedures' models can ask the registry without an import cycle.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.module_loading import import_string

from .base import (
    BaseChannel,
    ContentError,
    Draft,
    Message,
    PermanentSendError,
    ReminderChannel,
    SendError,
    TransientSendError,
    not_reaching,
)

__all__ = [
    "BaseChannel",
    "ContentError",
    "Draft",
    "Message",
    "PermanentSendError",
    "ReminderChannel",
    "SendError",
    "TransientSendError",
    "channel_choices",
    "channel_for",
    "channels",
    "default_consent",
    "hand_delivered",
    "not_reaching",
    "validate_channel_slug",
    "validate_channel_slugs",
]


@functools.cache
def _load(paths: tuple[str, ...]) -> dict[str, ReminderChannel]:
    loaded: dict[str, ReminderChannel] = {}
    for path in paths:
        try:
            channel = import_string(path)()
        except ImportError as exc:
            raise ImproperlyConfigured(f"REMINDER_CHANNELS: cannot import {path!r} ({exc}).") from exc
        if not isinstance(channel, ReminderChannel) or not channel.slug:
            raise ImproperlyConfigured(f"REMINDER_CHANNELS: {path!r} is not a ReminderChannel with a slug.")
        if channel.slug in loaded:
            raise ImproperlyConfigured(f"REMINDER_CHANNELS: two channels have the slug {channel.slug!r}.")
        loaded[channel.slug] = channel
    return loaded


def channels() -> dict[str, ReminderChannel]:
    """Every registered channel by slug, in the setting's order. Read from settings on each call (cached per value),
    so a test's override_settings takes effect."""
    return _load(tuple(settings.REMINDER_CHANNELS))


def channel_for(slug: str) -> ReminderChannel:
    """The registered channel; for a slug no longer in REMINDER_CHANNELS (rows and rules made before a clinic
    dropped it), a stand-in that reaches nobody, so those rows are closed saying why instead of failing a batch,
    a booking or a page."""
    return channels().get(slug) or Unregistered(slug)


class Unregistered(ReminderChannel):
    def __init__(self, slug: str) -> None:
        self.slug = self.label = slug

    def why_not(self, patient) -> str:
        return f"The {self.slug} channel is no longer in REMINDER_CHANNELS."

    def compose(self, draft: Draft) -> Message:
        raise ContentError(f"The {self.slug} channel is no longer in REMINDER_CHANNELS.")

    def deliver(self, reminder, message: Message, to: str) -> str:
        raise SendError(f"The {self.slug} channel is no longer in REMINDER_CHANNELS.", permanent=True)


def channel_choices() -> list[tuple[str, str]]:
    """(slug, label) pairs for model fields, forms and reports."""
    return [(slug, channel.label) for slug, channel in channels().items()]


def default_consent() -> list[str]:
    """What a new patient agrees to unless they say otherwise."""
    return [slug for slug, channel in channels().items() if channel.consent_by_default]


def hand_delivered() -> list[str]:
    """The slugs of channels staff deliver by hand (`delivered_by_hand`): no worker sends their rows."""
    return [slug for slug, channel in channels().items() if channel.delivered_by_hand]


def validate_channel_slug(value: str) -> None:
    if value not in channels():
        raise ValidationError(
            "%(value)s is not a reminder channel; choose from %(known)s.",
            code="unknown_channel",
            params={"value": value, "known": ", ".join(channels())},
        )


def validate_channel_slugs(value) -> None:
    if not isinstance(value, list | tuple):
        raise ValidationError("Give the channels as a list.", code="not_a_list")
    for slug in value:
        validate_channel_slug(slug)
