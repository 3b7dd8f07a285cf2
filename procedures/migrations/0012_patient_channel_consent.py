"""A patient's choice of reminders becomes consent per channel (`Patient.channels`, slugs of registered channels), so
a third channel needs no new choice: "both" becomes email and SMS, "email" and "sms" themselves, "none" no channel.
History rows are mapped the same way, so the audit trail reads in the new terms. Reversible: a list maps back to the
nearest old choice (a channel the old choices cannot say is dropped)."""

from django.db import migrations

import reminders.channels
import reminders.channels.fields

OLD_TO_NEW = {"both": ["email", "sms"], "email": ["email"], "sms": ["sms"], "none": []}


def to_consent(apps, schema_editor):
    for model in ("Patient", "HistoricalPatient"):
        Model = apps.get_model("procedures", model)
        for old, new in OLD_TO_NEW.items():
            Model.objects.filter(preferred_channel=old).update(channels=new)


def to_preference(apps, schema_editor):
    for model in ("Patient", "HistoricalPatient"):
        Model = apps.get_model("procedures", model)
        for pk, channels in Model.objects.values_list("pk", "channels"):
            agreed = {"email", "sms"} & set(channels or [])
            old = {frozenset(v): k for k, v in OLD_TO_NEW.items()}[frozenset(agreed)]
            Model.objects.filter(pk=pk).update(preferred_channel=old)


FIELD = dict(
    blank=True,
    default=reminders.channels.default_consent,
    help_text="The ways the patient agreed to be reminded; none for no reminders.",
    verbose_name="reminders by",
)


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0011_patient_sms_stopped_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalpatient",
            name="channels",
            field=reminders.channels.fields.ChannelsField(**FIELD),
        ),
        migrations.AddField(
            model_name="patient",
            name="channels",
            field=reminders.channels.fields.ChannelsField(**FIELD),
        ),
        migrations.RunPython(to_consent, to_preference),
        migrations.RemoveField(model_name="historicalpatient", name="preferred_channel"),
        migrations.RemoveField(model_name="patient", name="preferred_channel"),
    ]
