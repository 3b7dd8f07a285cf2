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
