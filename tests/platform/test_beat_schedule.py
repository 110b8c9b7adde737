"""The beat schedule keeps the docs' promises: every periodic task they name is scheduled, registered, and runs as
often as they say; docs/architecture.md's "Periodic tasks" table is the schedule, entry for entry."""

from __future__ import annotations

import os
import re
import socket

import pytest
from django.conf import settings

from platform.celery import app
from tests.support import REPO

TASK_NAME = r"(?<![\w.])(?P<name>[a-z_]+\.[a-z_]+)(?![\w.(])"
# "`billing.process_pending_events` (every minute)", "directory.dispatch_outbox_drains (beat, every 30 s)",
# "`billing.enforce_grace_periods` (hourly; ...)".
NAME_THEN_INTERVAL = re.compile(rf"`?{TASK_NAME}`?\s+\((?:beat,\s*)?(?P<every>every [^);,]+|hourly)")
# "the beat task `tenants.dispatch_store_stats`", "The beat's `orders.dispatch_order_email_drains`",
# "beat  ─► orders.release_expired_reservations".
BEAT_THEN_NAME = re.compile(rf"\bbeat(?:\s+task|'s)?\s*(?:─►\s*)?`?{TASK_NAME}")
TABLE_ROW = re.compile(r"^\| `(?P<name>[a-z_]+\.[a-z_]+)` \| (?P<seconds>\d+) s \|", re.MULTILINE)


def _seconds(every: str) -> float | None:
    """The seconds in "every 30 s" (30), "every minute" (60), "hourly" (3600); None when no interval is named."""
    every = every.strip().lower()
    if every in ("hourly", "every hour"):
        return 3600.0
    if every == "every minute":
        return 60.0
    if match := re.fullmatch(r"every (\d+) ?(s|seconds?|minutes?)", every):
        return float(match[1]) * (60 if match[2].startswith("minute") else 1)
    return None


def documented_promises() -> dict[str, set[float | None]]:
    """Every task the docs say runs from the beat, with the intervals they give for it."""
    promises: dict[str, set[float | None]] = {}
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = path.read_text()
        for match in NAME_THEN_INTERVAL.finditer(text):
            promises.setdefault(match["name"], set()).add(_seconds(match["every"]))
        for match in BEAT_THEN_NAME.finditer(text):
            promises.setdefault(match["name"], set())
    return promises


def documented_table() -> dict[str, float]:
    text = (REPO / "docs" / "architecture.md").read_text()
    section = text.split("## Periodic tasks", 1)[1].split("\n## ", 1)[0]
    return {match["name"]: float(match["seconds"]) for match in TABLE_ROW.finditer(section)}


def scheduled() -> dict[str, float]:
    return {entry["task"]: float(entry["schedule"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def test_the_docs_promises_are_found():
    """The parser sees what the docs say (billing's sweep and dunning were promised but never scheduled)."""
    promises = documented_promises()
    assert promises["billing.process_pending_events"] == {60.0}
    assert promises["billing.enforce_grace_periods"] == {3600.0}
    assert promises["directory.dispatch_outbox_drains"] == {30.0}
    assert len(promises) >= 7


def test_every_periodic_task_the_docs_promise_is_scheduled_as_often_as_they_say():
    schedule = scheduled()
    for name, intervals in documented_promises().items():
        assert name in schedule, f"the docs promise {name} runs from the beat, but CELERY_BEAT_SCHEDULE lacks it"
        for seconds in intervals - {None}:
            assert schedule[name] == seconds, (
                f"the docs say {name} runs every {seconds:.0f} s, the beat every {schedule[name]:.0f} s"
            )


def test_the_periodic_tasks_table_is_the_beat_schedule():
    assert len(settings.CELERY_BEAT_SCHEDULE) == len(scheduled()), "a task is scheduled twice"
    assert documented_table() == scheduled()


def test_every_scheduled_task_is_registered_with_the_worker(celery_worker):
    hostname = f"test-{os.getpid()}@{socket.gethostname()}"
    registered = app.control.inspect(destination=[hostname], timeout=5).registered()
    assert registered, "the worker did not answer"
    names = set(registered[hostname])
    missing = sorted(set(scheduled()) - names)
    assert not missing, f"scheduled but unknown to the worker: {missing}"


@pytest.mark.parametrize("name", sorted(scheduled()))
def test_every_scheduled_task_is_registered_in_this_process(db, name):
    app.loader.import_default_modules()
    assert name in app.tasks
