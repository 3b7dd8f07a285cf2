"""Migration result_times_given_followups_did_not_attend (0026): which older results' times a person gave cannot be
known; a result whose duration is exactly the expected one is taken as the form's guess saved unchanged (not given),
every other with both times as given. The last 90 days' results that ask someone to act open a follow-up."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from procedures.models import FollowUp, ProcedureResult
from tests.factories import AppointmentFactory, ProcedureResultFactory, RadiologistFactory


def the_migration() -> tuple[str, str]:
    """The migration's name and the one before it, read from the graph (so a renumbering needs no edit here)."""
    graph = MigrationExecutor(connection).loader.graph
    suffix = "_result_times_given_followups_did_not_attend"
    (after,) = [name for app, name in graph.nodes if app == "procedures" and name.endswith(suffix)]
    (before,) = [name for app, name in graph.node_map[("procedures", after)].parents if app == "procedures"]
    return before, after


def migrate_procedures(target: str) -> None:
    call_command("migrate", "procedures", target, verbosity=0)


def result(days_ago: int, minutes: int, *, expected: int = 45, **fields) -> ProcedureResult:
    start = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    return ProcedureResultFactory(
        appointment=AppointmentFactory(scheduled_start=start, expected_duration=expected, status="completed"),
        started_at=start,
        ended_at=start + timedelta(minutes=minutes) if minutes else None,
        **fields,
    )


# Transactional, because migrations change the schema; serialized_rollback keeps the migrations' own rows.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_marks_assumed_times_and_opens_follow_ups_for_recent_results_that_ask_for_one():
    before, after = the_migration()
    okafor = RadiologistFactory(first_name="Adaeze", last_name="Okafor")
    try:
        assumed = result(3, 45, birads="2", recommendation="routine")  # exactly the expected 45: the form's guess
        typed = result(4, 41, birads="2", recommendation="routine")
        no_end = result(5, 0, birads="2", recommendation="routine")
        suspicious = result(6, 38, birads="4B", recommendation="surgical_referral", performed_by=okafor)
        not_done = result(7, 0, outcome="no_discharge", birads="", recommendation="", duct_cannulated=None)
        long_ago = result(120, 38, birads="5", recommendation="surgical_referral")
        migrate_procedures(before)

        migrate_procedures(after)

        given = dict(ProcedureResult.objects.values_list("pk", "times_given"))
        assert given == {
            assumed.pk: False,
            typed.pk: True,
            no_end.pk: False,
            suspicious.pk: True,
            not_done.pk: False,
            long_ago.pk: True,
        }
        opened = {f.appointment_id: f for f in FollowUp.objects.all()}
        assert set(opened) == {suspicious.appointment_id, not_done.appointment_id}  # not the one 120 days back
        first = opened[suspicious.appointment_id]
        assert (first.reasons, first.must_act, first.radiologist_id) == (
            "BI-RADS 4B; Surgical referral (duct excision)",
            "radiologist",
            okafor.pk,
        )
        rebook = opened[not_done.appointment_id]
        assert (rebook.reasons, rebook.must_act) == ("Not performed: no discharge on the day", "schedulers")
        assert rebook.rebook_from == timezone.localdate(not_done.appointment.scheduled_start) + timedelta(days=14)
    finally:
        call_command("migrate", verbosity=0)
    assert MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes()) == []
