"""Migration flags_tell_yes_from_not_sure (0027): safety answers given before "not sure" had flags of its own kept
the "yes" flags ("Possibly pregnant" for a patient who was not sure); the migration recomputes their flags from the
stored answers, so the staff lists tell the two apart for old rows too. Going back gives the old flags again."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from procedures.models import SafetyAnswers
from tests.factories import AppointmentFactory

ALL_CLEAR = {
    "discharge_present": "yes",
    "pregnant": "no",
    "contrast_allergy": "no",
    "infection": "no",
    "blood_thinners": "no",
}


def the_migration() -> tuple[str, str]:
    """The migration's name and the one before it, read from the graph (so a renumbering needs no edit here)."""
    graph = MigrationExecutor(connection).loader.graph
    (after,) = [n for app, n in graph.nodes if app == "procedures" and n.endswith("_flags_tell_yes_from_not_sure")]
    (before,) = [name for app, name in graph.node_map[("procedures", after)].parents if app == "procedures"]
    return before, after


def migrate_procedures(target: str) -> None:
    call_command("migrate", "procedures", target, verbosity=0)


def stored(row: SafetyAnswers) -> tuple[str, bool]:
    row.refresh_from_db()
    return row.flags, row.needs_call


# Transactional, because migrations run outside the test's transaction; serialized_rollback keeps the migrations' own
# rows (groups, the FAQ, reminder rules) for the tests after this one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_old_rows_get_flags_that_tell_yes_from_not_sure_and_going_back_restores_the_old_ones():
    before, after = the_migration()

    def answered(**answers) -> SafetyAnswers:
        return SafetyAnswers.objects.create(appointment=AppointmentFactory(), **{**ALL_CLEAR, **answers})

    unsure = answered(pregnant="unsure", blood_thinners="unsure")
    mixed = answered(discharge_present="no", contrast_allergy="yes", infection="unsure")
    allergy_unsure = answered(contrast_allergy="unsure")
    sure = answered(pregnant="yes", blood_thinners="yes")  # no "not sure" among the four: never touched
    discharge_unsure = answered(discharge_present="unsure")  # had a flag of its own already
    clear = answered()
    try:
        # As the rows were stored before: "not sure" raised the "yes" flag.
        migrate_procedures(before)
        assert stored(unsure) == ("pregnant blood_thinners", True)
        assert stored(mixed) == ("no_discharge contrast_allergy infection", True)
        assert stored(allergy_unsure) == ("contrast_allergy", False)
        untouched = {row.pk: stored(row) for row in (sure, discharge_unsure, clear)}
        assert untouched == {
            sure.pk: ("pregnant blood_thinners", True),
            discharge_unsure.pk: ("discharge_unsure", False),
            clear.pk: ("", False),
        }

        migrate_procedures(after)

        assert stored(unsure) == ("pregnancy_unsure blood_thinners_unsure", True)  # still on the call list
        assert stored(mixed) == ("no_discharge contrast_allergy infection_unsure", True)
        assert stored(allergy_unsure) == ("contrast_allergy_unsure", False)  # still not a call
        assert {row.pk: stored(row) for row in (sure, discharge_unsure, clear)} == untouched
        # The same flags as a row made today from the same answers.
        for row in (unsure, mixed, allergy_unsure, sure, discharge_unsure, clear):
            assert row.flags.split() == row.derive_flags()
    finally:
        call_command("migrate", verbosity=0)
    assert MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes()) == []
