"""What happens after the patient has answered the safety questions, as her page tells her: who calls and how soon
(`CALLBACK_WORKING_DAYS`), what may happen to the test, what to do meanwhile; or, when nothing needs staff, that
there is nothing else to do. Answers she was not sure about get their own sentences: we call to check them, or the
radiologist checks them with her on the day.

Read from the answers' stored flags (`SafetyAnswers.FLAGS`, each raised by one answer to one question), so the page
says what the staff lists show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from ..clinic_contact import callback_promise
from ..models import PatientCall, SafetyAnswers


def unsure_flags() -> frozenset[str]:
    """The flag codes a "Not sure" raises."""
    unsure = SafetyAnswers.Answer.UNSURE
    return frozenset(code for q in SafetyAnswers.QUESTIONS for answer, code in q.raises if answer == unsure)


@dataclass(frozen=True)
class NextSteps:
    call: bool  # staff will call her: some answer may stop the test
    call_to_check: bool  # ...and every answer that needs the call is one she was not sure about
    called_at: datetime | None  # staff logged a call since she answered: no call is promised any more
    # The radiologist talks over the answers that need no call, on the day: "" (none), "unsure" (each one "not sure"),
    # or "talk". Said only when there is no call to come (the call covers them).
    on_the_day: str
    promise: str  # how soon we call, in words ("within two working days")


def next_steps(answers: SafetyAnswers | None) -> NextSteps | None:
    """What happens next after `answers` (the latest), or None when she has not answered. One query (a call since)."""
    if answers is None:
        return None
    codes = answers.flags.split()
    unsure = unsure_flags()
    calling = [c for c in codes if SafetyAnswers.FLAGS[c][1]]
    for_the_day = [c for c in codes if not SafetyAnswers.FLAGS[c][1]]
    called = PatientCall.objects.filter(appointment_id=answers.appointment_id, called_at__gte=answers.answered_at)
    called_at = called.order_by("called_at").values_list("called_at", flat=True).first() if calling else None
    if not for_the_day:
        on_the_day = ""
    else:
        on_the_day = "unsure" if set(for_the_day) <= unsure else "talk"
    return NextSteps(
        call=bool(calling) and called_at is None,
        call_to_check=bool(calling) and set(calling) <= unsure,
        called_at=called_at,
        on_the_day=on_the_day,
        promise=callback_promise(),
    )


def answered_message(answers: SafetyAnswers) -> str:
    """The message at the top of the questions once she has sent her answers (in the active language)."""
    if not answers.needs_call:
        return _("Thank you: we have your answers.")
    return _(
        "Thank you: we have your answers. From them, we need to speak to you before your test: someone from "
        "{clinic} will call you {promise}. Please read what happens next below."
    ).format(clinic=settings.CLINIC_NAME, promise=callback_promise())
