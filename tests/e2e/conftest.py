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
    # Playwright's sync API keeps an event loop running in this thread; the ORM calls the tests make here are still
    # sync, and Django keeps their database connection apart from the thread's while that loop is current.
    with pytest.MonkeyPatch.context() as patch, sync_api.sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # Close that connection while the loop is still current, and the thread's own afterwards, or
            # PostgreSQL cannot drop the test database at the end.
            connections.close_all()
    connections.close_all()


@pytest.fixture
def browser(_chromium):
    yield _chromium
    for context in _chromium.contexts:  # what a failed test left open
        context.close()
