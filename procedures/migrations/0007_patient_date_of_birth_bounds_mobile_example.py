"""A date of birth lies within PATIENT_MAX_AGE_YEARS before today and today (a field validator, so forms and the
admin show it on the field); the mobile number's example is one the phone validator accepts."""

import phonenumber_field.modelfields
from django.db import migrations, models

import procedures.models.clinic


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0006_patient_page_permissions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalpatient",
            name="date_of_birth",
            field=models.DateField(validators=[procedures.models.clinic.validate_date_of_birth]),
        ),
        migrations.AlterField(
            model_name="historicalpatient",
            name="mobile",
            field=phonenumber_field.modelfields.PhoneNumberField(
                blank=True, help_text="International format, e.g. +44 7911 123456.", max_length=128, region=None
            ),
        ),
        migrations.AlterField(
            model_name="patient",
            name="date_of_birth",
            field=models.DateField(validators=[procedures.models.clinic.validate_date_of_birth]),
        ),
        migrations.AlterField(
            model_name="patient",
            name="mobile",
            field=phonenumber_field.modelfields.PhoneNumberField(
                blank=True, help_text="International format, e.g. +44 7911 123456.", max_length=128, region=None
            ),
        ),
    ]
