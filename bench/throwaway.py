"""A throwaway database for a benchmark: created beside the configured one, dropped afterwards, with DEBUG off as in
production (no query logging, no instrumented template rendering to measure)."""

from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.test.utils import setup_databases, teardown_databases


@contextmanager
def throwaway_database():
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        db.setdefault("TEST", {})["NAME"] = f"bench_{db['NAME']}"
    settings.DEBUG = False
    old_config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']}), throwaway")
        yield
    finally:
        teardown_databases(old_config, verbosity=0)
