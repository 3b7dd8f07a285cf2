"""Settings for more than one machine (README, More than one machine): PgBouncer in transaction pooling mode
(DATABASE_TRANSACTION_POOLING turns Django's server-side cursors off, and the export still sends every row), and Redis
Sentinel for the broker (CELERY_BROKER_URL and REDIS_SENTINEL_MASTER, the cache staying on REDIS_URL).

Settings are read once per process, so each is read in a fresh `python`, as in test_settings.py. The Sentinel
settings at work, with real processes, are in tests/reminders/test_beyond_one_machine.py."""

import json
from datetime import timedelta

import pytest
from django.db import connection

from tests.clinic import TODAY
from tests.procedures.test_exports import URL, seed
from tests.procedures.test_settings import clean_env, run_python  # noqa: F401 - clean_env is a fixture

SETTINGS = (
    "from django.conf import settings; from prepapp.celery import app; import json; print(json.dumps({"
    "'server_side_cursors_off': settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'], "
    "'broker': app.conf.broker_url, 'transport': app.conf.broker_transport_options, "
    "'cache': settings.CACHES['default']['LOCATION']}))"
)


def _settings(env: dict) -> dict:
    done = run_python(env, SETTINGS)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_one_machine_needs_none_of_it(clean_env):  # noqa: F811
    env = {k: v for k, v in clean_env.items() if k not in ("CELERY_BROKER_URL", "REDIS_SENTINEL_MASTER")}
    read = _settings(env | {"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert read == {
        "server_side_cursors_off": False,
        "broker": "redis://127.0.0.1:6379/0",
        "transport": {},
        "cache": "redis://127.0.0.1:6379/0",
    }


def test_behind_pgbouncer_in_transaction_mode_django_reads_without_server_side_cursors(clean_env):  # noqa: F811
    assert _settings(clean_env | {"DATABASE_TRANSACTION_POOLING": "true"})["server_side_cursors_off"] is True


def test_the_broker_is_found_through_redis_sentinel_while_the_cache_stays_on_redis_url(clean_env):  # noqa: F811
    sentinels = "sentinel://10.0.0.1:26379;sentinel://10.0.0.2:26379;sentinel://10.0.0.3:26379"
    env = clean_env | {
        "CELERY_BROKER_URL": sentinels,
        "REDIS_SENTINEL_MASTER": "ductogram",
        "REDIS_URL": "redis://cache.internal:6379/0",
    }
    read = _settings(env)
    assert read["broker"] == sentinels
    assert read["transport"] == {"master_name": "ductogram"}
    assert read["cache"] == "redis://cache.internal:6379/0"


def _export_and_the_cursors_open_while_it_streams(client) -> tuple[str, list[str]]:
    """The radiologist's export of the seeded days, and the server-side cursors this connection had open once the
    first row had gone (PostgreSQL's pg_cursors)."""
    response = client.get(URL, {"from": TODAY.isoformat(), "to": (TODAY + timedelta(days=7)).isoformat()})
    chunks = iter(response.streaming_content)
    first = [next(chunks), next(chunks)]  # the header and the first row: the query is being read
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_cursors")
        open_cursors = [name for (name,) in cursor.fetchall()]
    return b"".join([*first, *chunks]).decode("utf-8-sig"), open_cursors


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_now")
def test_behind_pgbouncer_the_export_uses_no_server_side_cursor_and_still_sends_every_row(as_radiologist, monkeypatch):
    seed(50, TODAY, with_results=True)
    usual, cursors = _export_and_the_cursors_open_while_it_streams(as_radiologist)
    assert cursors, "by default the export reads through a server-side cursor"

    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)  # as the setting does
    pooled, cursors = _export_and_the_cursors_open_while_it_streams(as_radiologist)

    assert cursors == []
    assert pooled == usual
    assert pooled.count("\r\n") == 51  # the header and every row
