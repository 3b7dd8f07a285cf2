"""A result's end must come after its start, in the database as in the code: `result_ends_after_start` said
`ended_at >= started_at`, so a 0-minute procedure (an end typed equal to the start) was saved, and counted in the
reports' medians, though the model's clean() refused it.

What happens to the rows that break the new rule (an end at or before the start, both logged): their `ended_at`
is cleared, so the result stays, with its findings and its start, and the radiologist logs the end again. The
result's history gets a row for the change, whose change reason gives the end that was there (in UTC) and why it
went. The outcome, findings and everything else stay as they were. (Only an end equal to the start can be found: the old
constraint refused any earlier.) Going back keeps the cleared times cleared: the old constraint accepts them as
they are, and the history still holds what they were.

Results longer than RESULT_MAX_HOURS are left alone: that limit is a setting, so it stays in the code
(`ProcedureResult.objects.usable_durations()` leaves them out of every figure).
"""

from datetime import UTC

from django.db import migrations, models
from django.utils import timezone


def cleared(end) -> str:
    """The history row's change reason (at most 100 characters): what the end was, and why it went."""
    return f"Migration result_ends_after_start cleared the end {end.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC (not after start)"


def clear_ends_not_after_start(apps, schema_editor):
    Result = apps.get_model("procedures", "ProcedureResult")
    History = apps.get_model("procedures", "HistoricalProcedureResult")
    broken = Result.objects.filter(
        started_at__isnull=False, ended_at__isnull=False, ended_at__lte=models.F("started_at")
    ).order_by("pk")
    now = timezone.now()
    fields = [f.attname for f in Result._meta.concrete_fields]
    for result in broken:
        # Like every history row, it holds the result as it is after the change: the end cleared.
        values = {name: getattr(result, name) for name in fields}
        values["ended_at"] = None
        reason = cleared(result.ended_at)
        History.objects.create(**values, history_date=now, history_type="~", history_change_reason=reason)
    broken.update(ended_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0012_patient_channel_consent"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="procedureresult", name="result_ends_after_start"),
        migrations.RunPython(clear_ends_not_after_start, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="procedureresult",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("started_at__isnull", True),
                    ("ended_at__isnull", True),
                    ("ended_at__gt", models.F("started_at")),
                    _connector="OR",
                ),
                name="result_ends_after_start",
                violation_error_message="The procedure must end after it started; check the end time.",
            ),
        ),
    ]
