"""Reminder services, the one way other code changes reminders:

- scheduling: rows follow their appointment (booked, moved, cancelled, ended).
- consent: rows follow the patient (new details, a stop, a restart, the notices they missed).
- reach: by which channels a message may go (service notices reach patients who stopped reminders).
- delivery: the periodic dispatch claims due rows and each is sent once, with retries and the safety rules.
- batches: the rows dispatch claimed together, sent by one task over one connection, each under those rules.
- staff: send now, retry failed, preview.
- replies: the SMS provider's delivery reports and STOP replies.
- letters: the rows staff deliver by hand (letters) that are due, and marking them posted.
- email_events: the email provider's delivery reports, bounces and complaints (django-anymail's tracking events).
- fallbacks: what happens when a message we sent did not arrive.
- offers: the waiting list's offers of an earlier time, as rows of the `slot_offer` stage.
- conversations: what a patient's reply other than STOP/START means (YES confirms, MOVE asks to move, the rest
  reaches staff), and the acknowledgement texted back.

Sends reach the workers through reminders.queueing (patch `reminders.queueing.queue_sends` in tests, not this name).
"""

from ..queueing import queue_sends
from .batches import send_batch
from .consent import opt_out, patient_details_changed, resume, send_missed_notices
from .conversations import handle_reply
from .delivery import LAST_DISPATCH_CACHE_KEY, cache_set_last_dispatch, dispatch_due, send_reminder
from .email_events import record_email_event
from .fallbacks import delivery_failed
from .letters import due_by_hand, mark_posted
from .offers import offer_messages, offer_reaches, offer_rule
from .reach import channels_for
from .replies import asks_to_start, asks_to_stop, opt_in_by_number, opt_out_by_number, record_delivery_report
from .scheduling import (
    TOO_LATE,
    cancel_reminders,
    close_for_appointment,
    reopen_for_appointment,
    reschedule_reminders,
    schedule_reminders,
)
from .staff import preview, retry_failed, send_now

__all__ = [
    "LAST_DISPATCH_CACHE_KEY",
    "TOO_LATE",
    "asks_to_start",
    "asks_to_stop",
    "cache_set_last_dispatch",
    "cancel_reminders",
    "channels_for",
    "close_for_appointment",
    "delivery_failed",
    "handle_reply",
    "dispatch_due",
    "due_by_hand",
    "mark_posted",
    "offer_messages",
    "offer_reaches",
    "offer_rule",
    "opt_in_by_number",
    "opt_out",
    "opt_out_by_number",
    "patient_details_changed",
    "preview",
    "queue_sends",
    "record_delivery_report",
    "record_email_event",
    "reopen_for_appointment",
    "reschedule_reminders",
    "resume",
    "retry_failed",
    "schedule_reminders",
    "send_batch",
    "send_missed_notices",
    "send_now",
    "send_reminder",
]
