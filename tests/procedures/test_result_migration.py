"""Migration result_ends_after_start (0013): before the database refuses a result whose end is not after its
start, the rows that break that rule lose their end time, and each result's history says what it was and why."""

from datetime import UTC, timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from procedures.models import ProcedureResult
from tests.clinic import NOW
from tests.factories import AppointmentFactory, ProcedureResultFactory


def the_migration() -> tuple[str, str]:
    """The migration's name and the one before it, read from the graph (so a renumbering needs no edit here)."""
    graph = MigrationExecutor(connection).loader.graph
    (after,) = [name for app, name in graph.nodes if app == "procedures" and name.endswith("_result_ends_after_start")]
    (before,) = [name for app, name in graph.node_map[("procedures", after)].parents if app == "procedures"]
    return before, after


def migrate_procedures(target: str) -> None:
    call_command("migrate", "procedures", target, verbosity=0)


# Transactional, because migrations change the schema; serialized_rollback keeps the migrations' own rows (groups,
# the FAQ, reminder rules) for the tests after this one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_clears_an_end_not_after_the_start_and_records_why_in_the_history():
    start = NOW - timedelta(days=3)
    before, after = the_migration()
    # The rows are made with today's models and schema (later migrations add columns the factories fill); the one
    # that breaks the rule gets its end at the old schema, which has no constraint yet.
    zero = ProcedureResultFactory(
        appointment=AppointmentFactory(scheduled_start=start), started_at=start, ended_at=start + timedelta(minutes=1)
    )
    try:
        sound = ProcedureResultFactory(
            appointment=AppointmentFactory(scheduled_start=start + timedelta(hours=1)),
            started_at=start + timedelta(hours=1),
            ended_at=start + timedelta(hours=1, minutes=40),
        )
        running = ProcedureResultFactory(
            appointment=AppointmentFactory(scheduled_start=start + timedelta(hours=2)),
            started_at=start + timedelta(hours=2),
            ended_at=None,
        )
        migrate_procedures(before)
        ProcedureResult.objects.filter(pk=zero.pk).update(ended_at=start)
        histories_before = {r.pk: r.history.count() for r in (zero, sound, running)}

        migrate_procedures(after)

        # Read back only the columns the schema has at this migration (later ones add others, times_given say).
        zero.refresh_from_db(fields=["started_at", "ended_at", "findings", "birads"])
        assert (zero.started_at, zero.ended_at) == (start, None)  # the result stays; its end is to be logged again
        assert zero.findings == ["filling_defect"] and zero.birads == "4A"  # nothing else changed
        latest = zero.history.order_by("-history_id").only("ended_at", "history_type", "history_change_reason").first()
        assert zero.history.count() == histories_before[zero.pk] + 1
        assert latest.ended_at is None and latest.history_type == "~"
        when = f"{start.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
        assert latest.history_change_reason == (
            f"Migration result_ends_after_start cleared the end {when} UTC (not after start)"
        )
        for untouched in (sound, running):
            before = (untouched.started_at, untouched.ended_at)
            untouched.refresh_from_db(fields=["started_at", "ended_at"])
            assert (untouched.started_at, untouched.ended_at) == before
            assert untouched.history.count() == histories_before[untouched.pk]

        with pytest.raises(IntegrityError), transaction.atomic():  # and from now on the database refuses it
            ProcedureResult.objects.filter(pk=zero.pk).update(ended_at=start)
    finally:
        call_command("migrate", verbosity=0)
    assert MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes()) == []
