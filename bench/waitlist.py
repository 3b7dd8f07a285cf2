# ruff: noqa: E402 - Django is set up before the project's modules are imported
"""Benchmark: a month of a busy waiting list, simulated through the real services with the clock moved.

    .venv/bin/python bench/waitlist.py [--days 30] [--rooms 1] [--cancel-rate 0.15] [--waitlist-share 0.33] [--seed 1]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ductogram .venv/bin/python bench/waitlist.py --rooms 3

On a throwaway database (bench/throwaway.py: `bench_<name>` on PostgreSQL, a temporary SQLite one otherwise), with
the clock stopped and moved by time_machine, it runs the days through book_appointment, set_short_notice,
cancel_appointment, run_rounds, accept_offer and decline_offer, and prints what came of it:
- the share of freed times refilled from the list (FreedSlot "filled"), of those freed by cancellations and of all,
  with those freed by the moves the accepted offers make (the accepting patient's old time is offered on);
- minutes from a time being freed to the accepted offer (FreedSlot.created_at to SlotOffer.answered_at), median and
  90th percentile, and to its first offer; how many moves a cancellation set off and how far they brought patients
  forward;
- the offers made and how they ended, and the patients' answers (an acceptance may find the offer expired or the
  time taken); what one sweep (run_rounds) costs; a few checks of the list's rules over everything that happened;
  the wall-clock time.
The notices go to Celery's in-memory broker, and no worker sends them. The randomness is seeded (--seed): the same
arguments print the same figures (but the timings), on SQLite and on PostgreSQL alike.

The model, from Monday 2 June 2031 (no clock change in the months after):
- `--rooms` rooms, each with its own radiologist, booked full on clinic days (08:00-18:00 Europe/London, Monday to
  Friday) with 45-minute ductograms (13 a room a day) for the next `--horizon` days; each morning at 07:00 the day
  that has come into the horizon is booked full, so the book stays six weeks deep. Each batch is booked in random
  order, so who booked earliest (the list's order) is not who comes earliest.
- A share `--waitlist-share` of the patients is on the waiting list (set_short_notice), needing 3, 24 or 48 hours'
  notice, equally likely.
- Each appointment is cancelled with probability `--cancel-rate`, 1 to 14 days before its day, at a moment between
  07:00 and 22:00. Cancellations that would fall outside the simulated days are not made (the first fortnight has
  fewer: a warm-up), nor those of an appointment that has since moved to a time already past.
- The sweep (run_rounds; in production every WAITLIST_SWEEP_SECONDS) runs every `--step` minutes outside the quiet
  hours (SMS_QUIET_HOURS): in them a round makes no offer, and the first sweep after them does what the night's would.
- Each patient offered a time accepts with probability `--accept-rate` or declines with `--decline-rate`, after 2 to
  40 minutes (uniform: an acceptance after OFFER_MINUTES finds the offer expired), and otherwise lets it expire;
  the list offers only times at least OFFER_MIN_GAIN_HOURS earlier than hers, and takes her off it once she has
  taken one.

The moves make the work: with the defaults, each cancellation sets off three or four (the accepting patient's time is
offered on), each a reschedule with its reminders and the next round of offers. One room is the default, about 20 s
on SQLite and a minute on PostgreSQL on a shared 2-core machine; `--rooms 3` takes several times as long.
"""

import argparse
import heapq
import itertools
import math
import os
import random
import statistics
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prepapp.settings")
os.environ.setdefault("DEBUG", "true")

import django

django.setup()

import time_machine
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.models import Min
from django.utils import timezone
from throwaway import throwaway_database  # noqa: E402 - bench/ is the script's own folder

from procedures.access import RADIOLOGISTS
from procedures.clinic_time import hours_on, zone
from procedures.models import Appointment, FreedSlot, Patient, ProcedureType, Room, SlotOffer
from procedures.services import (
    accept_offer,
    book_appointment,
    cancel_appointment,
    decline_offer,
    run_rounds,
    set_short_notice,
)
from reminders.models import Reminder
from reminders.stages import Stage
from reminders.timing import quiet_until
from tests.conftest import use_broker

