"""The production command, `make serve` (scripts/serve), run as a deployment runs it: it checks the settings,
migrates, collects the static files, and starts gunicorn (gunicorn.conf.py), the Celery worker and beat
(Procfile.production) with DEBUG off. Then the site is asked what a proxy and a browser ask.

Started with a deployment's environment (tests/production.py), the test's database (the one pytest-django made for
this process), a redis-server of the test's own, and static files collected into a directory of the test's own.
Requests come as from a TLS-terminating proxy: X-Forwarded-Proto: https."""

from __future__ import annotations

import json
import os
import re
import runpy
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPResponse
from pathlib import Path

import pytest
from django.db import connection

from tests.production import production_env
from tests.realparts import PROJECT, RedisServer, database_url, free_port, wait_for

SERVE = PROJECT / "scripts" / "serve"
HASHED_STATIC = re.compile(r"/static/[\w/.-]+\.[0-9a-f]{12}\.(?:css|js)")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str


@dataclass
class Served:
    process: subprocess.Popen
    port: int
    log: Path
    replies: list[Reply] = field(default_factory=list)

    def get(self, path: str, *, https: bool = True, **headers: str) -> Reply:
        """One request, as the proxy forwards it: not following redirects."""
        if https:
            headers.setdefault("X-Forwarded-Proto", "https")
        conn = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
            response: HTTPResponse = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        text = body.decode("utf-8", "replace") if "gzip" not in (response.getheader("Content-Encoding") or "") else ""
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, text)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def answers(self) -> bool:
        if self.process.poll() is not None:
            status = self.process.returncode
            raise AssertionError(f"make serve stopped (exit status {status}):\n{self.output()[-4000:]}")
        try:
            self.get("/healthz", https=False)
        except OSError:
            return False
        return True


def _dotenv_sets_debug() -> bool:
    dotenv = PROJECT / ".env"
    return dotenv.exists() and any(line.strip().startswith("DEBUG=") for line in dotenv.read_text().splitlines())


