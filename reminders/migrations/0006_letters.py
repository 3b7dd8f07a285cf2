"""Letters (reminders.channels.letter): the stages a letter carries by default, and the closing code for a message
that would arrive too late.

A letter takes LETTER_POSTAL_DAYS working days to arrive, so it carries the booking confirmation, the timed stage
furthest ahead (a week before), the day before the preparation starts (which goes by every channel the patient
has), a move and a cancellation (each only when there is time to post it: the channel says so, see
Reminder.CloseReason.ARRIVES_LATE); not the two days or the day before, which a letter cannot reach in time. Staff can change any rule in the admin afterwards. Reversible: "letter" leaves every rule.
"""

from django.db import migrations, models

LETTER_STAGES = ("booking_confirmation", "week_before", "preparation_starts", "rescheduled", "cancellation")


def letters_on_the_rules(apps, schema_editor):
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    for rule in ReminderRule.objects.filter(stage__in=LETTER_STAGES):
        if "letter" not in rule.channels:
            rule.channels = [*rule.channels, "letter"]
            rule.save(update_fields=["channels"])


def no_letters_on_the_rules(apps, schema_editor):
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    for rule in ReminderRule.objects.all():
        if "letter" in rule.channels:
            rule.channels = [slug for slug in rule.channels if slug != "letter"]
            rule.save(update_fields=["channels"])


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0005_preparation_starts_stage"),
    ]

    operations = [
        migrations.AlterField(
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
                        "Too close to the appointment for this stage: its content went with the booking or move notice.",
                    ),
                    (
                        "arrives_late",
                        "By this channel it would reach the patient only after the appointment (or the time it replaces).",
                    ),
                    ("unbuildable", "The message could not be made."),
                    ("refused", "The provider refused the message."),
                    ("gave_up", "Gave up after the last attempt."),
                ],
                editable=False,
                max_length=16,
            ),
        ),
        migrations.RunPython(letters_on_the_rules, no_letters_on_the_rules),
    ]
