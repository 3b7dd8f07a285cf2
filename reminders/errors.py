"""The one error a delivery raises, whoever raises it (a channel, or the provider behind it), and the one a message
that cannot be made safely raises. Below channels and providers alike, so both can raise them."""


class SendError(Exception):
    """Delivery failed. `permanent` says whether trying again could help; the subclasses below only set it."""

    permanent = False

    def __init__(self, message: str = "", *, permanent: bool | None = None):
        super().__init__(message)
        if permanent is not None:
            self.permanent = permanent


class TransientSendError(SendError):
    """Worth trying again later: the server or network was unavailable, or the provider asked us to slow down."""

    permanent = False


class PermanentSendError(SendError):
    """Trying again cannot help: the address or number is invalid, or the provider refused the message."""

    permanent = True


class ContentError(Exception):
    """The message cannot be made safely (too long, or a forbidden word): a configuration problem, not transient."""
