"""The interface every channel keeps, and the one error type its delivery raises."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from procedures.models import Appointment, Patient

from ..models import Reminder
from ..wording import Message


class SendError(Exception):
    """Delivery failed. `permanent` says whether trying again could help."""

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


class BaseChannel:
    """One way of reaching a patient: whom to address, what the message looks like, when it may go, and how it is
    handed over. A new kind (a letter, an app notification) is a subclass registered in reminders.channels."""

    name = ""

    def recipient(self, patient: Patient) -> str:
        """The address this channel sends to; only asked for patients whose reminder_channels() include it."""
        raise NotImplementedError

    def compose(
        self,
        appointment: Appointment,
        stage: str,
        for_start: datetime,
        content_stages: list[str],
        *,
        previous_start: datetime | None = None,
    ) -> Message:
        """The message; raises wording.ContentError when it cannot be made safely. `previous_start` is the time a
        reschedule notice moved the appointment from."""
        raise NotImplementedError

    def earliest_send(self, moment: datetime) -> datetime:
        """The first instant at or after `moment` at which a message may go on this channel."""
        return moment

    def deliver(self, reminder: Reminder, message: Message, to: str) -> str:
        """Hand the message over; return the provider's message id, or raise SendError."""
        raise NotImplementedError

    @contextmanager
    def session(self) -> Iterator[None]:
        """Within the block, deliveries share one connection to the provider (a batch's); by default, nothing."""
        yield
