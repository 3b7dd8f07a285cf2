"""Letters: an A4 appointment letter that staff print and post (the /letters/ page), for patients nothing else
reaches or who asked for letters.

- Who: a patient with a postal address who agreed to letters (new patients do by default) and whom no other channel
  they agreed to reaches, unless they asked for letters as well (`Patient.wants_letters`). So a patient with email
  never gets a letter they did not ask for, and one with only an address is not left unreached.
- When: LETTER_POSTAL_DAYS working days (Mon-Fri) before the moment it should arrive (`send_time`); a letter that
  would arrive only on or after the appointment's day is not made (`too_late`).
- How: staff print it and mark it posted (reminders.services.letters); no worker sends it (`delivered_by_hand`).
- What: the same words as the email (reminders.wording), with the preparation and the FAQ answers of its stage
  whatever REMINDER_EMAIL_CONTENT says (that setting is about email; a letter is for patients who may have no way
  to open the private link), as a PDF (reminders.channels.letter_pdf).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext

from procedures import clinic_time
from procedures.models.address import has_postal_address, postal_address_lines
from procedures.preparation import preparation_opens_on

from ..stages import Stage
from ..wording import draft_context, faq_for, from_day, on_day
from . import channels
from .base import Draft, Message, PermanentSendError, ReminderChannel
from .letter_pdf import render_letter

if TYPE_CHECKING:
    from procedures.models import Patient

    from ..models import Reminder

WORKING_DAYS = range(5)  # Monday to Friday: the days the post is collected and delivered, as LETTER_POSTAL_DAYS counts


def working_days_before(day: date, count: int) -> date:
    """The working day `count` working days before `day` (`day` itself for 0 when it is a working day)."""
    while day.weekday() not in WORKING_DAYS:
        day -= timedelta(days=1)
    while count > 0:
        day -= timedelta(days=1)
        count -= day.weekday() in WORKING_DAYS
    return day


def working_days_after(day: date, count: int) -> date:
    """When a letter posted on `day` (or the next working day, at a weekend) arrives, `count` working days on."""
    while day.weekday() not in WORKING_DAYS:
        day += timedelta(days=1)
    while count > 0:
        day += timedelta(days=1)
        count -= day.weekday() in WORKING_DAYS
    return day


def reached_otherwise(patient: Patient, letter: str) -> list[str]:
    """The other channels that reach the patient and count, in the patient's words ("email", "text"): if they agreed
    to letters (`letter` in their consent), those they also agreed to; if not, any, since then a letter only ever
    carries a service notice, as the last resort (a patient with email who asked for no reminders hears of a move by
    email, not by letter as well)."""
    agreed_only = letter in patient.channels
    return [
        channel.patient_word
        for slug, channel in channels().items()
        if not isinstance(channel, LetterChannel)
        and (slug in patient.channels or not agreed_only)
        and channel.reaches(patient)
    ]


def letter_heading(stage: str, ctx: dict) -> str:
    """The letter's heading (and the row's subject), in the active language."""
    when = {"date": ctx["long_date"], "time": ctx["time"]}
    if stage == Stage.RESCHEDULED:
        return gettext("Your appointment has moved to %(date)s at %(time)s") % when
    if stage == Stage.CANCELLATION:
        return gettext("Your appointment on %(date)s at %(time)s has been cancelled") % when
    return gettext("Your appointment on %(date)s at %(time)s") % when


def _days_in_writing(draft: Draft, today: date) -> dict:
    """A letter is read days after it is printed: its days are dates ("on Mon 24 Jun"), never "tomorrow" or "in a
    week" as of the printing; and the preparation has started "now" if it will have by the day the letter arrives."""
    opens = preparation_opens_on(draft.for_start, draft.appointment.procedure_type.preparation_lead_days)
    started = opens <= working_days_after(today, settings.LETTER_POSTAL_DAYS)
    return {
        "appointment_day": on_day(draft.for_start),
        "appointment_is_near": False,
        "preparation_from": from_day(opens, 0) if started else clinic_time.short_date(opens),
        "preparation_started": started,
    }


def letter_context(draft: Draft, *, today: date | None = None) -> dict:
    """The email's words (reminders.wording.context) and, always, the preparation and FAQ of the letter's stages;
    with the addressee, the letter's date, its days written as dates, and its print size."""
    today = today or clinic_time.today()
    ctx = draft_context(draft, with_faq=False)
    if draft.content_stages:
        selection = faq_for(draft.appointment.procedure_type_id, list(draft.content_stages))
        ctx.update(faq=selection.entries, points=selection.points, more_questions=selection.more)
    patient = draft.appointment.patient
    ctx.update(
        full=True,
        heading=letter_heading(draft.stage, ctx),
        full_name=patient.full_name,
        address_lines=postal_address_lines(patient),
        mrn=patient.mrn,
        letter_date=clinic_time.long_date(today),
        large_print=patient.needs_large_print,
        **_days_in_writing(draft, today),
    )
    ctx["intro"] = render_to_string("reminders/letter_intro.txt", ctx).strip()
    return ctx


class LetterChannel(ReminderChannel):
    slug = "letter"
    label = "Letter"
    missing = "postal address"
    patient_word = "letter"
    consent_by_default = True
    carries_faq = True
    delivered_by_hand = True

    # It reads the patient's fields only (through procedures.models.address), as every channel does: the schedule
    # asks it of rows that are not model instances.
    def why_not(self, patient: Patient) -> str:
        if not has_postal_address(patient):
            return "The patient has no postal address."
        if not patient.wants_letters and (others := reached_otherwise(patient, self.slug)):
            return (
                f"The patient is reached by {' and '.join(others)}: letters go only to patients nothing else reaches, "
                "unless they ask for letters as well."
            )
        return ""

    def address(self, patient: Patient) -> str:
        return ", ".join(postal_address_lines(patient))

    def compose(self, draft: Draft) -> Message:
        ctx = letter_context(draft)
        return Message(
            subject=ctx["heading"],
            text=render_to_string("reminders/letter.txt", ctx).strip() + "\n",
            pdf=render_letter(ctx),
        )

    def send_time(self, due: datetime) -> datetime:
        """The start of the clinic day LETTER_POSTAL_DAYS working days before `due`'s, so the morning's list has
        every letter to post that day."""
        day = working_days_before(clinic_time.day_of(due), settings.LETTER_POSTAL_DAYS)
        return min(clinic_time.day_start(day), due)

    def too_late(self, leaves: datetime, deadline: datetime) -> bool:
        """Posted on `leaves`' day, it arrives LETTER_POSTAL_DAYS working days later: it must arrive before the
        deadline's day, since the post may come after the appointment."""
        arrives = working_days_after(clinic_time.day_of(leaves), settings.LETTER_POSTAL_DAYS)
        return arrives >= clinic_time.day_of(deadline)

    def deliver(self, reminder: Reminder, message: Message, to: str) -> str:
        # Never reached: dispatch and the senders leave channels delivered by hand alone.
        raise PermanentSendError("Letters are printed and posted by staff, from the letters page.")

    def preview_note(self, message: Message) -> str:
        size = len(message.pdf or b"") // 1024
        return f"An A4 letter ({size} KB PDF) that staff print and post from the letters page."
