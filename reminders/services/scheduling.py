"""Reminder rows follow their appointment: created when it is booked, moved or skipped when it moves, closed when
it is cancelled or ends another way, or when the patient opts out.

These run inside the booking change's own transaction and touch only rows still to go (Reminder.STILL_TO_GO), so
once the change commits no row for the old state can be claimed; a row already in a worker's hands is its
sender's. Notices due at once are queued on commit; the periodic dispatch is the safety net.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from procedures import clinic_time
from procedures.models import Appointment

from .. import queueing
from ..channels import channel_for, hand_delivered
from ..models import Reminder, ReminderRule
from ..stages import TYPE_TIMED_STAGES, Stage
from ..timing import send_time
from .reach import channels_for
from .transit import timed_send_at, unless_too_late

Closed = Reminder.CloseReason
# Staff's words for two closings, as the rows say them (the codes are what code reads).
TOO_LATE = Closed.FOLDED.label
OPTED_OUT = Closed.OPTED_OUT.label


def moved_to(start: datetime) -> str:
    return f"The appointment moved to {clinic_time.date_time(start)}."


def active_rules(appointment: Appointment) -> list[ReminderRule]:
    return _in_order(ReminderRule.objects.filter(procedure_type_id=appointment.procedure_type_id, is_active=True))


def _in_order(rules) -> list[ReminderRule]:
    """Timed stages furthest ahead first, then the event stages: the order folded content is carried in, the same on
    every database (an offset-less timed stage would sort differently among NULLs)."""
    return sorted(
        rules.select_related("procedure_type"),
        key=lambda r: (r.lead is None, -(r.lead.total_seconds() if r.lead else 0), r.pk),
    )


def _fold_horizon(now: datetime) -> datetime:
    return now + timedelta(minutes=settings.REMINDER_FOLD_MINUTES)


def folded_stages(start: datetime, rules: list[ReminderRule], now: datetime) -> list[str]:
    """Timed stages too close or already past for this start: an announcing notice carries their content."""
    horizon = _fold_horizon(now)
    return [r.stage for r in rules if not r.is_event and send_time(start, r.lead) <= horizon]


def _earliest(moment: datetime, channel: str) -> datetime:
    return channel_for(channel).earliest_send(moment)


def event_rows(
    appointment: Appointment,
    rule: ReminderRule,
    channels: frozenset[str],
    *,
    now: datetime,
    content_stages: list[str],
    occasion: str = "",
) -> list[Reminder]:
    rows = [
        Reminder(
            appointment=appointment,
            rule=rule,
            stage=rule.stage,
            channel=channel,
            for_start=appointment.scheduled_start,
            occasion=occasion,
            send_at=_earliest(now, channel),
            content_stages=content_stages,
        )
        for channel in sorted(channels & set(rule.channels))
    ]
    return unless_too_late(rows, now)


def _timed_rows(
    appointment: Appointment,
    rules: list[ReminderRule],
    channels: frozenset[str],
    *,
    now: datetime,
    existing: set[tuple[int, str]],
) -> list[Reminder]:
    start, horizon = appointment.scheduled_start, _fold_horizon(now)
    rows = []
    for rule in rules:
        if rule.is_event:
            continue
        due = send_time(start, rule.lead)
        for channel in sorted(channels & set(rule.channels)):
            if (rule.pk, channel) in existing:
                continue
            late = due <= horizon
            send_at = timed_send_at(due, channel)
            if late and rule.stage in TYPE_TIMED_STAGES and not channel_for(channel).carries_faq:
                # The preparation must reach the patient before it matters: a channel whose confirmation cannot
                # carry it (a text) sends it at once instead, saying what to do from now on.
                late, send_at = False, _earliest(now, channel)
            rows.append(
                Reminder(
                    appointment=appointment,
                    rule=rule,
                    stage=rule.stage,
                    channel=channel,
                    for_start=start,
                    send_at=send_at,
                    status=Reminder.Status.SKIPPED if late else Reminder.Status.PENDING,
                    last_error=TOO_LATE if late else "",
                    close_reason=Closed.FOLDED if late else "",
                    content_stages=[rule.stage],
                )
            )
    return unless_too_late(rows, now)


def _save_new(rows: list[Reminder]) -> None:
    # Another process may have scheduled the same rows a moment ago; the unique constraint keeps one of each.
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def _queue_due_on_commit(appointment: Appointment, now: datetime) -> None:
    """Notices that are due now go to the worker as soon as the booking commits; dispatch is the safety net."""

    def queue() -> None:
        ids = list(
            Reminder.objects.filter(appointment=appointment, status=Reminder.Status.PENDING, send_at__lte=now)
            .exclude(channel__in=hand_delivered())
            .values_list("pk", flat=True)
        )
        queueing.queue_sends(ids)

    transaction.on_commit(queue)


def schedule_reminders(
    appointment: Appointment, *, now: datetime | None = None, just_booked: bool = False
) -> list[Reminder]:
    """Create the rows the appointment's current time needs and does not have yet; never duplicates.

    A first booking gets its confirmation; timed stages whose time has passed (or is within the fold window) are
    recorded as skipped and their content rides with the confirmation instead of all firing at once. Called inside
    the booking's transaction, so a rolled-back booking leaves no reminder; sends are queued on commit.

    `just_booked`: the appointment was created in this transaction, so it has no rows yet and nobody else can
    see it to make any: nothing to look up first, and the new rows' ids say what to queue (a booking's SQL stays
    at five statements, tests/procedures/test_schedule_speed.py).
    """
    now = now or timezone.now()
    if not just_booked:
        _schedule(appointment, now)
        _queue_due_on_commit(appointment, now)
        return list(appointment.reminders.filter(for_start=appointment.scheduled_start, occasion=""))
    rows = _schedule(appointment, now, just_booked=True)
    by_hand = hand_delivered()
    due = [r.pk for r in rows if r.status == Reminder.Status.PENDING and r.send_at <= now and r.channel not in by_hand]
    if due:
        transaction.on_commit(lambda: queueing.queue_sends(due))
    return [r for r in rows if not r.occasion]


def _schedule(appointment: Appointment, now: datetime, *, just_booked: bool = False) -> list[Reminder]:
    if not appointment.is_upcoming(now):
        return []
    channels = appointment.patient.reminder_channels()
    confirming = channels_for(appointment, Stage.BOOKING_CONFIRMATION, appointment.scheduled_start, now)
    if not channels and not confirming:
        return []
    rules = active_rules(appointment)
    existing: set[tuple[int, str]] = set()
    if not just_booked:
        existing = set(
            appointment.reminders.filter(for_start=appointment.scheduled_start).values_list("rule_id", "channel")
        )
    rows = _timed_rows(appointment, rules, channels, now=now, existing=existing)
    confirmation = next((r for r in rules if r.stage == Stage.BOOKING_CONFIRMATION), None)
    if confirmation and (just_booked or not appointment.reminders.filter(stage=Stage.BOOKING_CONFIRMATION).exists()):
        folded = folded_stages(appointment.scheduled_start, rules, now)
        rows += event_rows(
            appointment, confirmation, confirming, now=now, content_stages=[Stage.BOOKING_CONFIRMATION, *folded]
        )
    if just_booked:
        # No conflict is possible, so the rows come back with their ids.
        return Reminder.objects.bulk_create(rows)
    _save_new(rows)
    return rows


def reschedule_reminders(appointment: Appointment, *, old_start: datetime, now: datetime | None = None) -> None:
    """Move pending reminders to the new time, skip stages already past, and tell the patient.

    Called inside the reschedule's transaction, so no reminder for the old time can be claimed after it commits.
    """
    now = now or timezone.now()
    start = appointment.scheduled_start
    if start == old_start:
        return
    rules = {r.pk: r for r in _in_order(ReminderRule.objects.filter(procedure_type_id=appointment.procedure_type_id))}
    taken = set(appointment.reminders.filter(for_start=start, occasion="").values_list("rule_id", "channel"))
    folded = folded_stages(start, [r for r in rules.values() if r.is_active], now)
    moved = moved_to(start)
    announced_by_confirmation: set[str] = set()
    last_heard: dict[str, datetime] = {}  # per channel, where an unsent notice of an earlier move moved it from
    for reminder in appointment.reminders.still_to_go().exclude(for_start=start):
        rule = rules[reminder.rule_id]
        key = (rule.pk, reminder.channel)
        if key in taken or (rule.is_event and reminder.stage != Stage.BOOKING_CONFIRMATION):
            if reminder.stage == Stage.RESCHEDULED and reminder.previous_start:
                last_heard[reminder.channel] = reminder.previous_start
            _close(reminder, Closed.MOVED, moved)
        elif rule.is_event:
            # The patient never heard of the old time: the confirmation simply announces the new one.
            _move(reminder, start, _earliest(now, reminder.channel), [Stage.BOOKING_CONFIRMATION, *folded])
            if reminder.channel in channels_for(appointment, Stage.BOOKING_CONFIRMATION, start, now):
                announced_by_confirmation.add(reminder.channel)
            taken.add(key)
        elif send_time(start, rule.lead) > _fold_horizon(now):
            _move(reminder, start, timed_send_at(send_time(start, rule.lead), reminder.channel), [rule.stage])
            taken.add(key)
        else:
            # Too late for this stage at the new time; _schedule records it as skipped for the new time.
            _close(reminder, Closed.MOVED, moved)
    _reopen_cancelled_by_a_move(appointment, rules, now)
    _schedule(appointment, now)
    notice = next((r for r in rules.values() if r.stage == Stage.RESCHEDULED and r.is_active), None)
    if notice:
        # On a channel whose confirmation had not gone yet, that confirmation now carries the new time.
        reaching = channels_for(appointment, Stage.RESCHEDULED, start, now) - announced_by_confirmation
        heard = _last_heard_of(appointment, old_start)
        notices = _notice_rows(
            appointment,
            notice,
            reaching,
            now=now,
            content_stages=[Stage.RESCHEDULED, *folded],
            announced=bool(announced_by_confirmation),
        )
        for row in notices:
            # "Moved from ... to ...", stored so a retry says the same: from the time the patient last heard of.
            row.previous_start = last_heard.get(row.channel, heard)
        _save_new(unless_too_late(notices, now))  # again: a move's letter must also beat the old time
    _queue_due_on_commit(appointment, now)


def _notice_rows(
    appointment: Appointment,
    rule: ReminderRule,
    reaching: frozenset[str],
    *,
    now: datetime,
    content_stages: list[str],
    announced: bool = False,
) -> list[Reminder]:
    """A service notice's rows, by every channel that reaches the patient. When none does (the only number replied
    STOP, no address on file), the notice is kept as missed on the channels the patient agreed to, closed saying
    why, so staff see it and a restart sends it once (resume)."""
    occasion = appointment.status_changed_at.isoformat()
    rows = event_rows(appointment, rule, reaching, now=now, content_stages=content_stages, occasion=occasion)
    if rows or announced:
        return rows
    patient = appointment.patient
    missed = event_rows(
        appointment, rule, frozenset(patient.channels), now=now, content_stages=content_stages, occasion=occasion
    )
    for row in missed:
        row.status = Reminder.Status.CANCELLED
        row.close_reason = Closed.OPTED_OUT if patient.reminders_opt_out_at else Closed.UNREACHABLE
        row.last_error = f"Missed: {patient.why_unreachable(row.channel)} It goes if they restart reminders."
    return missed


def _last_heard_of(appointment: Appointment, old_start: datetime) -> datetime:
    """The time a move notice should say the appointment moved from: the one the patient last heard of. A move
    whose notice they missed leaves that notice's own "from"."""
    missed = (
        appointment.reminders.filter(
            stage=Stage.RESCHEDULED,
            status=Reminder.Status.CANCELLED,
            close_reason__in=[Closed.UNREACHABLE, Closed.OPTED_OUT],
            previous_start__isnull=False,
        )
        .order_by("created_at", "pk")
        .values_list("previous_start", flat=True)
        .first()
    )
    return missed or old_start


