"""Real parts for the integration tests and benchmarks: a redis-server of our own, an SMTP sink, Celery workers,
Celery beats and the site under gunicorn.

Nothing here is a mock: the worker is `celery worker` in a subprocess talking to a real Redis on a free port and
to the same database as the test, and it delivers over SMTP to an aiosmtpd server in this process; beat and the web
processes are the commands production runs, on the same Redis and database.
"""

from __future__ import annotations

import asyncio
import email
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller

PROJECT = Path(__file__).resolve().parent.parent
CELERY = PROJECT / ".venv" / "bin" / "celery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Return `predicate()`'s first true value. `timeout` only bounds a wait that will never end: a passing test
    returns as soon as the condition holds, so it is generous, never a measure of speed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}")


def wait_while_progressing(measure, *, done, stalled_after: float, what: str, nudge=None, interval: float = 0.5):
    """Wait until `done(measure())`, for as long as the measure keeps changing: a loaded machine makes the wait
    longer, never a failure; only `stalled_after` seconds with nothing moving fails it. `nudge` runs each round
    (what beat would do: a dispatch). Returns the last measure."""
    last, moved = None, time.monotonic()
    while True:
        if nudge is not None:
            nudge()
        value = measure()
        if done(value):
            return value
        if value != last:
            last, moved = value, time.monotonic()
        elif time.monotonic() - moved > stalled_after:
            raise AssertionError(f"Nothing moved for {stalled_after}s waiting for {what}: {value}")
        time.sleep(interval)


class RedisServer:
    """A throwaway redis-server on a free port, keeping nothing on disk, that a test may stop and start again."""

    def __init__(self, workdir: Path):
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server is not installed: run `apt-get install redis-server`.")
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, 10, what=f"redis-server on port {self.port}")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def restart(self) -> None:
        """Everything in the broker (queued and unacknowledged tasks) is lost, as after a crash without AOF."""
        self.stop()
        self.start()


