"""Channels deliver a rendered message to one patient; they say whether a failure is worth retrying."""


class SendError(Exception):
    """Delivery failed."""


class TransientSendError(SendError):
    """Worth trying again later: the server or network was unavailable, or the provider asked us to slow down."""


class PermanentSendError(SendError):
    """Trying again cannot help: the address or number is invalid, or the provider refused the message."""