def _reopen_cancelled_by_a_move(appointment: Appointment, rules: dict[int, ReminderRule], now: datetime) -> None:
    """An appointment moved back to a time it had before finds that time's timed rows cancelled by the move away
    (and the unique constraint keeps _schedule from making new ones): those whose time is still ahead reopen."""
    start, horizon = appointment.scheduled_start, _fold_horizon(now)
    channels = appointment.patient.reminder_channels()
    for reminder in appointment.reminders.filter(
        for_start=start, occasion="", status=Reminder.Status.CANCELLED, close_reason=Closed.MOVED, channel__in=channels
    ):
        rule = rules[reminder.rule_id]
        if rule.is_event or not rule.is_active or send_time(start, rule.lead) <= horizon:
            continue
        Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.CANCELLED).update(
            status=Reminder.Status.PENDING,
            send_at=timed_send_at(send_time(start, rule.lead), reminder.channel),
            content_stages=[rule.stage],
            last_error="",
            close_reason="",
        )


def cancel_reminders(appointment: Appointment, *, now: datetime | None = None) -> int:
    """Called inside the cancellation's transaction: nothing pending goes out, and the patient is told."""
    now = now or timezone.now()
    count = (
        Reminder.objects.still_to_go()
        .filter(appointment=appointment)
        .exclude(stage=Stage.CANCELLATION)
        .close(Reminder.Status.CANCELLED, Closed.CANCELLED)
    )
    notice = ReminderRule.objects.filter(
        procedure_type_id=appointment.procedure_type_id, stage=Stage.CANCELLATION, is_active=True
    ).first()
    if notice and appointment.scheduled_start > now:
        reaching = channels_for(appointment, Stage.CANCELLATION, appointment.scheduled_start, now)
        _save_new(_notice_rows(appointment, notice, reaching, now=now, content_stages=[Stage.CANCELLATION]))
        _queue_due_on_commit(appointment, now)
    return count