class RedisSentinel:
    """A redis-server in Sentinel mode watching `master` under the name `name`: clients that know only the
    Sentinel's address (`sentinel://...`) ask it where the master is, as they would across machines."""

    def __init__(self, master: RedisServer, workdir: Path, name: str = "ductogram"):
        self.master, self.workdir, self.name, self.port = master, workdir, name, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"sentinel://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = self.workdir / f"sentinel-{self.port}.conf"  # Sentinel rewrites its file: one of its own
        config.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {self.workdir}\n"
            f"sentinel monitor {self.name} 127.0.0.1 {self.master.port} 1\n"
        )
        self.process = subprocess.Popen(
            [self.master.binary, str(config), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(self._knows_the_master, 10, what=f"Redis Sentinel on port {self.port}")

    def _knows_the_master(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(f"SENTINEL get-master-addr-by-name {self.name}\r\n".encode())
                return str(self.master.port).encode() in s.recv(128)
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


class _Handler:
    def __init__(self, sink: SMTPSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        sink = self.sink
        if sink.delay:
            await asyncio.sleep(sink.delay)
        held_count = sink.hold_after is not None and len(sink.messages) >= sink.hold_after
        if held_count or sink.hold_to in envelope.rcpt_tos:
            # Hold this message unanswered: the sender is stuck mid-send, as when a worker is killed in a send, or
            # as behind one recipient's slow mail server (`hold_to`).
            sink.holding.set()
            while not sink.released.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with sink.lock:
            sink.messages.append(message)
            sink.arrived_at.append(time.monotonic())
        return "250 OK"


class SMTPSink:
    """An SMTP server in this process that keeps every message it accepts."""

    def __init__(self):
        self.port = free_port()
        self.messages: list = []
        self.arrived_at: list[float] = []
        self.lock = threading.Lock()
        self.delay = 0.0
        self.hold_after: int | None = None
        self.hold_to: str | None = None  # messages to this address are held too, then deferred (451)
        self.holding = threading.Event()
        self.released = threading.Event()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.released.set()
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def reminder_ids(self) -> Counter:
        with self.lock:
            return Counter(int(m["X-Reminder-ID"]) for m in self.messages)


def database_url(settings_dict: dict) -> str:
    """The URL of the database the test is using, so a worker subprocess sees the same rows."""
    name = settings_dict["NAME"]
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{name}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name}"


class _Process:
    """A subprocess of the project's in its own process group (so SIGKILL takes its children with it), logging to a
    file; `launch` starts it, `wait_ready` waits until it says it is ready, so several can start side by side."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path):
        self.command, self.env, self.log_path = command, env, log_path
        self.process: subprocess.Popen | None = None

    def launch(self) -> None:
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            self.command, cwd=PROJECT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 60) -> None:
        wait_for(self._ready, timeout, interval=0.1, what=f"{self.command[0]} to be ready (log: {self.log_path})")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.command[:3]} exited: {self.log_path.read_text()[-3000:]}")
        return self.is_ready()

    def is_ready(self) -> bool:
        raise NotImplementedError

    def start(self, timeout: float = 60) -> None:
        self.launch()
        self.wait_ready(timeout)

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acknowledgements, exactly as a crashed machine."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def terminate(self) -> None:
        """SIGTERM, without waiting: several processes can then stop side by side."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "log", None):
            self.log.close()


class Worker(_Process):
    """`celery -A prepapp worker`."""

    def __init__(self, env: dict[str, str], concurrency: int = 1, log_path: Path | None = None):
        self.concurrency = concurrency
        command = [str(CELERY), "-A", "prepapp", "worker", "-l", "info", "-c", str(concurrency), "-P", "prefork"]
        command += [
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"test-{uuid.uuid4().hex[:6]}@%h",
        ]
        super().__init__(command, env, log_path or Path(f"/tmp/worker-{uuid.uuid4().hex[:8]}.log"))

    def is_ready(self) -> bool:
        return " ready." in self.log_path.read_text()


class Beat(_Process):
    """`celery -A prepapp beat` with a schedule file of its own, in `workdir`: a test may start two, as a deploy
    might by mistake."""

    DISPATCH_SENT = "Sending due task dispatch-due-reminders"

    def __init__(self, env: dict[str, str], workdir: Path, name: str = "beat"):
        command = [str(CELERY), "-A", "prepapp", "beat", "-l", "info", "-s", str(workdir / f"{name}-schedule")]
        command += ["--pidfile", str(workdir / f"{name}.pid")]
        super().__init__(command, env, workdir / f"{name}.log")

    def is_ready(self) -> bool:
        return "beat: Starting..." in self.log_path.read_text()

    def dispatches_sent(self) -> int:
        """How many dispatch tasks this beat has sent to the workers."""
        return self.log_path.read_text().count(self.DISPATCH_SENT)


class WebServer(_Process):
    """The site under gunicorn (one sync worker) on a free port, as production serves it."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.port = free_port()
        command = [str(PROJECT / ".venv" / "bin" / "gunicorn"), "prepapp.wsgi", "-b", f"127.0.0.1:{self.port}"]
        command += ["--workers", "1", "--access-logfile", "-", "--timeout", "60"]
        super().__init__(command, env, log_path)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def is_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False


def worker_env(*, database: str, redis_url: str, smtp_url: str, tmp: Path, **extra: str) -> dict[str, str]:
    # The broker is the test's own Redis, whatever this shell's CELERY_BROKER_URL or REDIS_SENTINEL_MASTER say.
    skipped = ("PYTEST", "DJANGO_SETTINGS", "CELERY_BROKER_URL", "REDIS_SENTINEL_MASTER")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skipped)}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "prepapp.settings",
            "DATABASE_URL": database,
            "REDIS_URL": redis_url,
            "EMAIL_URL": smtp_url,
            "SMS_BACKEND": "reminders.providers.sms.FileSMSBackend",
            "SMS_FILE_PATH": str(tmp / "sms.jsonl"),
            "PYTHONUNBUFFERED": "1",
            "PATH": f"{PROJECT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
            "PYTHON": sys.executable,
        }
    )
    env.update(extra)
    return env
