"""A timed stage, `preparation_starts`: the day before the procedure type's preparation window opens (for a
ductogram, 3 days before: no squeezing or checking for discharge), by email and text. Its time comes from the type's
`preparation_lead_days`, so the rule has no offset. The FAQ's squeezing entry joins the stage, so its email leads with
that point."""

from django.db import migrations, models

STAGE = "preparation_starts"


def _settle(schema_editor):
    """Fire PostgreSQL's deferred foreign-key checks now: a schema change later in the same transaction (the
    reverse of this migration's own) refuses to run with them pending."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def add_stage(apps, schema_editor):
    ProcedureType = apps.get_model("procedures", "ProcedureType")
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    FaqEntry = apps.get_model("procedures", "FaqEntry")
    for procedure_type in ProcedureType.objects.filter(code="DUCTOGRAM"):
        ReminderRule.objects.get_or_create(
            procedure_type=procedure_type, stage=STAGE, defaults={"offset": None, "channels": ["email", "sms"]}
        )
        for entry in FaqEntry.objects.filter(procedure_type=procedure_type, kind="preparation"):
            if "squeeze" in entry.question.lower() and STAGE not in entry.stages:
                entry.stages = [*entry.stages, STAGE]
                entry.save(update_fields=["stages"])
    _settle(schema_editor)


def remove_stage(apps, schema_editor):
    apps.get_model("reminders", "Reminder").objects.filter(stage=STAGE).delete()
    apps.get_model("reminders", "ReminderRule").objects.filter(stage=STAGE).delete()
    for entry in apps.get_model("procedures", "FaqEntry").objects.all():
        if STAGE in entry.stages:
            entry.stages = [s for s in entry.stages if s != STAGE]
            entry.save(update_fields=["stages"])
    _settle(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0014_preparation_days_and_unseen_moves"),
        ("reminders", "0004_close_reason_and_registered_channels"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="reminderrule",
            name="reminderrule_offset_only_for_timed_stages",
        ),
        migrations.AlterField(
            model_name="reminder",
            name="stage",
            field=models.CharField(
                choices=[
                    ("booking_confirmation", "Booking confirmation"),
                    ("week_before", "A week before"),
                    ("preparation_starts", "The day before the preparation starts"),
                    ("two_days_before", "Two days before"),
                    ("day_before", "The day before"),
                    ("rescheduled", "Rescheduled"),
                    ("cancellation", "Cancellation"),
                ],
                editable=False,
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="reminderrule",
            name="offset",
            field=models.DurationField(
                blank=True,
                help_text="How long before the appointment it is sent, e.g. '7 days' or '2 days, 0:00:00'. Empty for the event stages (confirmation, rescheduled, cancellation), which go at once, and for 'the day before the preparation starts', whose time comes from the procedure type's preparation days.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="reminderrule",
            name="stage",
            field=models.CharField(
                choices=[
                    ("booking_confirmation", "Booking confirmation"),
                    ("week_before", "A week before"),
                    ("preparation_starts", "The day before the preparation starts"),
                    ("two_days_before", "Two days before"),
                    ("day_before", "The day before"),
                    ("rescheduled", "Rescheduled"),
                    ("cancellation", "Cancellation"),
                ],
                max_length=32,
            ),
        ),
        migrations.AddConstraint(
            model_name="reminderrule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("offset__isnull", True),
                        ("stage__in", ["booking_confirmation", "rescheduled", "cancellation", "preparation_starts"]),
                    ),
                    models.Q(
                        ("offset__isnull", False),
                        models.Q(
                            (
                                "stage__in",
                                ["booking_confirmation", "rescheduled", "cancellation", "preparation_starts"],
                            ),
                            _negated=True,
                        ),
                    ),
                    _connector="OR",
                ),
                name="reminderrule_offset_only_for_timed_stages",
                violation_error_message="Timed stages need an offset; event stages, and the day before the preparation starts (timed by the procedure type), have none.",
            ),
        ),
        migrations.RunPython(add_stage, remove_stage),
    ]
