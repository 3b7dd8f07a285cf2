"""The default reminder rules of DESIGN.md for the ductogram, and what each staff role may do with reminders."""

from datetime import timedelta

from django.contrib.auth.management import create_permissions
from django.db import migrations

RULES = [
    # stage, offset, channels
    ("booking_confirmation", None, ["email", "sms"]),
    ("week_before", timedelta(days=7), ["email"]),
    ("two_days_before", timedelta(days=2), ["sms", "email"]),
    ("day_before", timedelta(days=1), ["sms"]),
    ("rescheduled", None, ["email", "sms"]),
    ("cancellation", None, ["email", "sms"]),
]

ROLES = {
    "Schedulers": ["view_reminder", "change_reminder", "view_reminderrule"],
    "Radiologists": ["view_reminder", "view_reminderrule"],
}


def load(apps, schema_editor):
    ProcedureType = apps.get_model("procedures", "ProcedureType")
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    for ductogram in ProcedureType.objects.filter(code="DUCTOGRAM"):
        for stage, offset, channels in RULES:
            ReminderRule.objects.get_or_create(
                procedure_type=ductogram, stage=stage, defaults={"offset": offset, "channels": channels}
            )
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="reminders", codename__in=codenames))


def unload(apps, schema_editor):
    apps.get_model("reminders", "ReminderRule").objects.filter(procedure_type__code="DUCTOGRAM").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_outbox"),
        ("procedures", "0004_staff_groups"),
    ]

    operations = [migrations.RunPython(load, unload)]
