"""Making and revoking calendar feeds: the only code that writes `CalendarFeed` rows.

A feed's token is 32 random bytes (`secrets.token_urlsafe`), handed back once by `create_feed` for the page to
show; only its SHA-256 is stored. A radiologist makes and revokes her own feed; an administrator
(`procedures.access.can_manage_all_feeds`) anyone's, and rooms'. A refusal raises `FeedError` with a sentence and
changes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ..access import can_manage_all_feeds, is_radiologist, staff_name
from ..models import CalendarFeed, Room

# A feed read again within this long is not recorded again: calendars poll every few minutes.
USE_RECORDED_EVERY = timedelta(minutes=5)


class FeedError(Exception):
    """The feed cannot be made or revoked by this person; the message says why."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_manage(by: AbstractBaseUser, *, kind: str, user: AbstractBaseUser | None = None) -> bool:
    """Whether `by` may make or revoke a feed of `kind` for `user` (a radiologist's) or for a room."""
    if can_manage_all_feeds(by):
        return True
    return kind == CalendarFeed.Kind.RADIOLOGIST and user is not None and user.pk == by.pk and is_radiologist(by)


@transaction.atomic
def create_feed(
    *, by: AbstractBaseUser, kind: str, user: AbstractBaseUser | None = None, room: Room | None = None
) -> tuple[CalendarFeed, str]:
    """A new feed for a radiologist (`user`) or a room; returns the feed and its token, which is never kept."""
    if kind == CalendarFeed.Kind.RADIOLOGIST:
        if user is None or room is not None:
            raise FeedError("Choose the radiologist whose ductograms the feed lists.")
        if not is_radiologist(user) or not user.is_active:
            raise FeedError(f"{staff_name(user)} is not an active radiologist.")
    elif kind == CalendarFeed.Kind.ROOM:
        if room is None or user is not None:
            raise FeedError("Choose the room whose ductograms the feed lists.")
        if not room.is_active:
            raise FeedError(f"{room.name} is not in use.")
    else:
        raise FeedError("A feed is for a radiologist or a room.")
    if not may_manage(by, kind=kind, user=user):
        raise FeedError("You can make a calendar feed of your own ductograms only; ask an administrator for others.")
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(kind=kind, user=user, room=room, token_hash=hash_token(token), created_by=by)
    return feed, token


@transaction.atomic
def revoke_feed(feed: CalendarFeed, *, by: AbstractBaseUser, now: datetime | None = None) -> CalendarFeed:
    """The feed answers no more (410 Gone); revoking one already revoked changes nothing."""
    current = CalendarFeed.objects.select_for_update(of=("self",)).select_related("user", "room").get(pk=feed.pk)
    if not may_manage(by, kind=current.kind, user=current.user):
        raise FeedError("You can revoke only your own calendar feed; ask an administrator.")
    if current.revoked_at is None:
        current.revoked_at = now or timezone.now()
        current.revoked_by = by
        current.save(update_fields=["revoked_at", "revoked_by"])
    return current


def record_use(feed: CalendarFeed, *, now: datetime | None = None) -> None:
    """Note when a calendar last read the feed (at most every USE_RECORDED_EVERY: one small UPDATE, no lock)."""
    now = now or timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at >= USE_RECORDED_EVERY:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now
