"""The run command's supervisor: a killed child is started again, the others keep running, restarts back off.

The children are small stand-in commands (the real web server, worker and beat need the whole stack); the
supervisor is the one `make run` uses.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from tests.support import REPO
from tools.supervisor import Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]
# A command that starts a child of its own (as gunicorn and celery do) and waits for it.
PARENT_OF_SLEEPER = [sys.executable, "-c", f"import subprocess; subprocess.run({SLEEPER!r})"]
FAILS_AT_ONCE = [sys.executable, "-c", "raise SystemExit(3)"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie has exited already
        return stat.read().split(") ", 1)[1][0] != "Z"


def _wait_for(check, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout} s")


@pytest.fixture
def supervised() -> Iterator[tuple[Supervisor, list[str]]]:
    said: list[str] = []
    supervisor = Supervisor(
        env=dict(os.environ), cwd=REPO, min_delay=0.1, max_delay=0.4, stable_after=5, say=said.append
    )
    yield supervisor, said
    supervisor.stop(timeout=5)


def _watch(supervisor: Supervisor) -> threading.Event:
    """Run the supervisor's loop, as the run command does, until the returned event is set."""
    stop = threading.Event()
    threading.Thread(target=supervisor.run, kwargs={"stop": stop, "interval": 0.05}, daemon=True).start()
    return stop


def test_a_killed_child_is_started_again_and_the_others_keep_running(supervised):
    supervisor, said = supervised
    web = supervisor.start("web", SLEEPER).pid
    worker = supervisor.start("worker", SLEEPER).pid
    beat = supervisor.start("beat", SLEEPER).pid
    stop = _watch(supervisor)
    try:
        os.kill(worker, signal.SIGKILL)
        _wait_for(lambda: supervisor.pid("worker") not in (None, worker), "the worker's restart")
        restarted = supervisor.pid("worker")
        assert restarted is not None and _alive(restarted)
        # Nothing else was touched: the web server and the beat are the same processes, still running.
        assert (supervisor.pid("web"), supervisor.pid("beat")) == (web, beat)
        assert _alive(web) and _alive(beat)
        assert "worker exited (killed by SIGKILL); restarting it in 0.1 s" in said
        assert "starting worker again" in said
    finally:
        stop.set()


def test_what_a_dead_child_started_goes_with_it_before_the_restart(supervised):
    supervisor, _ = supervised
    leader = supervisor.start("web", PARENT_OF_SLEEPER).pid
    _wait_for(lambda: len(_group(leader)) == 2, "the child's own child")
    [grandchild] = [pid for pid in _group(leader) if pid != leader]
    stop = _watch(supervisor)
    try:
        os.kill(leader, signal.SIGKILL)
        # The grandchild (think: a gunicorn worker still holding the port) is stopped, then the command restarts.
        _wait_for(lambda: not _alive(grandchild), "the orphaned grandchild's end")
        _wait_for(lambda: supervisor.pid("web") not in (None, leader), "the restart")
    finally:
        stop.set()


def test_a_child_that_keeps_failing_is_retried_with_a_doubling_wait_up_to_the_cap(supervised):
    supervisor, said = supervised
    sleeper = supervisor.start("web", SLEEPER).pid
    supervisor.start("beat", FAILS_AT_ONCE)
    stop = _watch(supervisor)
    try:
        _wait_for(lambda: len(supervisor.children["beat"].delays) >= 5, "five restarts of the failing child")
    finally:
        stop.set()
    assert supervisor.children["beat"].delays[:5] == [0.1, 0.2, 0.4, 0.4, 0.4]
    assert "beat exited (exit code 3); restarting it in 0.4 s" in said
    assert supervisor.pid("web") == sleeper and _alive(sleeper)


def test_stopping_ends_every_child_and_what_they_started(supervised):
    supervisor, _ = supervised
    leader = supervisor.start("web", PARENT_OF_SLEEPER).pid
    other = supervisor.start("worker", SLEEPER).pid
    _wait_for(lambda: len(_group(leader)) == 2, "the child's own child")
    group = _group(leader)
    supervisor.stop(timeout=5)
    assert not any(_alive(pid) for pid in [*group, other])


def _group(pgid: int) -> list[int]:
    """The live processes in process group ``pgid`` (Linux /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().split(") ", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry))
    return members


# The run and serve commands' shape: stop signals handled by tools.supervisor.stop_on_signals, children stopped in
# `finally`. The child takes two seconds to stop after SIGTERM, so a second signal lands in the middle of the stop.
RUN_COMMAND_SHAPE = """
import os, sys
from tools.supervisor import Supervisor, stop_on_signals
stop_on_signals()
supervisor = Supervisor(env=dict(os.environ), cwd=os.getcwd(), say=lambda message: None)
slow_to_stop = "import signal, sys, time; signal.signal(signal.SIGTERM, lambda *_: (time.sleep(2), sys.exit(0))); time.sleep(600)"
supervisor.start("slow", [sys.executable, "-c", slow_to_stop])
print(supervisor.children["slow"].process.pid, flush=True)
try:
    supervisor.run()
except KeyboardInterrupt:
    pass
finally:
    supervisor.stop()
    print("stopped", flush=True)
"""


def test_a_second_stop_signal_during_the_shutdown_does_not_cut_it_short():
    import subprocess

    command = subprocess.Popen(
        [sys.executable, "-c", RUN_COMMAND_SHAPE], cwd=REPO, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert command.stdout is not None
        child = int(command.stdout.readline())
        _wait_for(lambda: _alive(child), "the child's start")
        time.sleep(0.5)  # the child's SIGTERM handler is installed
        command.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        command.send_signal(signal.SIGTERM)  # a second Ctrl-C or kill while the child is still stopping
        output, _ = command.communicate(timeout=30)
        assert command.returncode == 0
        assert output.strip() == "stopped"
        assert not _alive(child)
    finally:
        if command.poll() is None:
            os.killpg(command.pid, signal.SIGKILL)
