"""No two live appointments overlap in one room, or for one radiologist, even under concurrent bookings.

PostgreSQL only: an exclusion constraint over the booked interval. The interval is built in UTC with
immutable functions (timezone('UTC', ...) and make_interval), which an index expression requires. On SQLite
the booking service checks inside its IMMEDIATE transaction, which serialises writers.
"""

from django.db import migrations

LIVE = "('booked', 'confirmed', 'checked_in', 'completed')"
SPAN = (
    "tsrange(timezone('UTC', scheduled_start), "
    "timezone('UTC', scheduled_start) + make_interval(mins => expected_duration::int), '[)')"
)

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE procedures_appointment ADD CONSTRAINT appointment_no_room_overlap
        EXCLUDE USING gist (room_id WITH =, {SPAN} WITH &&) WHERE (status IN {LIVE})""",
    f"""ALTER TABLE procedures_appointment ADD CONSTRAINT appointment_no_radiologist_overlap
        EXCLUDE USING gist (radiologist_id WITH =, {SPAN} WITH &&)
        WHERE (status IN {LIVE} AND radiologist_id IS NOT NULL)""",
]
BACKWARD = [
    "ALTER TABLE procedures_appointment DROP CONSTRAINT IF EXISTS appointment_no_radiologist_overlap",
    "ALTER TABLE procedures_appointment DROP CONSTRAINT IF EXISTS appointment_no_room_overlap",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
