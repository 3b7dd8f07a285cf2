"""The two staff roles. Schedulers book and see patients but never result reports; radiologists log results."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Schedulers": {
        "patient": ["add", "change", "view"],
        "appointment": ["add", "change", "view"],
        "room": ["view"],
        "proceduretype": ["view"],
        "faqentry": ["add", "change", "view"],
    },
    "Radiologists": {
        "patient": ["view"],
        "appointment": ["change", "view"],
        "procedureresult": ["add", "change", "view"],
        "room": ["view"],
        "proceduretype": ["view"],
        "faqentry": ["change", "view"],
    },
}


def create_groups(apps, schema_editor):
    # Permissions are normally made after migrate finishes; make them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, models in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [f"{action}_{model}" for model, actions in models.items() for action in actions]
        perms = Permission.objects.filter(content_type__app_label="procedures", codename__in=codenames)
        group.permissions.add(*perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0003_ductogram_and_faq"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
