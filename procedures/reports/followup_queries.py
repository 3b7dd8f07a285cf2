"""The follow-ups report: how many follow-ups are open now and for how long, by who must act (a result's follow-up
is result data: radiologists only, procedures.reports.catalogue)."""

from __future__ import annotations

from django.utils import timezone

from procedures.followups.selectors import open_by_age

from .period import Filters
from .tables import Table


def followups(f: Filters) -> Table:
    rows = open_by_age(timezone.now(), opened_before=f.end, room_id=f.room_id, radiologist_id=f.radiologist_id)
    return Table(
        caption="Follow-ups open now, by how long they have been open and who must act",
        columns=["Open for", "Radiologist to act", "Schedulers to act", "Total"],
        rows=rows,
        summary=[("Open follow-ups", sum(row[-1] for row in rows))],
    )
