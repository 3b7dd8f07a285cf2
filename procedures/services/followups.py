"""Follow-ups: the failsafe after a result or a missed appointment that asks someone to act (issue 23).

What opens one:

- a result with BI-RADS 4A or higher, a surgical referral or a short-interval follow-up: the radiologist must act
  (who performed it, else who was booked): tell the referrer, refer to the surgeons, arrange the imaging;
- a result asking for a repeat ductography, or a procedure not performed or postponed: the schedulers must rebook,
  from the interval suggested (`REBOOK_AFTER_DAYS`). When a reason of the first kind also holds, the radiologist
  acts and the rebook is still offered;
- a did-not-attend whose next step is a rebook (offered from the next day), or has no next step yet (the admin's
  bulk action): the schedulers rebook, tell the referrer or discharge.

It stays open until a person records the action taken (`record_follow_up_action`), or a booking made from its
"Rebook" link (`follow_up_rebooked`). A correction (the result's, or an undone did-not-attend) that leaves nothing to
follow up closes it as "no longer needed"; one that still needs it keeps it open, its reasons brought up to date. A
follow-up closed by a person stays closed whatever is corrected later: the action stands in its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .. import clinic_time
from ..access import staff_name
from ..models import Appointment, FollowUp, ProcedureResult
from .booking import BookingError

Outcome, Recommendation = ProcedureResult.Outcome, ProcedureResult.Recommendation
SUSPICIOUS_BIRADS = ("4A", "4B", "4C", "5", "6")
# The radiologist acts on these recommendations; a repeat ductography is the schedulers' rebook.
RADIOLOGIST_RECOMMENDATIONS = (Recommendation.SURGICAL_REFERRAL, Recommendation.SHORT_INTERVAL)
# How long after the appointment's day a rebook is suggested, in days: the clinic's usual intervals. A procedure
# not done for want of discharge or a failed cannulation is tried again in two weeks (the patient is asked to call
# sooner if the discharge comes back); an infection is treated and a possible pregnancy settled first (four weeks);
# a repeat ductography in four weeks. A missed appointment is offered again from the next day.
REBOOK_AFTER_DAYS = {
    Outcome.NO_DISCHARGE: 14,
    Outcome.CANNULATION_FAILED: 14,
    Outcome.POSTPONED_INFECTION: 28,
    Outcome.POSTPONED_PREGNANCY: 28,
    Recommendation.REPEAT_DUCTOGRAPHY: 28,
}
NOTE_MAX_LENGTH = 300


@dataclass(frozen=True)
class Need:
    """What a follow-up must say: why, who acts, and from when a rebook is wanted (None: no rebook)."""

    source: str
    reasons: str
    must_act: str
    radiologist_id: int | None
    rebook_from: date | None


def need_after_result(result: ProcedureResult) -> Need | None:
    """The follow-up a result asks for, or None."""
    appointment = result.appointment
    reasons, radiologist_acts, days = [], False, []
    if result.birads in SUSPICIOUS_BIRADS:
        reasons.append(f"BI-RADS {result.birads}")
        radiologist_acts = True
    if result.outcome != Outcome.PERFORMED:
        reasons.append(result.get_outcome_display())
        days.append(REBOOK_AFTER_DAYS[Outcome(result.outcome)])
    if result.recommendation:
        if result.recommendation in RADIOLOGIST_RECOMMENDATIONS:
            reasons.append(result.get_recommendation_display())
            radiologist_acts = True
        elif result.recommendation in REBOOK_AFTER_DAYS:
            reasons.append(result.get_recommendation_display())
            days.append(REBOOK_AFTER_DAYS[Recommendation(result.recommendation)])
    if not reasons:
        return None
    day = clinic_time.day_of(appointment.scheduled_start)
    return Need(
        source=FollowUp.Source.RESULT,
        reasons="; ".join(reasons),
        must_act=FollowUp.MustAct.RADIOLOGIST if radiologist_acts else FollowUp.MustAct.SCHEDULERS,
        radiologist_id=(result.performed_by_id or appointment.radiologist_id) if radiologist_acts else None,
        rebook_from=day + timedelta(days=max(days)) if days else None,
    )


def need_after_no_show(appointment: Appointment, now: datetime) -> Need | None:
    """A did-not-attend asks for a follow-up when a rebook was offered or no next step was chosen yet."""
    step = appointment.no_show_next_step
    if step not in ("", Appointment.NextStep.REBOOK):
        return None
    why = appointment.get_no_show_reason_display() or "no reason recorded"
    then = "rebook offered" if step else "next step to decide: rebook, tell the referrer or discharge"
    return Need(
        source=FollowUp.Source.DID_NOT_ATTEND,
        reasons=f"Did not attend ({why[0].lower()}{why[1:]}); {then}",
        must_act=FollowUp.MustAct.SCHEDULERS,
        radiologist_id=None,
        rebook_from=clinic_time.today(now) + timedelta(days=1),
    )


def sync_after_result(result: ProcedureResult, *, by: AbstractBaseUser | None = None) -> FollowUp | None:
    """Open, update or close the appointment's follow-up after its result was saved (in the result's transaction).
    Returns the open follow-up, or None."""
    return _sync(result.appointment, need_after_result(result), by=by)


def sync_after_no_show(appointment: Appointment, *, by: AbstractBaseUser | None = None) -> FollowUp | None:
    """The same after a did-not-attend was recorded (a need) or undone (none)."""
    need = None
    if appointment.status == Appointment.Status.NO_SHOW:
        need = need_after_no_show(appointment, timezone.now())
    return _sync(appointment, need, by=by)


def _sync(appointment: Appointment, need: Need | None, *, by) -> FollowUp | None:
    follow_up = FollowUp.objects.select_for_update().filter(appointment=appointment).first()
    now = timezone.now()
    if need is None:
        if follow_up is not None and follow_up.is_open:
            _close(follow_up, FollowUp.Action.NO_LONGER_NEEDED, note="", by=by, now=now)
        return None
    if follow_up is None:
        follow_up = FollowUp(appointment=appointment, opened_at=now)
    elif not follow_up.is_open:
        if follow_up.action != FollowUp.Action.NO_LONGER_NEEDED:
            return None  # a person recorded the action taken: it stands
        follow_up.opened_at, follow_up.action, follow_up.action_note = now, "", ""
        follow_up.closed_at = follow_up.closed_by = None
    follow_up.source, follow_up.reasons, follow_up.must_act = need.source, need.reasons, need.must_act
    follow_up.radiologist_id, follow_up.rebook_from = need.radiologist_id, need.rebook_from
    _save(follow_up, by)
    return follow_up


def _save(follow_up: FollowUp, by) -> None:
    if by is not None:
        follow_up._history_user = by
    follow_up.full_clean(exclude=["appointment", "rebooked_as", "radiologist", "closed_by"])
    follow_up.save()


def _close(follow_up: FollowUp, action: str, *, note: str, by, now: datetime, rebooked_as=None) -> FollowUp:
    follow_up.action, follow_up.action_note, follow_up.closed_at, follow_up.closed_by = action, note, now, by
    follow_up.rebooked_as = rebooked_as
    _save(follow_up, by)
    return follow_up


def _locked(follow_up: FollowUp) -> FollowUp:
    return FollowUp.objects.select_for_update(of=("self",)).select_related("appointment__patient").get(pk=follow_up.pk)


def _refusal_if_closed(follow_up: FollowUp) -> str:
    if follow_up.is_open:
        return ""
    who = f" by {staff_name(follow_up.closed_by)}" if follow_up.closed_by else ""
    when = clinic_time.date_time(follow_up.closed_at)
    return f"This follow-up was already closed on {when}{who}: {follow_up.get_action_display().lower()}."


@transaction.atomic
def record_follow_up_action(
    follow_up: FollowUp, *, action: str, note: str = "", by: AbstractBaseUser | None = None
) -> FollowUp:
    """Record the action taken, closing the follow-up. "Other" needs a note saying what."""
    current = _locked(follow_up)
    if refusal := _refusal_if_closed(current):
        raise BookingError(refusal)
    if action not in dict(FollowUp.chosen_actions()):
        raise BookingError("Choose the action taken from the list.")
    note = (note or "").strip()
    if action == FollowUp.Action.OTHER and not note:
        raise BookingError("Say in the note what was done.")
    if len(note) > NOTE_MAX_LENGTH:
        raise BookingError(f"Keep the note to {NOTE_MAX_LENGTH} characters or fewer (you wrote {len(note)}).")
    return _close(current, action, note=note, by=by, now=timezone.now())


def follow_up_rebooked(
    follow_up: FollowUp, appointment: Appointment, *, by: AbstractBaseUser | None = None
) -> FollowUp:
    """A booking made from the follow-up's "Rebook" link closes it as rebooked, in the booking's transaction. A
    booking for another patient is refused (BookingError rolls it back); one made after someone closed the follow-up
    meanwhile is kept, and the follow-up left as they closed it."""
    current = _locked(follow_up)
    if current.appointment.patient_id != appointment.patient_id:
        raise BookingError(
            f"This rebook is for {current.appointment.patient.full_name}: choose them, or book from the schedule."
        )
    if not current.is_open:
        return current
    note = f"Booked for {clinic_time.date_time(appointment.scheduled_start)}"
    return _close(current, FollowUp.Action.REBOOKED, note=note, by=by, now=timezone.now(), rebooked_as=appointment)
