"""Beyond one machine (issue 22): two beats by mistake, three workers and two web processes, all on one PostgreSQL and
one Redis, while schedulers book and move appointments through both web processes over HTTP. Every reminder row is
sent exactly once, each email reaches the mail server once and each text the SMS backend once, and none is left
behind.

Every part is real: gunicorn serving the site twice, `celery beat` twice (each with its own schedule file, as a
second host started by mistake would have), `celery worker` three times, a redis-server of the test's own behind a
Redis Sentinel (the processes find the broker by asking the Sentinel, as the README's deployment section sets them
up: CELERY_BROKER_URL=sentinel://..., REDIS_SENTINEL_MASTER; the cache stays on REDIS_URL), the SMTP sink, the file
SMS backend, and the test's PostgreSQL database. The processes' clocks cannot be moved, so the appointments are
booked two weeks and more ahead and the test plays the calendar: it brings every reminder still to go due now as
soon as it exists (`_Calendar`), so that the timed stages go through the beats' dispatch while the bookings and
moves that make, move and close rows are still coming in. Confirmations and move notices go as each booking commits,
racing the dispatch for the same rows.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from datetime import datetime, time
from pathlib import Path
from time import monotonic

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection, transaction
from django.utils import timezone

from procedures import clinic_time
from procedures.models import Appointment, Patient, Room
from reminders.models import Reminder, ReminderRule
from reminders.stages import Stage
from tests.factories import PatientFactory, ProcedureTypeFactory, RoomFactory, SchedulerFactory, next_clinic_day
from tests.realparts import Beat, RedisSentinel, WebServer, Worker, database_url, wait_for, worker_env
from tests.reminders.test_worker import redis_server, smtp_sink  # noqa: F401 - the broker's and the mail's fixtures

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BOOKINGS = 18  # two desks, nine each
ROOMS = 3
PASSWORD = "correct-horse-battery"
# Every third appointment is moved twice: its first move notice may still be waiting when the second comes.
MOVED_TWICE = 3


class _Desk:
    """A scheduler at her desk, signed in over HTTP at one web process; her session (in the database) serves her
    at the other too, and she uses both in turn."""

    def __init__(self, username: str, webs: list[WebServer], first: int):
        self.username, self.webs, self.turn = username, webs, first
        self.http = requests.Session()

    def _next(self) -> str:
        web = self.webs[self.turn % len(self.webs)]
        self.turn += 1
        return web.url

    def sign_in(self) -> None:
        url = self._next()
        self.http.get(f"{url}/accounts/login/", timeout=30).raise_for_status()
        signed_in = self._post(f"{url}/accounts/login/", {"username": self.username, "password": PASSWORD})
        assert signed_in.status_code == 302, f"sign-in refused: {signed_in.status_code}"

    def _post(self, url: str, data: dict) -> requests.Response:
        token = self.http.cookies["csrftoken"]
        return self.http.post(url, data=data, headers={"X-CSRFToken": token}, allow_redirects=False, timeout=60)

    def book(self, patient: Patient, room: Room, start: datetime) -> int:
        data = {
            "action": "book",
            "patient_source": "existing",
            "patient": str(patient.pk),
            "room": str(room.pk),
            "radiologist": "",
            **_when(start),
            "expected_duration": "45",
            "duration_reason": "",
            "laterality": "left",
            "discharge": "bloody",
            "referrer": "Mr Hale, Breast Clinic",
            "notes": "",
        }
        return _appointment_id(self._post(f"{self._next()}/appointments/new/", data))

    def move(self, appointment_id: int, room: Room, start: datetime) -> None:
        data = {"room": str(room.pk), **_when(start), "expected_duration": "45", "reason": "The patient asked"}
        moved = self._post(f"{self._next()}/appointments/{appointment_id}/reschedule/", data)
        assert _appointment_id(moved) == appointment_id


def _when(start: datetime) -> dict[str, str]:
    return {"start_date": clinic_time.iso_day(start), "start_time": clinic_time.time_of_day(start)}


def _appointment_id(response: requests.Response) -> int:
    found = re.fullmatch(r"/appointments/(\d+)/", response.headers.get("Location", ""))
    if not (response.status_code == 302 and found):
        page = re.sub(
            r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<(head|nav|script)\b.*?</\1>", "", response.text))
        )
        raise AssertionError(f"{response.request.method} {response.url}: {response.status_code}, {page[:1500]}")
    return int(found.group(1))


class _Calendar(threading.Thread):
    """Brings every row still waiting for its time due now, a few times a second, as the weeks to the appointments
    would. Rows a booking change holds are left to the next round (SKIP LOCKED), as dispatch leaves them."""

    def __init__(self):
        super().__init__(daemon=True)
        self.done, self.rounds, self.error = threading.Event(), 0, None

    def run(self) -> None:
        try:
            while not self.done.wait(0.3):
                with transaction.atomic():
                    now = timezone.now()
                    waiting = Reminder.objects.filter(status=Reminder.Status.PENDING, send_at__gt=now)
                    ids = list(waiting.select_for_update(skip_locked=True).values_list("pk", flat=True))
                    Reminder.objects.filter(pk__in=ids, status=Reminder.Status.PENDING).update(send_at=now)
                self.rounds += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            connection.close()


def _schedulers_at_work(desks: list[_Desk], plans: list[list[tuple]]) -> dict[int, tuple[Room, datetime]]:
    """Each desk books its patients and moves each booking (some twice), the desks side by side; returns where each
    appointment ends up."""
    ends: dict[int, tuple[Room, datetime]] = {}
    errors: list[BaseException] = []

    def work(desk: _Desk, plan: list[tuple]) -> None:
        try:
            desk.sign_in()
            for patient, room, starts in plan:
                appointment_id = desk.book(patient, room, starts[0])
                for start in starts[1:]:
                    desk.move(appointment_id, room, start)
                ends[appointment_id] = (room, starts[-1])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=pair) for pair in zip(desks, plans, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a desk's bookings did not finish within 120 s"
    assert not errors, errors
    return ends


def _plans(rooms: list[Room]) -> list[list[tuple]]:
    """Booking k: a room and an hour of its own, two weeks ahead, moved a week later, every third a week later again
    (distinct days, so no move clashes with anything)."""
    plans: list[list[tuple]] = [[], []]
    patients = [PatientFactory(mrn=f"SCALE{k:03d}", channels=["email", "sms"]) for k in range(BOOKINGS)]
    for k, patient in enumerate(patients):
        at = time(8 + k // ROOMS, 0)
        weeks = 3 if k % MOVED_TWICE == 0 else 2
        starts = [next_clinic_day(days_ahead=14 + 7 * week, at=at) for week in range(weeks)]
        plans[k % 2].append((patient, rooms[k % ROOMS], starts))
    return plans


def _texts(path: Path) -> Counter:
    if not path.exists():
        return Counter()
    return Counter(int(json.loads(line)["reference"]) for line in path.read_text().splitlines())


def _dispatches_run(workers: list[Worker]) -> tuple[int, int]:
    """How many dispatch tasks the workers ran, and how many rows they claimed between them."""
    runs = claimed = 0
    for worker in workers:
        for found in re.finditer(
            # The time taken is scrubbed out of the log like any long number ("[number]s").
            r"reminders\.tasks\.dispatch_due\[[^]]+\] succeeded in (?:[\d.e-]+|\[number\])s: (\d+)",
            _log(worker),
        ):
            runs, claimed = runs + 1, claimed + int(found.group(1))
    return runs, claimed


def _log(process) -> str:
    return process.log_path.read_text()


@pytest.fixture
def sentinel(redis_server, tmp_path):  # noqa: F811
    watching = RedisSentinel(redis_server, tmp_path)
    watching.start()
    yield watching
    watching.stop()


def test_two_beats_three_workers_and_two_web_processes_send_every_reminder_once(
    redis_server,  # noqa: F811
    sentinel,
    smtp_sink,  # noqa: F811
    tmp_path,
):
    ProcedureTypeFactory()
    rooms = [RoomFactory(name=f"Mammo Room {n + 1}") for n in range(ROOMS)]
    scheduler = SchedulerFactory(username="sam")
    scheduler.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    scheduler.save(update_fields=["password"])
    plans = _plans(rooms)
    env = worker_env(
        database=database_url(connection.settings_dict),
        redis_url=redis_server.url,
        smtp_url=smtp_sink.url,
        tmp=tmp_path,
        DEBUG="true",  # development settings (production's need a SECRET_KEY and HTTPS)
        SMS_QUIET_HOURS="",  # the test runs at any hour
        REMINDER_DISPATCH_SECONDS="1",
        CELERY_BROKER_URL=sentinel.url,
        REDIS_SENTINEL_MASTER=sentinel.name,
    )
    webs = [WebServer(env, tmp_path / f"web-{n}.log") for n in range(2)]
    beats = [Beat(env, tmp_path, name=f"beat-{n}") for n in range(2)]
    workers = [Worker(env, concurrency=1, log_path=tmp_path / f"worker-{n}.log") for n in range(3)]
    processes = [*beats, *workers, *webs]  # told to stop in this order
    calendar = _Calendar()
    started = monotonic()
    try:
        for process in processes:  # side by side: each takes seconds to start on a busy machine
            process.launch()
        for process in processes:
            process.wait_ready(90)
        calendar.start()
        ready = monotonic()

        desks = [_Desk("sam", webs, first=n) for n in range(2)]
        ends = _schedulers_at_work(desks, plans)
        worked_at_desks = monotonic()

        still_to_go = Reminder.objects.filter(status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING])
        wait_for(lambda: not still_to_go.exists(), 90, interval=0.2, what="every reminder to be sent")
        drained = monotonic()
        # Both beats have been dispatching all along (each at least three times): two dispatchers at once.
        wait_for(lambda: min(b.dispatches_sent() for b in beats) >= 3, 30, what="three dispatches from each beat")
    finally:
        calendar.done.set()
        calendar.join(10)
        stopping = monotonic()
        for process in processes:
            process.terminate()
        for process in processes:
            process.stop()
        stopped = monotonic() - stopping
    assert calendar.error is None, calendar.error
    assert all("Connected to sentinel://" in _log(w) for w in workers), "the workers found the broker by Sentinel"
    assert all("broker -> sentinel://" in _log(b) for b in beats), "and so did the beats"

    rows = Reminder.objects.filter(appointment__in=list(ends))
    outcomes = Counter(rows.values_list("status", "close_reason"))
    assert set(outcomes) <= {("sent", ""), ("cancelled", "moved")}, f"lost or failed: {outcomes}"
    sent = dict(rows.filter(status=Reminder.Status.SENT).values_list("pk", "channel"))
    sent_emails = {pk for pk, channel in sent.items() if channel == "email"}
    sent_texts = {pk for pk, channel in sent.items() if channel == "sms"}

    with smtp_sink.lock:
        by_message_id = Counter(m["Message-ID"] for m in smtp_sink.messages)
    by_row = smtp_sink.reminder_ids()
    texts = _texts(tmp_path / "sms.jsonl")
    assert max(by_message_id.values()) == 1, f"emails sent twice: {[i for i, n in by_message_id.items() if n > 1]}"
    assert max(by_row.values()) == 1 and set(by_row) == sent_emails, "one email per sent email row, no other"
    assert max(texts.values()) == 1 and set(texts) == sent_texts, "one text per sent text row, no other"

    # Every appointment is where the last move put it, its patient confirmed once on each channel, and every
    # timed stage for its final time sent.
    rules = ReminderRule.objects.filter(procedure_type__code="DUCTOGRAM", is_active=True)
    timed = {(r.stage, c) for r in rules if not r.is_event for c in r.channels if c in ("email", "sms")}
    assert timed
    for appointment_id, (room, start) in ends.items():
        appointment = Appointment.objects.get(pk=appointment_id)
        assert (appointment.room_id, appointment.scheduled_start) == (room.pk, start)
        of_it = rows.filter(appointment=appointment, status=Reminder.Status.SENT)
        confirmations = Counter(of_it.filter(stage=Stage.BOOKING_CONFIRMATION).values_list("channel", flat=True))
        assert confirmations == {"email": 1, "sms": 1}
        for_final_time = set(of_it.filter(for_start=start).values_list("stage", "channel"))
        assert timed <= for_final_time, f"appointment {appointment_id} missed {timed - for_final_time}"
    notices = rows.filter(stage=Stage.RESCHEDULED, status=Reminder.Status.SENT).count()

    dispatched = [beat.dispatches_sent() for beat in beats]
    runs, claimed = _dispatches_run(workers)
    # More dispatches ran than either beat sent: both beats' dispatches ran, side by side; and they claimed rows.
    assert min(dispatched) >= 3 and runs > max(dispatched) and claimed > 0, (dispatched, runs, claimed)
    sends = re.compile(r"reminders\.tasks\.send(?:_batch)?\[[^]]+\] succeeded")
    worked = [len(sends.findall(_log(w))) for w in workers]
    assert min(worked) > 0, f"all three workers sent: {worked}"
    print(
        f"\n{len(ends)} appointments booked and {sum(len(s) - 1 for p in plans for _, _, s in p)} moves over HTTP; "
        f"{len(sent)} reminders sent once ({len(sent_emails)} emails, {len(sent_texts)} texts, {notices} move "
        f"notices), {outcomes[('cancelled', 'moved')]} closed by moves; 0 duplicates, 0 lost. Dispatches sent by "
        f"the two beats {dispatched}, run {runs}, {claimed} rows claimed by dispatch; sends per worker {worked}. "
        f"Started in {ready - started:.1f} s, desks {worked_at_desks - ready:.1f} s, "
        f"last reminder sent {drained - worked_at_desks:.1f} s after the last move; stopped in {stopped:.1f} s."
    )
