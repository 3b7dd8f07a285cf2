"""Names spelled alike in the patient search (procedures.patients.fuzzy): every word of the patients' folded names,
once, in `procedures_nameword`.

On PostgreSQL (pg_trgm is there since 0009, which made it for the trigram index on `search_name`; not made again
here, as undoing this migration must not drop it): a trigram GIN index on the words, a trigger that adds the words
of each patient inserted or whose `search_name` changes (bulk_create and update() included), the words of the
patients already there, and a GIN index on the array of each patient's words (string_to_array(search_name, ' ')),
which finds the patients holding a spelling as a whole word. Words holding a digit are left out of the table: they
are no name to spell. On SQLite the table is made and stays empty: the search matches names as typed there.
"""

from django.db import migrations, models

TRIGRAM_INDEX = "nameword_word_trgm"
WORDS_INDEX = "patient_search_words"
FUNCTION = "procedures_patient_name_words"
TRIGGER = "patient_name_words"

FORWARDS = [
    f"CREATE INDEX {TRIGRAM_INDEX} ON procedures_nameword USING gin (word gin_trgm_ops)",
    f"CREATE INDEX {WORDS_INDEX} ON procedures_patient USING gin (string_to_array(search_name, ' '))",
    f"""
    CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO procedures_nameword (word)
        SELECT DISTINCT w FROM unnest(string_to_array(NEW.search_name, ' ')) AS w WHERE w <> '' AND w !~ '[0-9]'
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OF search_name ON procedures_patient
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()
    """,
    """
    INSERT INTO procedures_nameword (word)
    SELECT DISTINCT w FROM procedures_patient, unnest(string_to_array(search_name, ' ')) AS w
    WHERE w <> '' AND w !~ '[0-9]'
    ON CONFLICT DO NOTHING
    """,
]
BACKWARDS = [
    f"DROP INDEX IF EXISTS {WORDS_INDEX}",
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON procedures_patient",
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
]


def on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0027_flags_tell_yes_from_not_sure"),
    ]

    operations = [
        migrations.CreateModel(
            name="NameWord",
            fields=[
                (
                    "word",
                    models.CharField(
                        help_text="A folded word of a patient's names.",
                        max_length=201,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
            ],
            options={
                "verbose_name": "name word",
            },
        ),
        migrations.RunPython(on_postgresql(FORWARDS), on_postgresql(BACKWARDS)),
    ]
