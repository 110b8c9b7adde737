"""A real headless Chromium (Debian's, driven by Playwright) against the live gunicorn server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import WAIT_TIMEOUT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser(live_server_url) -> Iterator[object]:
    missing = os.environ.get("MERCATO_BROWSER_MISSING") or (
        None if os.path.exists(CHROMIUM) else f"{CHROMIUM} is not installed"
    )
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI, but: {missing}")
        pytest.skip(f"browser tests skipped: {missing}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while it is open, and Django refuses
    # ORM calls under a running loop. So the browser starts after the database fixtures (via live_server_url),
    # browser tests use no ORM, and the browser closes with its module so later tests can use the database.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=WAIT_TIMEOUT * 1000
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # Every wait of the page (loads, selectors, clicks) gets the suite's deadline instead of Playwright's 30 s.
    context.set_default_timeout(WAIT_TIMEOUT * 1000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot_dir(request) -> Path:
    """Screenshots of a test go under test-output/<test name>/ in the repository (ignored by git)."""
    folder = Path(__file__).resolve().parents[2] / "test-output" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
