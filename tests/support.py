"""Helpers shared by the tests: the repository's path, free ports, child processes that die with the run,
waiting for what another process or thread does, and content changes whose pages other processes must show."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest

REPO = Path(__file__).resolve().parent.parent

# How long a test waits for another process or thread (a worker's task, a server starting, a page loading, a
# local server answering). Generous on purpose: on a machine whose two cores are busy with other work, what takes
# a second alone can take twenty. Waiting ends as soon as the condition holds, so a long deadline costs nothing.
WAIT_TIMEOUT = 60.0


def wait_until[T](
    condition: Callable[[], T],
    *,
    timeout: float = WAIT_TIMEOUT,
    interval: float = 0.1,
    what: str | Callable[[], str] = "the condition",
) -> T:
    """Call ``condition`` until it returns something true, and return that; fail after ``timeout`` seconds.

    ``what`` names what was awaited, for the failure message; pass a function to report the last state seen.
    The condition is checked once more after the deadline, so a slow last step still counts.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"gave up waiting for {described} after {timeout:.0f} s")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_the_test_run() -> None:
    """In a child process: get SIGTERM when the test run dies, so no server outlives a killed run (Linux)."""
    if sys.platform == "linux":
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(command: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_the_test_run
        )


def wait_for_start(process: subprocess.Popen, log: Path, answers: Callable[[], object], *, what: str) -> None:
    """Wait until the process just spawned ``answers()``; if it exits first or never answers, stop it and fail
    the test with its log."""

    def up() -> object:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with status {process.returncode}")
        return answers()

    try:
        wait_until(up, interval=0.2, what=f"{what} to answer")
    except AssertionError as error:
        stop_process(process)
        pytest.fail(f"{error}:\n{log.read_text()}")


def stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class ContentChange(NamedTuple):
    """A change to the current store's content, made through its service, and the page that shows it: ``old`` is
    on the page at ``path`` until ``make()`` runs, ``new`` is after."""

    path: str
    make: Callable[[], None]
    old: str
    new: str


@contextmanager
def collection_retitled(old: str, new: str) -> Iterator[ContentChange]:
    """A collection titled ``old`` (with the store's first product) for the block, and the change that retitles it
    ``new``; deleted after the block."""
    from storefront.catalog.models import Product
    from storefront.catalog.services import create_collection, delete_collection, update_collection

    collection = create_collection(title=old, products=list(Product.objects.all()[:1]))
    try:
        yield ContentChange(
            f"/collections/{collection.slug}/",
            lambda: update_collection(collection=collection, title=new),
            f"<h1>{old}</h1>",
            f"<h1>{new}</h1>",
        )
    finally:
        delete_collection(collection=collection)


@contextmanager
def theme_changed(theme: str) -> Iterator[ContentChange]:
    """The change that puts the store on ``theme`` (not its theme yet), seen on the product list; the store's own
    theme is back after the block."""
    from storefront.themes.models import StoreProfile
    from storefront.themes.services import update_profile

    profile = StoreProfile.objects.get()
    before = profile.theme
    assert before != theme
    try:
        yield ContentChange(
            "/products/",
            lambda: update_profile(profile=profile, theme=theme),
            f'class="theme-{before}"',
            f'class="theme-{theme}"',
        )
    finally:
        profile.refresh_from_db()
        update_profile(profile=profile, theme=before)
