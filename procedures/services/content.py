"""Clinical content in patients' languages: the only code that records a translation's review."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ..models import ContentTranslation


@transaction.atomic
def mark_reviewed(translations: Iterable[ContentTranslation], *, by: AbstractBaseUser) -> int:
    """Record that `by` reviewed these translations' words now (a translation already reviewed is stamped again:
    the latest review is the one on record). Each is saved on its own, so its history names the reviewer. Returns
    how many were marked."""
    now = timezone.now()
    marked = 0
    for translation in translations:
        translation.reviewed_by, translation.reviewed_at = by, now
        translation._history_user = by
        translation.save(update_fields=["reviewed_by", "reviewed_at", "updated_at"])
        marked += 1
    return marked


@transaction.atomic
def english_changed(source, changed_fields: Iterable[str], *, by: AbstractBaseUser | None = None) -> int:
    """The English of `source` (an FAQ entry, procedure type or room) was saved with `changed_fields` changed: if its
    translated words are among them, its translations' reviews no longer hold (they were reviewed against other
    English), so they are cleared for someone to update and review them again. Returns how many were cleared."""
    translations = source.translations.filter(reviewed_at__isnull=False)
    if not set(changed_fields) & set(translations.model.TEXT_FIELDS):
        return 0
    cleared = 0
    for translation in translations:
        translation.reviewed_by, translation.reviewed_at = None, None
        translation._history_user = by
        translation.save(update_fields=["reviewed_by", "reviewed_at", "updated_at"])
        cleared += 1
    return cleared
