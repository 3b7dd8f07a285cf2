"""The start-up checks.

W001, clinical content in the offered languages: before a clinic goes live in a language, a reviewer who reads it
approves every FAQ entry, preparation text and room directions patients will read in it. A warning, not an error: the
shipped translations are ours, unreviewed, and a clinic may knowingly go live with them. Runs with every management
command and at start-up; says nothing when the database cannot be read yet (before the first migrate, or with no
database at all), so it never stops `migrate` from creating the tables it reads.

E001, the call-back promise patients read (`CALLBACK_WORKING_DAYS`): a count of working days we can say in words.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connection

from .clinic_contact import CALLBACK_DAYS_RANGE
from .languages import ENGLISH, name_of, offered


def _tables_ready() -> bool:
    from .models import FaqEntry, FaqEntryTranslation, ProcedureType, ProcedureTypeTranslation, Room, RoomTranslation

    needed = {m._meta.db_table for m in (FaqEntry, ProcedureType, Room)}
    needed |= {m._meta.db_table for m in (FaqEntryTranslation, ProcedureTypeTranslation, RoomTranslation)}
    try:
        return needed <= set(connection.introspection.table_names())
    except DatabaseError:
        return False


@checks.register("procedures")
def offered_languages_reviewed(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """W001 for each offered language (PATIENT_LANGUAGES but English) with content unreviewed or untranslated."""
    languages = [code for code in offered() if code != ENGLISH]
    if not languages or not _tables_ready():
        return []
    from .translations import ONE_OF, unreviewed

    try:
        gaps = unreviewed(languages)
    except DatabaseError:  # a table of an older schema, mid-migration: nothing to say yet
        return []
    warnings = []
    for code, kinds in gaps.items():
        if not kinds:
            continue
        counted = ", ".join(f"{n} {kind if n > 1 else ONE_OF[kind]}" for kind, n in kinds.items())
        warnings.append(
            checks.Warning(
                f"{name_of(code)} is offered to patients (PATIENT_LANGUAGES: {code}) but has unreviewed or missing "
                f"translations: {counted}.",
                hint="Have someone who reads the language review them in the admin (Translations, 'Mark reviewed'), "
                f"or leave {code} out of PATIENT_LANGUAGES until then.",
                id="procedures.W001",
            )
        )
    return warnings


@checks.register("procedures")
def callback_promise_sayable(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """E001 when CALLBACK_WORKING_DAYS is not a promise patients can be given in words (1 to 10 working days)."""
    days = settings.CALLBACK_WORKING_DAYS
    if days in CALLBACK_DAYS_RANGE:
        return []
    first, last = CALLBACK_DAYS_RANGE[0], CALLBACK_DAYS_RANGE[-1]
    return [
        checks.Error(
            f"CALLBACK_WORKING_DAYS is {days}: patients are told we call them back within that many working days, "
            f"so it is from {first} to {last}.",
            id="procedures.E001",
        )
    ]
