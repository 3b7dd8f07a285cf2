import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL's constraints and locking; on SQLite they are skipped, saying why."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... (.ci/run does)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Staff logins in tests need a password, not a slow one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def use_broker(url: str) -> None:
    """Point this process's Celery app at `url`, dropping pooled connections to the previous broker."""
    from prepapp.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(autouse=True, scope="session")
def _in_memory_broker_unless_a_test_brings_its_own():
    """Unit tests publish to kombu's in-memory transport, never to a shared Redis a worker might be reading;
    the worker integration tests switch to a redis-server of their own (tests/reminders/test_worker.py)."""
    use_broker("memory://localhost/")
    yield
