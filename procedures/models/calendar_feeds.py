"""Calendar feeds for staff: a private iCalendar address per radiologist or per room, which a calendar program
(Outlook, Google, Apple) subscribes to.

The address holds a random token; only its SHA-256 is stored, so the database (a backup, the admin) never holds a
working address. A feed is for one radiologist or one room, never both; a revoked feed stays on record (who made it,
when it was last read) and answers no more. Making and revoking are procedures.calendar_feeds.services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from procedures.access import staff_name

from .clinic import Room


class CalendarFeedQuerySet(models.QuerySet):
    def active(self) -> CalendarFeedQuerySet:
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(models.Model):
    class Kind(models.TextChoices):
        RADIOLOGIST = "radiologist", "Radiologist"
        ROOM = "room", "Room"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feeds",
        help_text="The radiologist whose ductograms the feed lists (a radiologist's feed).",
    )
    room = models.ForeignKey(
        Room,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feeds",
        help_text="The room whose ductograms the feed lists (a room's feed).",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the token.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="When a calendar last read the feed.")

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="radiologist") & Q(user__isnull=False) & Q(room__isnull=True))
                | (Q(kind="room") & Q(room__isnull=False) & Q(user__isnull=True)),
                name="calendarfeed_one_subject",
                violation_error_message="A feed is for one radiologist or one room.",
            ),
        ]

    def __str__(self) -> str:
        return f"Calendar feed for {self.subject_name}"

    @property
    def subject_name(self) -> str:
        """Whose ductograms the feed lists, as staff pages name them."""
        if self.kind == self.Kind.ROOM:
            return self.room.name if self.room_id else "a room"
        return staff_name(self.user) if self.user_id else "a radiologist"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
