"""Log lines as JSON (LOG_FORMAT=json): one object a line, each with the id of the request or the Celery task it came
from, and no patient data; every response returns its request's id."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from celery import shared_task
from django.conf import settings as django_settings
from django.db import connection

from prepapp.celery import app
from prepapp.observability.logs import JsonLogFormatter, LogContextFilter, set_request_id
from tests.conftest import use_broker
from tests.realparts import RedisServer, Worker, database_url, wait_for, worker_env

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache")]

log = logging.getLogger("tests.observability")


@pytest.fixture
def json_lines():
    """The lines the service's JSON handler writes while the test runs (the handler settings.LOGGING makes)."""
    set_request_id(None)  # whatever an earlier test's unfinished response left
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter())
    handler.addFilter(LogContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level, root.level = root.level, logging.INFO
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.level = level


def test_a_requests_log_lines_carry_the_id_its_proxy_gave_it(client, json_lines):
    response = client.get("/p/not-a-real-token/", HTTP_X_REQUEST_ID="f3b0c442-98fc-4c1c-9b04-000000000001")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "f3b0c442-98fc-4c1c-9b04-000000000001"
    [line] = [line for line in json_lines() if line["logger"] == "django.request"]
    assert line["request_id"] == "f3b0c442-98fc-4c1c-9b04-000000000001"
    assert line["level"] == "WARNING"
    assert line["message"] == "Not Found: /p/[token]/"  # the link's token is not written down
    assert line["task_id"] is None
    assert set(line) >= {"time", "level", "logger", "message", "request_id", "task_id"}


@pytest.mark.parametrize("given", [None, "", "a b", "x" * 200, "id\nINFO forged line", "short"])
def test_a_request_without_a_sensible_id_gets_one_of_its_own(client, json_lines, given):
    headers = {"HTTP_X_REQUEST_ID": given} if given is not None else {}
    first = client.get("/p/not-a-real-token/", **headers)["X-Request-ID"]
    second = client.get("/p/not-a-real-token/", **headers)["X-Request-ID"]

    assert first != second and len(first) == 32 and first != given
    assert [line["request_id"] for line in json_lines() if line["logger"] == "django.request"] == [first, second]


def test_outside_a_request_the_id_is_gone(client, json_lines):
    client.get("/p/not-a-real-token/", HTTP_X_REQUEST_ID="req-0000000001")
    log.info("Between requests.")

    assert json_lines()[-1]["message"] == "Between requests."
    assert json_lines()[-1]["request_id"] is None


@shared_task(name="tests.observability.note")
def note(reminder_id: int) -> None:
    log.info("Sending reminder %s.", reminder_id)


def test_a_tasks_log_lines_carry_its_task_id(json_lines):
    result = note.apply(args=[42])

    [line] = [line for line in json_lines() if line["logger"] == "tests.observability"]
    assert line["message"] == "Sending reminder 42."
    assert line["task_id"] == result.id
    assert line["request_id"] is None


def test_a_log_line_keeps_patient_data_out(json_lines):
    log.warning(
        "Could not text %s at %s (%s), NHS %s; her link %s",
        "OSEI, Ama (RX200001)",
        "+44 7700 900123",
        "ama.osei@patients.example",
        "943 476 5919",
        "https://clinic.example/p/42.AbCdEfGhIjKlMnOpQrStUvWx/?lang=pl",
    )
    try:
        raise ValueError("ama.osei@patients.example is taken")
    except ValueError:
        log.exception("Saving failed")

    warning, error = json_lines()
    assert warning["message"] == "Could not text [patient] at [number] ([email]), NHS [number]; her link " + (
        "https://clinic.example/p/[token]/?[query]"
    )
    assert error["exception"].startswith("Traceback (most recent call last):")
    assert error["exception"].endswith("ValueError: [email] is taken")


# In a process of its own, as the service runs


def run_python(code: str, **environment: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS", "LOG_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "prepapp.settings", "DEBUG": "true"} | environment
    return subprocess.run(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{code}"],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_with_log_format_json_every_line_is_one_json_object():
    done = run_python(
        "import logging\n"
        "logging.getLogger('reminders').info('First line\\nsecond line of the same event')\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    logging.getLogger('reminders').exception('Failed')\n",
        LOG_FORMAT="json",
    )

    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [line["message"] for line in lines if line["logger"] == "reminders"] == [
        "First line\nsecond line of the same event",
        "Failed",
    ]
    assert "ZeroDivisionError" in lines[-1]["exception"]


def test_an_unknown_log_format_is_refused():
    done = run_python("", LOG_FORMAT="xml")
    assert done.returncode != 0
    assert "LOG_FORMAT is one of text, json, not 'xml'." in done.stderr


# Committed, as the worker's own connection must see the tables free: on SQLite a test's open transaction holds the
# database's one write lock, and the dispatch's claim would wait on it.
def _worker_log(tmp_path, log_format: str) -> tuple[str, str]:
    """A real worker (its own redis-server, this test's database) runs a dispatch: its task id, and what it logged."""
    broker = RedisServer(tmp_path)
    broker.start()
    env = worker_env(
        database=database_url(connection.settings_dict),
        redis_url=broker.url,
        smtp_url="smtp://127.0.0.1:1",
        tmp=tmp_path,
        LOG_FORMAT=log_format,
    )
    worker = Worker(env, log_path=tmp_path / "worker.log")
    try:
        worker.start()
        use_broker(broker.url)
        task_id = app.send_task("reminders.tasks.dispatch_due").id
        wait_for(lambda: "succeeded" in worker.log_path.read_text(), 60, what="the dispatch to finish")
    finally:
        use_broker("memory://localhost/")
        worker.stop()
        broker.stop()
    return task_id, worker.log_path.read_text()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_celery_worker_logs_json_lines_with_the_task_id(tmp_path):
    """Celery does not put its own log format in place, and a line logged while a task runs names the task."""
    task_id, logged = _worker_log(tmp_path, "json")
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    assert any(line["message"].endswith(" ready.") for line in lines)
    [done] = [line for line in lines if "succeeded" in line["message"]]
    assert done["task_id"] == task_id and task_id in done["message"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_celery_worker_logs_text_through_the_scrubbing_formatter_too(tmp_path):
    """In the default text format as well, the worker logs through settings.LOGGING's formatter (which scrubs patient
    data), not Celery's own ("[time: INFO/MainProcess] ..."), which would pass a patient's email through."""
    task_id, logged = _worker_log(tmp_path, "text")
    when = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+"
    pattern = rf"^{when} INFO celery\.\S+: Task reminders\.tasks\.dispatch_due\[{task_id}\] succeeded"
    assert re.search(pattern, logged, re.M), logged[-2000:]
    assert "INFO/MainProcess]" not in logged
