"""Channels deliver a rendered message to one patient; they say whether a failure is worth retrying.

CHANNELS maps each Channel value to its one instance; scheduling, sending and content ask channel_for() rather than
testing the channel's name, so a new channel is a class here and one line below.
"""

from .base import BaseChannel, PermanentSendError, SendError, TransientSendError
from .email import EmailChannel
from .sms import SmsChannel

__all__ = [
    "CHANNELS",
    "BaseChannel",
    "EmailChannel",
    "PermanentSendError",
    "SendError",
    "SmsChannel",
    "TransientSendError",
    "channel_for",
]

CHANNELS: dict[str, BaseChannel] = {
    EmailChannel.name: EmailChannel(),
    SmsChannel.name: SmsChannel(),
}


def channel_for(name: str) -> BaseChannel:
    try:
        return CHANNELS[name]
    except KeyError:
        raise ValueError(f"No reminder channel {name!r}; known: {', '.join(CHANNELS)}.") from None
