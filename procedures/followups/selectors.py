"""Reads for the follow-up list: what each account may see of it, the open follow-ups oldest first, the recently
closed ones, how many are open (for the links that lead here) and how old the open ones are (the report).

Radiologists see every follow-up with the result's words; schedulers see the ones that are theirs (rebooks and
missed appointments), a result's told only as "a rebook asked for by the radiologist": they see no result data.
Each list costs one query, however long.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .. import clinic_time
from ..access import can_act_on_followup, can_book, can_see_results
from ..models import Appointment, FollowUp

ROW_RELATED = ("appointment__patient", "appointment__room", "appointment__radiologist", "radiologist", "closed_by")
RECENTLY_CLOSED_DAYS = 14
# The report's ages of an open follow-up: (label, at least this many days old).
AGE_BANDS = [("Under a week", 0), ("1 to 2 weeks", 7), ("2 to 4 weeks", 14), ("4 weeks or more", 28)]
SCHEDULERS_WORDS = "A rebook asked for by the radiologist"


def visible_to(user) -> QuerySet[FollowUp]:
    """The follow-ups this account may see: all (results), the schedulers' (booking), or none."""
    if can_see_results(user):
        return FollowUp.objects.all()
    if can_book(user):
        return FollowUp.objects.filter(must_act=FollowUp.MustAct.SCHEDULERS)
    return FollowUp.objects.none()


def _dress(rows: list[FollowUp], user, now: datetime) -> list[FollowUp]:
    """What each row shows: its words for this account, its age in days, whether it is the user's to act on."""
    sees_results = can_see_results(user)
    today = clinic_time.today(now)
    for row in rows:
        from_result = row.source == FollowUp.Source.RESULT
        row.what = row.reasons if sees_results or not from_result else SCHEDULERS_WORDS
        row.age_days = (today - clinic_time.day_of(row.opened_at)).days
        row.is_mine = row.radiologist_id == user.pk
        row.can_act = can_act_on_followup(user, row.must_act)
        row.rebook_day = max(row.rebook_from, today + timedelta(days=1)) if row.rebook_from else None
    return rows


def open_list(user, now: datetime | None = None) -> list[FollowUp]:
    """Every open follow-up this account may see, oldest first (the longest waiting is the likeliest forgotten);
    the user's own first."""
    now = now or timezone.now()
    rows = list(visible_to(user).still_open().select_related(*ROW_RELATED).order_by("opened_at", "pk"))
    return sorted(_dress(rows, user, now), key=lambda row: not row.is_mine)


def recently_closed(user, now: datetime | None = None) -> list[FollowUp]:
    """Those closed in the last RECENTLY_CLOSED_DAYS, newest first: what was done, by whom."""
    now = now or timezone.now()
    since = now - timedelta(days=RECENTLY_CLOSED_DAYS)
    closed = visible_to(user).filter(closed_at__gte=since).select_related(*ROW_RELATED, "rebooked_as")
    return _dress(list(closed.order_by("-closed_at", "-pk")), user, now)


def open_count(user) -> int:
    return visible_to(user).still_open().count()


def for_appointment(appointment: Appointment, user) -> FollowUp | None:
    """The appointment's follow-up as this account may see it (open or closed), or None."""
    found = visible_to(user).filter(appointment=appointment).select_related(*ROW_RELATED).first()
    return _dress([found], user, timezone.now())[0] if found is not None else None


def open_by_age(now: datetime | None = None, *, opened_before: datetime | None = None, **appointment) -> list[list]:
    """How many follow-ups are open now, by how long they have been open and who must act: one row per age band
    (label, radiologist, schedulers, total). Those opened before `opened_before`, of appointments matching
    `appointment` (room_id=..., radiologist_id=...). One query."""
    now = now or timezone.now()
    still_open = FollowUp.objects.still_open()
    if opened_before is not None:
        still_open = still_open.filter(opened_at__lt=opened_before)
    still_open = still_open.filter(**{f"appointment__{name}": value for name, value in appointment.items() if value})
    figures = {}
    for index, (_label, days) in enumerate(AGE_BANDS):
        newer = AGE_BANDS[index + 1][1] if index + 1 < len(AGE_BANDS) else None
        band = Q(opened_at__lte=now - timedelta(days=days))
        if newer is not None:
            band &= Q(opened_at__gt=now - timedelta(days=newer))
        for who in FollowUp.MustAct.values:
            figures[f"{index}_{who}"] = Count("id", filter=band & Q(must_act=who))
    counts = still_open.aggregate(**figures)
    rows = []
    for index, (label, _days) in enumerate(AGE_BANDS):
        by_role = [counts[f"{index}_{who}"] for who in FollowUp.MustAct.values]
        rows.append([label, *by_role, sum(by_role)])
    return rows