@pytest.fixture
def deployment_database(django_db_setup, django_db_blocker, tmp_path):
    """An empty database of the deployment's own, which make serve migrates as a first deployment does. Not the
    test database: a migrate there, between another test's flush and its serialized rollback's reload, makes the
    content types again under new ids and breaks that reload."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'deployment.sqlite3'}"
        return
    name = f"{connection.settings_dict['NAME']}_deployment"
    with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield database_url({**connection.settings_dict, "NAME": name})
    with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def served(deployment_database, tmp_path):
    if _dotenv_sets_debug():
        pytest.skip(".env sets DEBUG, which make serve refuses")
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    port = free_port()
    env = production_env(
        DATABASE_URL=deployment_database,
        REDIS_URL=redis_server.url,
        STATIC_ROOT=str(tmp_path / "static"),
        WEB_ADDR=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        BEAT_SCHEDULE=str(tmp_path / "beat-schedule"),
        # Beat dispatches every second, so /healthz sees the worker and beat at work within seconds.
        REMINDER_DISPATCH_SECONDS="1",
        # The worker and beat reach no SMTP server or SMS provider: nothing is due in a new database.
    )
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(SERVE)], cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    served = Served(process, port, log)
    try:
        # Checks, migrate (a new database), collectstatic, then three processes booting, on a shared machine.
        wait_for(served.answers, 180, interval=0.2, what=f"make serve to answer on port {port}")
        yield served
    finally:
        # SIGTERM to honcho (scripts/serve ends in `exec honcho`), which stops the three gracefully.
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        redis_server.stop()


def test_make_serve_serves_the_site_under_gunicorn_with_debug_off(served):
    """One story, so that the command starts once (a test module may be split between pytest-xdist's processes)."""
    _all_three_run_after_the_checks_migrate_and_collectstatic(served)
    _the_login_page_is_served_by_gunicorn_over_https(served)
    _plain_http_is_sent_to_https(served)
    _static_files_have_hashed_names_and_are_kept_by_browsers_for_a_year(served)
    _debug_is_off_a_missing_page_is_ours_not_djangos_technical_page(served)
    _healthz_answers_a_load_balancer_over_plain_http_and_sees_the_worker_and_beat_at_work(served)
    _the_access_log_has_the_time_and_request_id_but_not_a_patients_private_link(served)
    _a_hangup_restarts_the_web_workers_while_the_site_answers(served)


def _all_three_run_after_the_checks_migrate_and_collectstatic(served):
    def all_three() -> bool:
        output = served.output()
        return " ready." in output and "beat: Starting..." in output and "Booting worker" in output

    wait_for(all_three, 90, interval=0.2, what="gunicorn's workers, the Celery worker and beat to start")
    output = served.output()
    for process in ("web.1", "worker.1", "beat.1"):
        assert f"{process} started" in output
    assert "System check identified" in output  # manage.py check --deploy, first
    assert "static files copied" in output


def _the_login_page_is_served_by_gunicorn_over_https(served):
    reply = served.get("/accounts/login/")
    assert reply.status == 200
    assert reply.headers["server"].startswith("gunicorn")
    assert "Staff sign in" in reply.text
    assert reply.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "Secure" in reply.headers["set-cookie"]


def _plain_http_is_sent_to_https(served):
    reply = served.get("/accounts/login/", https=False)
    assert reply.status == 301
    assert reply.headers["location"] == f"https://127.0.0.1:{served.port}/accounts/login/"


def _static_files_have_hashed_names_and_are_kept_by_browsers_for_a_year(served):
    page = served.get("/accounts/login/").text
    names = HASHED_STATIC.findall(page)
    assert any(name.endswith(".css") for name in names) and any(name.endswith(".js") for name in names), page
    for name in names:
        reply = served.get(name)
        assert reply.status == 200, name
        assert reply.headers["cache-control"] == "max-age=315360000, public, immutable"
    compressed = served.get(names[0], Accept_Encoding="gzip")
    assert compressed.headers["content-encoding"] == "gzip"


def _debug_is_off_a_missing_page_is_ours_not_djangos_technical_page(served):
    reply = served.get("/no-such-page/")
    assert reply.status == 404
    assert "Page not found" in reply.text
    assert "This link does not work." in reply.text
    for debug_only in ("Using the URLconf", "DEBUG = True", "Django tried these URL patterns"):
        assert debug_only not in reply.text


def _healthz_answers_a_load_balancer_over_plain_http_and_sees_the_worker_and_beat_at_work(served):
    """200 only when the database and Redis answer and beat's dispatches are being run by the worker."""

    def healthy() -> dict | None:
        reply = served.get("/healthz", https=False)
        assert reply.status in (200, 503), reply  # never a redirect, never a 500
        assert reply.headers["content-type"] == "application/json"
        answer = json.loads(reply.text)
        return answer if reply.status == 200 else None

    answer = wait_for(healthy, 90, interval=0.5, what="/healthz to be 200")
    assert answer == {"status": "ok", "checks": {"database": "ok", "redis": "ok", "beat": "ok"}}


def _the_access_log_has_the_time_and_request_id_but_not_a_patients_private_link(served):
    served.get("/p/PRIVATE-TOKEN-42/", X_Request_ID="req-7f3a")
    line = wait_for(
        lambda: next((ln for ln in served.output().splitlines() if "request_id=req-7f3a" in ln), None),
        30,
        what="the request's access log line",
    )
    assert '"GET /p/<secret>/ HTTP/1.1" 404' in line
    assert re.search(r" \d+ms request_id=req-7f3a ", line)
    assert "PRIVATE-TOKEN-42" not in line


def _a_hangup_restarts_the_web_workers_while_the_site_answers(served):
    """A release's graceful restart: `kill -HUP` gunicorn's master, which starts new workers (WEB_CONCURRENCY=2)."""
    output = served.output()
    master = int(re.search(r"Listening at: http://127\.0\.0\.1:\d+ \((\d+)\)", output).group(1))
    booted = output.count("Booting worker with pid")
    os.kill(master, signal.SIGHUP)
    wait_for(
        lambda: served.output().count("Booting worker with pid") >= booted + 2,
        60,
        interval=0.2,
        what="gunicorn to start new workers after SIGHUP",
    )
    assert "Handling signal: hup" in served.output()
    assert served.get("/accounts/login/").status == 200
    assert served.process.poll() is None


def test_make_serve_refuses_to_start_with_debug_on(tmp_path):
    done = subprocess.run(
        [str(SERVE)], cwd=PROJECT, env=production_env(DEBUG="true"), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "serve: DEBUG is on (in the environment or .env), but make serve runs as production" in done.stderr
    assert "System check" not in done.stdout + done.stderr  # refused before anything else ran


def test_make_serve_without_a_secret_key_says_so_in_a_sentence_not_a_traceback():
    env = {k: v for k, v in production_env().items() if k != "SECRET_KEY"}
    done = subprocess.run([str(SERVE)], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "serve: DEBUG is off, so SECRET_KEY must be set" in done.stderr
    assert "Traceback" not in done.stderr


def test_make_serve_runs_the_production_command_with_the_production_procfile():
    makefile = (PROJECT / "Makefile").read_text()
    assert "serve: $(VENV)/.installed messages\n\tscripts/serve\n" in makefile
    procfile = dict(line.split(": ", 1) for line in (PROJECT / "Procfile.production").read_text().splitlines())
    assert procfile["web"] == ".venv/bin/gunicorn -c gunicorn.conf.py prepapp.wsgi"
    assert procfile["worker"].startswith(".venv/bin/celery -A prepapp worker ")
    assert procfile["beat"].startswith(".venv/bin/celery -A prepapp beat ")


@pytest.mark.parametrize(
    "path, logged",
    [
        ("/p/AbC123:xyz/", "/p/<secret>/"),
        ("/p/AbC123:xyz/offer/7/", "/p/<secret>/offer/7/"),
        ("/u/AbC123:xyz/", "/u/<secret>/"),
        ("/calendar/k3y-s3cret.ics", "/calendar/<secret>.ics"),
        ("/calendar/", "/calendar/"),
        ("/calendar/new/", "/calendar/new/"),
        ("/calendar/12/revoke/", "/calendar/12/revoke/"),
        ("/patients/12/", "/patients/12/"),
    ],
)
def test_the_access_log_writes_the_secret_in_a_private_link_as_secret(path, logged):
    config = runpy.run_path(str(PROJECT / "gunicorn.conf.py"))
    assert config["SECRET_IN_PATH"].sub(r"\1<secret>\2", path) == logged


def test_gunicorns_master_imports_nothing_of_django_or_the_project_so_a_hangup_reloads_the_code():
    code = (
        "import runpy, sys; runpy.run_path('gunicorn.conf.py'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'environ', 'prepapp', 'procedures')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
