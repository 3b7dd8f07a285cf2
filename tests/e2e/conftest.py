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


@pytest.fixture(scope="package")
def _chromium():
    """One Chromium for all the browser tests a pytest process runs in a row (launching one costs about a second);
    each test still gets its own contexts, so cookies and storage never pass from one test to the next."""
    if sync_api is None:
        pytest.skip("needs the playwright package (pip install playwright)")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API keeps an event loop running in this thread, and while one runs Django looks up database
    # connections apart from the thread's own: hand it the thread's, so every test, fixture and flush here uses the
    # very connection the test database was made with (and its serialized contents, for serialized_rollback).
    own = {alias: connections[alias] for alias in connections}
    with pytest.MonkeyPatch.context() as patch, sync_api.sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM calls made here are still sync
        for alias, connection in own.items():
            connections[alias] = connection
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser(_chromium):
    yield _chromium
    for context in _chromium.contexts:  # what a failed test left open
        context.close()
