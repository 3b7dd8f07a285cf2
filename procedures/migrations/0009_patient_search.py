"""Patient search (/patients/?q=): a folded-names column, filled for existing patients, with the indexes that
serve the search: on PostgreSQL a trigram GIN index (pg_trgm) for "the names contain every word typed", and
everywhere b-tree indexes for the MRN (any case), the date of birth and the phone numbers."""

import unicodedata

import django.db.models.functions.text
from django.db import migrations, models

TRIGRAM_INDEX = "patient_search_name_trgm"
_JOINERS = str.maketrans({"'": "", "’": "", "`": "", "-": " ", ".": " ", ",": " "})


def fold(text: str) -> str:
    """procedures.patients.folding.fold as it was when this migration was written (kept here, so it never moves)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().translate(_JOINERS).split())


def fill_search_name(apps, schema_editor):
    Patient = apps.get_model("procedures", "Patient")
    batch = []
    for patient in Patient.objects.only("pk", "given_name", "family_name").iterator(chunk_size=2000):
        patient.search_name = fold(f"{patient.given_name} {patient.family_name}")
        batch.append(patient)
        if len(batch) >= 2000:
            Patient.objects.bulk_update(batch, ["search_name"])
            batch = []
    if batch:
        Patient.objects.bulk_update(batch, ["search_name"])


def add_trigram_index(apps, schema_editor):
    """PostgreSQL only: SQLite has no trigram index and simply scans (fine at a clinic's size)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON procedures_patient USING gin (search_name gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0008_patient_phone_cancel_reason_code"),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="search_name",
            field=models.CharField(default="", editable=False, max_length=201),
        ),
        migrations.RunPython(fill_search_name, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(django.db.models.functions.text.Upper("mrn"), name="patient_mrn_upper"),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["date_of_birth"], name="patient_date_of_birth"),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["mobile"], name="patient_mobile"),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["phone"], name="patient_phone"),
        ),
    ]
