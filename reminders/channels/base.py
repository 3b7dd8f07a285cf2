"""What every channel keeps to: the one thing it composes from (Draft), what it makes (Message), and the errors
it raises (reminders.errors: SendError, whose `permanent` says whether trying again could help).

Nothing here imports a model: `Patient.reminder_channels()` asks the registry, so the registry and this interface
must load before the models do.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from procedures.languages import speaking_to

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
    # Which event of its kind: for an offer of an earlier time, the offer ("offer:<id>").
    occasion: str = ""

    @classmethod
    def of(cls, reminder: Reminder) -> Draft:
        """The row's draft; needs the row's appointment, patient, procedure type and room loaded."""
        return cls(
            appointment=reminder.appointment,
            stage=reminder.stage,
            for_start=reminder.for_start,
            content_stages=tuple(reminder.content_stages),
            previous_start=reminder.previous_start,
            occasion=reminder.occasion,
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
        """Whether it can reach `patient` now; never while it is one of the channels `not_reaching` names."""
        return self.slug not in _NOT_REACHING.get() and not self.why_not(patient)

    def address(self, patient: Patient) -> str:
        """Where this channel sends to; only asked for a patient it reaches."""
        raise NotImplementedError

    def compose(self, draft: Draft) -> Message:
        """The message, in the active language; raises ContentError when it cannot be made safely. Callers ask
        `render`, which makes it in the patient's language."""
        raise NotImplementedError

    def render(self, draft: Draft) -> Message:
        """The message in the language the patient is spoken to in (procedures.languages), wherever it is made: a
        worker's batch, a letter's PDF, the admin's preview."""
        with speaking_to(draft.appointment.patient):
            return self.compose(draft)

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


# Channels that reach nobody for the moment: a message that did not arrive by them is being sent again
# (reminders.services.fallbacks), so a channel whose rule looks at the others (a letter goes only to a patient nothing
# else reaches) sees them as not reaching.
_NOT_REACHING: ContextVar[frozenset[str]] = ContextVar("reminders_not_reaching", default=frozenset())


@contextmanager
def not_reaching(slugs: Iterable[str]) -> Iterator[None]:
    """Within the block, the channels `slugs` names reach nobody (Channel.reaches answers False)."""
    reset = _NOT_REACHING.set(_NOT_REACHING.get() | frozenset(slugs))
    try:
        yield
    finally:
        _NOT_REACHING.reset(reset)


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
    "not_reaching",
]
