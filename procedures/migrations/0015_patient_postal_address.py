"""A patient's postal address, large print and "letters as well", for the letter channel (reminders.channels.letter).

Existing patients with an address but neither email nor mobile agree to letters, as a new patient does by default
(nobody has an address yet, so this finds no one on a database from before; it is here for one restored from
elsewhere). A patient who asked for no reminders (no channels) is left so. Reversing drops the fields, and "letter"
from the consent of those this step gave it to cannot be told from those who chose it, so it stays.
"""

from django.db import migrations, models

import procedures.models.address
import procedures.text


def letters_for_the_unreached(apps, schema_editor):
    Patient = apps.get_model("procedures", "Patient")
    unreached = Patient.objects.filter(email="", mobile="").exclude(address_line1="").exclude(postcode="")
    for patient in unreached.exclude(town="").only("pk", "channels"):
        if patient.channels and "letter" not in patient.channels:
            Patient.objects.filter(pk=patient.pk).update(channels=[*patient.channels, "letter"])


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0014_preparation_days_and_unseen_moves"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalpatient",
            name="address_line1",
            field=models.CharField(
                blank=True,
                help_text="House number or name and street.",
                max_length=100,
                validators=[procedures.text.NoControlCharacters()],
                verbose_name="address line 1",
            ),
        ),
        migrations.AddField(
            model_name="historicalpatient",
            name="address_line2",
            field=models.CharField(
                blank=True,
                help_text="Optional: flat, area or village.",
                max_length=100,
                validators=[procedures.text.NoControlCharacters()],
                verbose_name="address line 2",
            ),
        ),
        migrations.AddField(
            model_name="historicalpatient",
            name="needs_large_print",
            field=models.BooleanField(
                default=False, help_text="Letters in 16 pt type or larger.", verbose_name="large print letters"
            ),
        ),
        migrations.AddField(
            model_name="historicalpatient",
            name="postcode",
            field=procedures.models.address.PostcodeField(
                blank=True, help_text="A UK postcode, like SW1A 1AA.", max_length=8
            ),
        ),
        migrations.AddField(
            model_name="historicalpatient",
            name="town",
            field=models.CharField(
                blank=True,
                max_length=60,
                validators=[procedures.text.NoControlCharacters()],
                verbose_name="town or city",
            ),
        ),
        migrations.AddField(
            model_name="historicalpatient",
            name="wants_letters",
            field=models.BooleanField(
                default=False,
                help_text="The patient asked for letters: post them even when email or text reaches the patient. Otherwise a letter goes only to a patient nothing else reaches.",
                verbose_name="letters as well",
            ),
        ),
        migrations.AddField(
            model_name="patient",
            name="address_line1",
            field=models.CharField(
                blank=True,
                help_text="House number or name and street.",
                max_length=100,
                validators=[procedures.text.NoControlCharacters()],
                verbose_name="address line 1",
            ),
        ),
        migrations.AddField(
            model_name="patient",
            name="address_line2",
            field=models.CharField(
                blank=True,
                help_text="Optional: flat, area or village.",
                max_length=100,
                validators=[procedures.text.NoControlCharacters()],
                verbose_name="address line 2",
            ),
        ),
        migrations.AddField(
            model_name="patient",
            name="needs_large_print",
            field=models.BooleanField(
                default=False, help_text="Letters in 16 pt type or larger.", verbose_name="large print letters"
            ),
        ),
        migrations.AddField(
            model_name="patient",
            name="postcode",
            field=procedures.models.address.PostcodeField(
                blank=True, help_text="A UK postcode, like SW1A 1AA.", max_length=8
            ),
        ),
        migrations.AddField(
            model_name="patient",
            name="town",
            field=models.CharField(
                blank=True,
                max_length=60,
                validators=[procedures.text.NoControlCharacters()],
                verbose_name="town or city",
            ),
        ),
        migrations.AddField(
            model_name="patient",
            name="wants_letters",
            field=models.BooleanField(
                default=False,
                help_text="The patient asked for letters: post them even when email or text reaches the patient. Otherwise a letter goes only to a patient nothing else reaches.",
                verbose_name="letters as well",
            ),
        ),
        migrations.RunPython(letters_for_the_unreached, migrations.RunPython.noop),
    ]
