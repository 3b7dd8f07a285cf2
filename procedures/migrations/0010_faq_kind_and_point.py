"""FAQ entries get a kind (preparation, the procedure, after, background) and, for preparation, a one-line point.

Reminders carry only preparation and procedure entries, so the background (how milk is made) and aftercare stay
on the patient's page. Existing entries take the kind their topic implies; the seeded preparation entries get the
point a reminder leads with, unless staff have written one. Stages are left as
they are: staff tune them in the admin.
"""

from django.db import migrations, models

KIND_OF_TOPIC = {
    "about": "procedure",
    "procedure": "procedure",
    "duration": "procedure",
    "discomfort": "procedure",
    "preparation": "preparation",
    "aftercare": "after",
    "background": "background",
}

POINTS = {
    "Should I squeeze out the discharge before the test?": (
        "Do not squeeze or express your nipple for 3 days before the test."
    ),
    "What if the discharge has stopped?": "If the discharge has stopped, call us before you come.",
    "Can I wear deodorant or use body lotion?": (
        "On the day, no deodorant, talc, lotion or perfume on your breasts or under your arms."
    ),
    "What should I wear?": "Wear a two-piece outfit: you will undress to the waist.",
    "When should I arrive?": "Arrive 15 minutes before your appointment time.",
    "What do I need to tell you before the test?": (
        "Tell us before the day if you could be pregnant, are allergic to X-ray dye (iodine), have a red or "
        "infected breast, or take blood thinners."
    ),
}


def add_kinds_and_points(apps, schema_editor):
    FaqEntry = apps.get_model("procedures", "FaqEntry")
    for topic, kind in KIND_OF_TOPIC.items():
        FaqEntry.objects.filter(topic=topic).update(kind=kind)
    for question, point in POINTS.items():
        FaqEntry.objects.filter(procedure_type__code="DUCTOGRAM", question=question, point="").update(point=point)


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0009_patient_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="faqentry",
            name="kind",
            field=models.CharField(
                choices=[
                    ("preparation", "Preparation"),
                    ("procedure", "The procedure"),
                    ("after", "After the procedure"),
                    ("background", "Background"),
                ],
                default="background",
                help_text="Preparation and procedure entries go in the reminders of their stages (five at most in an email); after and background entries only on the patient's page.",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="faqentry",
            name="point",
            field=models.CharField(
                blank=True,
                help_text="For a preparation entry: what to do, in one line, for the top of its stages' reminders (the first three by order are shown), e.g. 'Wear a two-piece outfit.'",
                max_length=160,
                verbose_name="preparation point",
            ),
        ),
        migrations.AddField(
            model_name="historicalfaqentry",
            name="kind",
            field=models.CharField(
                choices=[
                    ("preparation", "Preparation"),
                    ("procedure", "The procedure"),
                    ("after", "After the procedure"),
                    ("background", "Background"),
                ],
                default="background",
                help_text="Preparation and procedure entries go in the reminders of their stages (five at most in an email); after and background entries only on the patient's page.",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="historicalfaqentry",
            name="point",
            field=models.CharField(
                blank=True,
                help_text="For a preparation entry: what to do, in one line, for the top of its stages' reminders (the first three by order are shown), e.g. 'Wear a two-piece outfit.'",
                max_length=160,
                verbose_name="preparation point",
            ),
        ),
        migrations.RunPython(add_kinds_and_points, migrations.RunPython.noop),
        migrations.RunPython(add_kinds_and_points, migrations.RunPython.noop),
    ]
