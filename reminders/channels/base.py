"""What every channel keeps to: the one thing it composes from (Draft), what it makes (Message), and the errors
it raises (reminders.errors: SendError, whose `permanent` says whether trying again could help).

Nothing here imports a model: `Patient.reminder_channels()` asks the registry, so the registry and this interface
must load before the models do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import ContentError, PermanentSendError, SendError, TransientSendError

# A channel reads a patient, an appointment and a reminder row by attribute. It imports no model, not even for type
# checking: procedures' Patient asks this registry, and an import back would make a cycle.
Patient = Appointment = Reminder = Any


@dataclass(frozen=True)
class Message:
    """What a channel made of a Draft: what the reminder row keeps as sent, and what the provider is handed."""

    subject: str
    text: str
    html: str = ""
    ics: bytes | None = None
    # Extra headers or provider options a channel wants on delivery (an email's Content-Language, say).
    headers: tuple[tuple[str, str], ...] = ()
    # What staff print, for a channel delivered by hand (a letter's A4 PDF); None for the others.
    pdf: bytes | None = None


@dataclass(frozen=True)
class Draft:
    """What a message is about: the appointment, the stage speaking, the time it speaks of, the stages whose content
    it carries (a late booking folds skipped ones in), and for a move, the time it moved from. A reminder row makes
    one (Draft.of); the admin's preview makes one for a message nobody will send."""

    appointment: Appointment
    stage: str
    for_start: datetime
    content_stages: tuple[str, ...] = ()
    previous_start: datetime | None = None

    @classmethod
    def of(cls, reminder: Reminder) -> Draft:
        """The row's draft; needs the row's appointment, patient, procedure type and room loaded."""
        return cls(
            appointment=reminder.appointment,
            stage=reminder.stage,
            for_start=reminder.for_start,
            content_stages=tuple(reminder.content_stages),
            previous_start=reminder.previous_start,
        )


class ReminderChannel:
    """One way of reaching a patient. A channel is a subclass named in settings.REMINDER_CHANNELS, with its templates:
    it says whether it reaches a patient (and why not, in staff's words), the address it would use, what the
    message looks like, when it may go, and how it is handed over. Scheduling, sending, previews and the staff
    pages ask the registry (reminders.channels) and never test a channel's slug."""

    slug = ""
    label = ""
    # What a patient lacks when this channel cannot reach them, as in "has no email address".
    missing = "address for it"
    # A patient registered without saying otherwise agrees to reminders by this channel.
    consent_by_default = False
    # Whether its messages carry FAQ answers (a batch loads the FAQ once for such channels).
    carries_faq = False
    # Staff hand its messages over themselves (print and post a letter): dispatch never claims its rows and no
    # worker sends them; staff record each as sent (reminders.services.letters).
    delivered_by_hand = False

    def why_not(self, patient: Patient) -> str:
        """Why this channel cannot reach `patient` whatever they agreed to (no address, a STOP reply), in staff's
        words; "" when it can."""
        raise NotImplementedError

    @property
    def patient_word(self) -> str:
        """How the patient's page names it, as in "we will send you reminders by text"; a subclass may say it."""
        return self.label.lower()

    def reaches(self, patient: Patient) -> bool:
        return not self.why_not(patient)

    def address(self, patient: Patient) -> str:
        """Where this channel sends to; only asked for a patient it reaches."""
        raise NotImplementedError

    def compose(self, draft: Draft) -> Message:
        """The message; raises ContentError when it cannot be made safely."""
        raise NotImplementedError

    def earliest_send(self, moment: datetime) -> datetime:
        """The first instant at or after `moment` at which a message may go by this channel."""
        return moment

    def send_time(self, due: datetime) -> datetime:
        """When a message that should reach the patient at `due` (a timed stage's moment) must leave: `due` itself
        for a channel that arrives at once; a letter leaves the post's time earlier."""
        return due

    def too_late(self, leaves: datetime, deadline: datetime) -> bool:
        """Whether a message leaving at `leaves` would reach the patient only after `deadline` (the appointment, or
        for a move the earlier of its two times): such a message is not made (Reminder.CloseReason.ARRIVES_LATE)."""
        return False

    def deliver(self, reminder: Reminder, message: Message, to: str) -> str:
        """Hand the message over; return the provider's message id, or raise SendError."""
        raise NotImplementedError

    @contextmanager
    def session(self) -> Iterator[None]:
        """Within the block, deliveries share one connection to the provider (a batch's); by default, nothing."""
        yield

    def preview_note(self, message: Message) -> str:
        """A line for staff under the admin's preview of this channel's message (a text's length, say)."""
        return ""


# The name the second round used; kept so that a channel written against it still loads.
BaseChannel = ReminderChannel

__all__ = [
    "BaseChannel",
    "ContentError",
    "Draft",
    "Message",
    "PermanentSendError",
    "ReminderChannel",
    "SendError",
    "TransientSendError",
]
