"""The demo's past, on the clock it happened on.

The services stamp what they do with the moment they run (`timezone.now()`): a booking's `created_at`, a status
change's `status_changed_at`, a result's `logged_at`, a follow-up's opening and closing, and the history row of each.
The demo's past happened earlier, so each step of it runs inside `at(moment)`: the services do the work, with every
rule they keep, and what they stamp while it runs is given `moment` instead, as it is saved. Only stamps no older than
the step are changed (a row saved in the step keeps the dates of its earlier steps), and only while the step runs.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from simple_history.signals import pre_create_historical_record

from procedures.models import Appointment, FollowUp, Patient, ProcedureResult

# Each model the demo's past writes, with the fields in which it stamps the moment it is saved.
STAMPS = {
    Patient: ("created_at",),
    Appointment: ("created_at", "status_changed_at"),
    ProcedureResult: ("logged_at",),
    FollowUp: ("opened_at", "closed_at"),
}
# Stamped by the field itself on the first save, after any pre_save receiver: set once the row exists.
ON_CREATION = "created_at"
UID = "demo-clock"


class MomentInTheFuture(ValueError):
    """A demo step was to be dated after now: a bug in the demo's plan."""


@contextmanager
def at(moment: datetime):
    """Run a step of the demo's past: what the services write in it is dated `moment`."""
    started = timezone.now()
    if moment > started:
        raise MomentInTheFuture(f"A demo step dated {moment.isoformat()} would lie in the future.")
    new_rows: dict[type, list[int]] = {}

    def restamp(sender, instance, **kwargs):
        for field in STAMPS[sender]:
            value = getattr(instance, field)
            if isinstance(value, datetime) and value >= started:
                setattr(instance, field, moment)

    def note_created(sender, instance, created: bool, **kwargs):
        if created and ON_CREATION in STAMPS[sender]:
            new_rows.setdefault(sender, []).append(instance.pk)

    def date_history(sender, history_instance, **kwargs):
        history_instance.history_date = moment

    for model in STAMPS:
        pre_save.connect(restamp, sender=model, weak=False, dispatch_uid=f"{UID}-pre-{model.__name__}")
        post_save.connect(note_created, sender=model, weak=False, dispatch_uid=f"{UID}-post-{model.__name__}")
    pre_create_historical_record.connect(date_history, weak=False, dispatch_uid=f"{UID}-history")
    try:
        yield
    finally:
        for model in STAMPS:
            pre_save.disconnect(sender=model, dispatch_uid=f"{UID}-pre-{model.__name__}")
            post_save.disconnect(sender=model, dispatch_uid=f"{UID}-post-{model.__name__}")
        pre_create_historical_record.disconnect(dispatch_uid=f"{UID}-history")
    for model, pks in new_rows.items():
        model.objects.filter(pk__in=pks).update(**{ON_CREATION: moment})
