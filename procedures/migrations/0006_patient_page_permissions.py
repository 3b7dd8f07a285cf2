"""Both staff roles see what patients send from their page (answers, reads, requests) and log calls to them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Schedulers": {
        "safetyanswers": ["view"],
        "preparationread": ["view"],
        "patientrequest": ["view"],
        "patientcall": ["add", "view"],
    },
    "Radiologists": {
        "safetyanswers": ["view"],
        "preparationread": ["view"],
        "patientrequest": ["view"],
        "patientcall": ["add", "view"],
    },
}


def _codenames(models: dict) -> list[str]:
    return [f"{action}_{model}" for model, actions in models.items() for action in actions]


def grant(apps, schema_editor):
    # Permissions are normally made after migrate finishes; make them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, models in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="procedures", codename__in=_codenames(models))
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, models in ROLES.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="procedures", codename__in=_codenames(models))
            )


class Migration(migrations.Migration):
    dependencies = [("procedures", "0005_patient_requests_answers_reads")]

    operations = [migrations.RunPython(grant, revoke)]
