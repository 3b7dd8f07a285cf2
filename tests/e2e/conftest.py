"""Headless Chromium for the end-to-end tests: the Debian `chromium` package driven by Playwright.

Every test here is skipped, saying why, where either is missing; `.ci/run` installs both.
"""

import shutil

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct-horse-battery"

try:
    from playwright import sync_api
except ImportError:  # the tests that need it skip, saying why
    sync_api = None


@pytest.fixture
def browser(monkeypatch):
    if sync_api is None:
        pytest.skip("needs the playwright package (pip install playwright)")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes here are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # The test's queries ran while Playwright's loop was current, so Django kept their connection apart from
        # the thread's; close it here, or PostgreSQL cannot drop the test database at the end.
        connections.close_all()
