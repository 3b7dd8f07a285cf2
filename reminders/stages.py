"""The reminders' vocabulary: the stages, the moments a patient hears from the clinic. (Channels are not a fixed
list: settings.REMINDER_CHANNELS registers them, reminders.channels.)

Kept free of models so that procedures (FAQ content) and reminders (rules, the outbox) share one vocabulary without
importing each other's models.
"""

from django.db import models


class Stage(models.TextChoices):
    BOOKING_CONFIRMATION = "booking_confirmation", "Booking confirmation"
    WEEK_BEFORE = "week_before", "A week before"
    PREPARATION_STARTS = "preparation_starts", "The day before the preparation starts"
    TWO_DAYS_BEFORE = "two_days_before", "Two days before"
    DAY_BEFORE = "day_before", "The day before"
    RESCHEDULED = "rescheduled", "Rescheduled"
    CANCELLATION = "cancellation", "Cancellation"
    SLOT_OFFER = "slot_offer", "An earlier time offered"


# Stages that carry preparation content; the event notices (rescheduled, cancellation) carry only the news.
# In the order they come, the appointment last.
CONTENT_STAGES = (
    Stage.BOOKING_CONFIRMATION,
    Stage.WEEK_BEFORE,
    Stage.PREPARATION_STARTS,
    Stage.TWO_DAYS_BEFORE,
    Stage.DAY_BEFORE,
)

# Stages sent when something happens, not at a time before the appointment.
EVENT_STAGES = (Stage.BOOKING_CONFIRMATION, Stage.RESCHEDULED, Stage.CANCELLATION, Stage.SLOT_OFFER)
# Event stages that announce a time and so carry what the timed stages they replace would have said.
ANNOUNCING_STAGES = (Stage.BOOKING_CONFIRMATION, Stage.RESCHEDULED)
# Service notices, not reminders: they go to a patient who stopped reminders too, by every channel that reaches them
# (Patient.notice_channels). A booking confirmation asking the patient to arrive as soon as they can is one as well.
# An offer of an earlier time from the waiting list is one too: the patient asked for it (Appointment.short_notice_ok).
SERVICE_STAGES = (Stage.RESCHEDULED, Stage.CANCELLATION, Stage.SLOT_OFFER)
# Timed stages whose time comes from the procedure type, not from an offset on the rule.
TYPE_TIMED_STAGES = (Stage.PREPARATION_STARTS,)