# Which closing an appointment's ended status means for its reminders.
CLOSED_BY_STATUS = {
    "cancelled": Closed.CANCELLED,
    "checked_in": Closed.CHECKED_IN,
    "no_show": Closed.NO_SHOW,
    "completed": Closed.COMPLETED,
}


def close_for_appointment(appointment: Appointment, code: str = "", reason: str = "") -> int:
    """An appointment that ended another way (checked in, did not attend, completed): its open reminders will not
    be needed. `code` (a Reminder.CloseReason) defaults to the one its new status means; words given where a code
    belongs (the second round's call, `close_for_appointment(appointment, "The patient has checked in.")`) are kept
    as staff's words with that code."""
    if code not in Closed.values:
        code, reason = CLOSED_BY_STATUS.get(appointment.status, Closed.CANCELLED), reason or code
    return (
        Reminder.objects.still_to_go()
        .filter(appointment=appointment)
        .close(Reminder.Status.CANCELLED, Closed(code), reason)
    )


def reopen_for_appointment(appointment: Appointment, *, closed_because: str, now: datetime | None = None) -> int:
    """The change that closed reminders for `closed_because` (a Reminder.CloseReason) was undone (a check-in or
    did-not-attend recorded by mistake): those for the appointment's time whose time is still ahead go back to
    pending, unchanged. One already due stays closed, as does one for a channel that no longer reaches the patient
    or a stage switched off since; nothing reopens once the appointment has begun. Returns how many reopened."""
    now = now or timezone.now()
    if not appointment.is_upcoming(now):
        return 0
    return Reminder.objects.filter(
        appointment=appointment,
        for_start=appointment.scheduled_start,
        status=Reminder.Status.CANCELLED,
        close_reason=Closed(closed_because),
        send_at__gt=now,
        channel__in=appointment.patient.reminder_channels(),
        rule__is_active=True,
    ).update(status=Reminder.Status.PENDING, last_error="", close_reason="")


def _move(reminder: Reminder, start: datetime, send_at: datetime, content_stages: list[str]) -> None:
    Reminder.objects.still_to_go().filter(pk=reminder.pk).update(
        for_start=start,
        send_at=send_at,
        status=Reminder.Status.PENDING,
        content_stages=content_stages,
        claim_token=None,
        lease_until=None,
        subject="",
        body="",
        body_html="",
        last_error="",
        close_reason="",
    )


def _close(reminder: Reminder, code: str, reason: str) -> None:
    Reminder.objects.still_to_go().filter(pk=reminder.pk).close(Reminder.Status.CANCELLED, code, reason)
