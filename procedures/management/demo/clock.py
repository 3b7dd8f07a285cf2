"""The demo's past, on the clock it happened on.

The services stamp what they do with the moment they run (`timezone.now()`): a booking's `created_at`, a status
change's `status_changed_at`, a result's `logged_at`, a follow-up's opening and closing, and the history row of each.
The demo's past happened earlier, so each step of it runs inside `Backdated.at(moment)`: the services do the work,
with every rule they keep, and the stamps they wrote are then given `moment`. Only the rows the step itself wrote are
touched (the history rows it added, and the stamps of their rows that are no older than the step).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from django.db.models import Max
from django.utils import timezone

from procedures.models import Appointment, FollowUp, Patient, ProcedureResult

# Each model the demo's past writes, with the fields in which it stamps the moment.
STAMPS = [
    (Patient, ("created_at",)),
    (Appointment, ("created_at", "status_changed_at")),
    (ProcedureResult, ("logged_at",)),
    (FollowUp, ("opened_at", "closed_at")),
]


class MomentInTheFuture(ValueError):
    """A demo step was to be dated after now: a bug in the demo's plan."""


@contextmanager
def at(moment: datetime):
    """Run a step of the demo's past, then date what it wrote `moment`."""
    started = timezone.now()
    if moment > started:
        raise MomentInTheFuture(f"A demo step dated {moment.isoformat()} would lie in the future.")
    marks = {model: model.history.aggregate(last=Max("history_id"))["last"] or 0 for model, _ in STAMPS}
    yield
    for model, fields in STAMPS:
        added = model.history.filter(history_id__gt=marks[model])
        ids = set(added.values_list("id", flat=True))
        if not ids:
            continue
        added.update(history_date=moment)
        for field in fields:
            model.objects.filter(pk__in=ids, **{f"{field}__gte": started}).update(**{field: moment})