FIRST_DAY = date(2031, 6, 2)  # a Monday
DUCTOGRAM_MINUTES = 45
NOTICES = (Appointment.ShortNotice.HOURS, Appointment.ShortNotice.A_DAY, Appointment.ShortNotice.TWO_DAYS)
REASONS = [code for code in Appointment.CancelReason.values if code != Appointment.CancelReason.OTHER]
ANSWER_MINUTES = (2, 40)
CANCEL_HOURS = (7, 22)  # the patients' or the clinic's waking hours


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, dt_time(hour, minute)), zone())


def percentile(values: list[float], share: float) -> float:
    """Nearest rank."""
    ranked = sorted(values)
    return ranked[max(0, math.ceil(share * len(ranked)) - 1)]


class Simulation:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.rng = random.Random(args.seed)
        self.start = local(FIRST_DAY, 7)
        self.end = self.start + timedelta(days=args.days)
        self.events: list = []
        self.order = itertools.count()
        self.last_offer = 0
        self.patients = itertools.count()
        self.booked = self.waiting = self.cancellations = self.cancel_skipped = 0
        self.answers: Counter = Counter()  # (intended answer, the offer's status afterwards)
        self.sweeps: list[float] = []
        self.ductogram = ProcedureType.objects.get(code="DUCTOGRAM")
        group = Group.objects.get_or_create(name=RADIOLOGISTS)[0]
        self.rooms = []
        for n in range(args.rooms):
            room = Room.objects.create(name=f"Bench Room {n + 1}")
            doctor = User.objects.create_user(f"wl-radiologist{n}", first_name="Dr", last_name=f"Room{n + 1}")
            doctor.groups.add(group)
            self.rooms.append((room, doctor))

    def at(self, when: datetime, kind: str, payload=None) -> None:
        heapq.heappush(self.events, (when, next(self.order), kind, payload))

    def book_days(self, days: list[date]) -> None:
        """Every 45-minute time of these clinic days in every room, booked in random order."""
        times = []
        for day in days:
            if (opening := hours_on(day)) is None:
                continue
            start, close = opening
            while start + timedelta(minutes=DUCTOGRAM_MINUTES) <= close:
                times.extend((room, doctor, start) for room, doctor in self.rooms)
                start += timedelta(minutes=DUCTOGRAM_MINUTES)
        self.rng.shuffle(times)
        for room, doctor, start in times:
            n = next(self.patients)
            patient = Patient.objects.create(
                mrn=f"WL{n:06d}",
                given_name="Ada",
                family_name=f"Waiting{n}",
                date_of_birth="1970-01-01",
                email=f"wl{n}@patients.example",
                mobile=f"+4477009{n:05d}",
                channels=["email", "sms"],
            )
            appointment = book_appointment(
                patient=patient,
                procedure_type=self.ductogram,
                room=room,
                radiologist=doctor,
                scheduled_start=start,
                expected_duration=DUCTOGRAM_MINUTES,
                laterality="left",
                discharge="clear",
            )
            self.booked += 1
            if self.rng.random() < self.args.waitlist_share:
                set_short_notice(appointment, ok=True, hours=self.rng.choice(NOTICES))
                self.waiting += 1
            if self.rng.random() < self.args.cancel_rate:
                day = timezone.localdate(start) - timedelta(days=self.rng.randint(1, 14))
                minute = self.rng.randrange(CANCEL_HOURS[0] * 60, CANCEL_HOURS[1] * 60)
                moment = local(day, minute // 60, minute % 60)
                if self.start <= moment < self.end:
                    self.at(moment, "cancel", appointment.pk)

    def new_offers(self) -> None:
        """Give each offer made since last asked its patient's answer, to come at its moment."""
        accept, decline = self.args.accept_rate, self.args.decline_rate
        for pk, offered_at in (
            SlotOffer.objects.filter(pk__gt=self.last_offer).order_by("pk").values_list("pk", "offered_at")
        ):
            self.last_offer = pk
            draw = self.rng.random()
            after = timedelta(seconds=self.rng.uniform(ANSWER_MINUTES[0] * 60, ANSWER_MINUTES[1] * 60))
            if draw < accept:
                self.at(offered_at + after, "accept", pk)
            elif draw < accept + decline:
                self.at(offered_at + after, "decline", pk)
            else:
                self.answers["expire", "-"] += 1

    def plan(self) -> None:
        step = timedelta(minutes=self.args.step)
        moment = local(FIRST_DAY, 0)
        while moment < self.end:
            if moment >= self.start and quiet_until(moment) is None:
                self.at(moment, "sweep")
            moment += step
        for n in range(1, self.args.days):
            self.at(
                local(FIRST_DAY + timedelta(days=n), 7), "book", FIRST_DAY + timedelta(days=self.args.horizon + n - 1)
            )

    def run(self, clock) -> None:
        """Every event in its turn, until the last day ends (answers still to come then are not given)."""
        while self.events and self.events[0][0] < self.end:
            when, _, kind, payload = heapq.heappop(self.events)
            clock.move_to(when)
            if kind == "sweep":
                began = time.perf_counter()
                run_rounds()
                self.sweeps.append(time.perf_counter() - began)
            elif kind == "book":
                self.book_days([payload])
            elif kind == "cancel":
                appointment = Appointment.objects.get(pk=payload)
                if appointment.has_upcoming_status and appointment.scheduled_start > when:
                    cancel_appointment(appointment, reason_code=self.rng.choice(REASONS))
                    self.cancellations += 1
                else:
                    self.cancel_skipped += 1
            else:
                answer = accept_offer if kind == "accept" else decline_offer
                self.answers[kind, answer(SlotOffer.objects.get(pk=payload)).status] += 1
            self.new_offers()


def minutes(spans: list[timedelta]) -> str:
    if not spans:
        return "none"
    values = [span.total_seconds() / 60 for span in spans]
    return f"median {statistics.median(values):.0f} min, p90 {percentile(values, 0.9):.0f} min (n={len(values)})"


def broken_rules() -> list[str]:
    """What the list's rules forbid, counted over every offer made: each should be none."""
    offers = list(SlotOffer.objects.select_related("freed_slot", "appointment"))
    accepted = Counter(o.freed_slot_id for o in offers if o.status == SlotOffer.Status.ACCEPTED)
    filled = FreedSlot.objects.filter(status=FreedSlot.Status.FILLED).values_list("pk", flat=True)
    counts = {
        "offers made in the quiet hours": sum(quiet_until(o.offered_at) is not None for o in offers),
        "offers giving less notice than asked": sum(
            o.freed_slot.start - o.offered_at < timedelta(hours=o.appointment.short_notice_hours) for o in offers
        ),
        "offers of a time no earlier than the patient's": sum(o.freed_slot.start >= o.old_start for o in offers),
        "freed times with more than one acceptance": sum(n > 1 for n in accepted.values()),
        "filled times without an acceptance": sum(pk not in accepted for pk in filled),
        "live appointments overlapping in a room": overlaps(),
    }
    return [f"{what} {n}" for what, n in counts.items() if n]


def overlaps() -> int:
    live = sorted(Appointment.objects.live().values_list("room_id", "scheduled_start", "expected_duration"))
    return sum(a[0] == b[0] and a[1] + timedelta(minutes=a[2]) > b[1] for a, b in itertools.pairwise(live))


def report(sim: Simulation, setup_seconds: float, run_seconds: float) -> None:
    args = sim.args
    print(
        f"{args.days} days from {FIRST_DAY:%a %d %b %Y}, rooms {args.rooms}, cancel rate {args.cancel_rate}, "
        f"waiting-list share {args.waitlist_share}, accept {args.accept_rate} / decline {args.decline_rate}, "
        f"sweep every {args.step} min, seed {args.seed}; OFFER_MINUTES {settings.OFFER_MINUTES}, "
        f"OFFER_ROUND_SIZE {settings.OFFER_ROUND_SIZE}, quiet hours {settings.SMS_QUIET_HOURS}"
    )
    print(
        f"Bookings: {sim.booked} ({sim.waiting} on the waiting list); cancellations: {sim.cancellations} "
        f"({sim.cancel_skipped} planned ones not made: the appointment had moved to a time already past)"
    )
    slots = Counter(FreedSlot.objects.values_list("cause", "status"))
    for cause, label in ((FreedSlot.Cause.CANCELLED, "by cancellations"), (FreedSlot.Cause.MOVED, "by moves")):
        made = sum(n for (c, _), n in slots.items() if c == cause)
        statuses = ", ".join(f"{status} {n}" for (c, status), n in sorted(slots.items()) if c == cause)
        filled = slots[cause, FreedSlot.Status.FILLED]
        print(f"Freed {label}: {made} ({statuses}); refilled from the list {filled / max(made, 1):.1%}")
    made = sum(slots.values())
    filled = sum(n for (_, status), n in slots.items() if status == FreedSlot.Status.FILLED)
    print(f"Freed in all: {made}; refilled from the list {filled / max(made, 1):.1%}")

    accepted = SlotOffer.objects.filter(status=SlotOffer.Status.ACCEPTED)
    waits = {cause: [] for cause in FreedSlot.Cause.values}
    for cause, freed, answered in accepted.values_list("freed_slot__cause", "freed_slot__created_at", "answered_at"):
        waits[cause].append(answered - freed)
    print(f"Freed -> accepted, cancellations: {minutes(waits[FreedSlot.Cause.CANCELLED])}")
    print(f"Freed -> accepted, moves: {minutes(waits[FreedSlot.Cause.MOVED])}")
    first_offer = [
        slot.first - slot.created_at
        for slot in FreedSlot.objects.filter(cause=FreedSlot.Cause.CANCELLED)
        .annotate(first=Min("offers__offered_at"))
        .exclude(first=None)
    ]
    print(f"Freed -> first offer, cancellations: {minutes(first_offer)}")

    gains = [old - start for old, start in accepted.values_list("old_start", "freed_slot__start")]
    moved = Counter(accepted.values_list("appointment_id", flat=True))
    hours = [gain.total_seconds() / 3600 for gain in gains]
    if hours:
        print(
            f"Moves: {len(gains)} ({len(gains) / max(sim.cancellations, 1):.1f} a cancellation) of {len(moved)} "
            f"appointments (up to {max(moved.values())} moves one); brought forward by median "
            f"{statistics.median(hours):.0f} h, p10 {percentile(hours, 0.1):.1f} h, p90 {percentile(hours, 0.9):.0f} h"
        )
    offers = Counter(SlotOffer.objects.values_list("status", flat=True))
    messages = Reminder.objects.filter(stage=Stage.SLOT_OFFER).count()
    print(
        f"Offers sent: {sum(offers.values())} ({messages} messages); "
        + ", ".join(f"{status} {offers[status]}" for status in SlotOffer.Status.values)
    )
    answered = ", ".join(f"{kind}->{status} {n}" for (kind, status), n in sorted(sim.answers.items()))
    print(f"Patients' answers (intended -> outcome): {answered}")
    sweeps = [1000 * s for s in sim.sweeps]
    print(
        f"Sweeps (run_rounds): {len(sweeps)}, median {statistics.median(sweeps):.1f} ms, "
        f"p95 {percentile(sweeps, 0.95):.1f} ms, max {max(sweeps):.1f} ms, {sum(sweeps) / 1000:.1f} s in all"
    )
    broken = broken_rules()
    print(f"Rules: {'BROKEN: ' + ', '.join(broken) if broken else 'all held'}")
    print(
        f"Wall clock ({connection.vendor}): {setup_seconds + run_seconds:.1f} s "
        f"(initial book {setup_seconds:.1f} s, simulated days {run_seconds:.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30, help="days simulated")
    parser.add_argument("--rooms", type=int, default=1)
    parser.add_argument("--horizon", type=int, default=42, help="days the book is kept full ahead")
    parser.add_argument("--cancel-rate", type=float, default=0.15)
    parser.add_argument("--waitlist-share", type=float, default=0.33)
    parser.add_argument("--accept-rate", type=float, default=0.35)
    parser.add_argument("--decline-rate", type=float, default=0.15)
    parser.add_argument("--step", type=int, default=5, help="minutes between sweeps")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    use_broker("memory://localhost/")
    with throwaway_database(), time_machine.travel(local(FIRST_DAY, 7), tick=False) as clock:
        sim = Simulation(args)
        began = time.perf_counter()
        sim.book_days([FIRST_DAY + timedelta(days=n) for n in range(args.horizon)])
        setup = time.perf_counter() - began
        sim.plan()
        sim.run(clock)
        ran = time.perf_counter() - began - setup
        report(sim, setup, ran)


if __name__ == "__main__":
    main()
