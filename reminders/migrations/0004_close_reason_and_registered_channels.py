"""Closing reasons as codes (`Reminder.close_reason`) beside the words in `last_error`, so no code compares a sentence;
channels as the slugs of registered channels (settings.REMINDER_CHANNELS), validated against the registry.

The data step gives rows closed before this migration the code their words meant (the sentences the second round
wrote, matched once, here); a row whose words match none keeps an empty code, and a failed one is counted as refused.
"""

from django.db import migrations, models
from django.db.models import Q

import reminders.channels
import reminders.channels.fields

CODES = [
    ("folded", Q(last_error__startswith="Too close to the appointment for this stage")),
    ("moved", Q(last_error__startswith="The appointment moved to ")),
    ("cancelled", Q(last_error="The appointment was cancelled.") | Q(last_error="The appointment is cancelled.")),
    ("checked_in", Q(last_error="The patient has checked in.") | Q(last_error="The appointment is checked in.")),
    ("no_show", Q(last_error="The patient did not attend.") | Q(last_error="The appointment is did not attend.")),
    ("completed", Q(last_error="The appointment has taken place.") | Q(last_error="The appointment is completed.")),
    ("opted_out", Q(last_error="The patient opted out of reminders.")),
    ("started", Q(last_error="The appointment had begun.") | Q(last_error="The appointment time had passed.")),
    (
        "unreachable",
        Q(last_error__startswith="The patient has no ")
        | Q(last_error__startswith="The patient replied STOP")
        | Q(last_error__startswith="The patient no longer wants reminders by"),
    ),
    ("gave_up", Q(status="failed", last_error__startswith="Gave up after")),
    (
        "unbuildable",
        Q(status="failed")
        & (Q(last_error__startswith="Could not build the message") | Q(last_error__startswith="The text would")),
    ),
]


def codes_from_words(apps, schema_editor):
    Reminder = apps.get_model("reminders", "Reminder")
    closed = Reminder.objects.filter(status__in=["cancelled", "skipped", "failed"], close_reason="")
    for code, words in CODES:
        closed.filter(words).update(close_reason=code)
    closed.filter(status="failed", close_reason="").update(close_reason="refused")


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0003_reschedule_notice_previous_start"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="close_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("cancelled", "The appointment was cancelled."),
                    ("moved", "The appointment moved."),
                    ("checked_in", "The patient has checked in."),
                    ("no_show", "The patient did not attend."),
                    ("completed", "The appointment has taken place."),
                    ("opted_out", "The patient opted out of reminders."),
                    ("unreachable", "This channel no longer reaches the patient."),
                    ("started", "The appointment had begun."),
                    (
                        "folded",
                        "Too close to the appointment for this stage: its content went with the booking or move "
                        "notice.",
                    ),
                    ("unbuildable", "The message could not be made."),
                    ("refused", "The provider refused the message."),
                    ("gave_up", "Gave up after the last attempt."),
                ],
                editable=False,
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="channel",
            field=models.CharField(
                choices=reminders.channels.channel_choices,
                max_length=32,
                validators=[reminders.channels.validate_channel_slug],
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="last_error",
            field=models.TextField(blank=True, help_text="Why it was closed or failed, in staff's words."),
        ),
        migrations.AlterField(
            model_name="reminderrule",
            name="channels",
            field=reminders.channels.fields.ChannelsField(
                default=list, help_text="The channels this stage goes by (settings.REMINDER_CHANNELS)."
            ),
        ),
        migrations.RunPython(codes_from_words, migrations.RunPython.noop),
    ]
