"""Keeps the run command's long-running processes up: a child that exits is started again after a back-off."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str] | None = None  # the supervisor's environment when None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    # Exits in a row that came soon after a start; the next wait doubles with each.
    quick_exits: int = 0
    restart_at: float | None = None
    # The waits chosen so far, newest last: what the supervisor did, for its log line and its test.
    delays: list[float] = field(default_factory=list)


class Supervisor:
    """Starts named commands, each in its own process group, and restarts any that exits.

    A child that ran for ``stable_after`` seconds before exiting is restarted after ``min_delay``; one that keeps
    exiting soon after starting waits twice as long each time, up to ``max_delay``, so a broken command does
    not spin the CPU while the others keep running.
    """

    def __init__(
        self,
        *,
        env: dict[str, str],
        cwd: Path,
        min_delay: float = 1.0,
        max_delay: float = 30.0,
        stable_after: float = 60.0,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.env, self.cwd = env, cwd
        self.min_delay, self.max_delay, self.stable_after = min_delay, max_delay, stable_after
        self.say = say or (lambda message: print(f"[run] {message}", flush=True))
        self.children: dict[str, Child] = {}
        self._lock = threading.Lock()

    def start(self, name: str, command: list[str], *, env: dict[str, str] | None = None) -> subprocess.Popen:
        with self._lock:
            child = self.children.setdefault(name, Child(name, command))
            child.command, child.env = command, env
            return self._spawn(child)

    def _spawn(self, child: Child) -> subprocess.Popen:
        # Its own session, so Ctrl-C in the terminal reaches only this command, which then stops the children.
        child.process = subprocess.Popen(child.command, env=child.env or self.env, cwd=self.cwd, start_new_session=True)
        child.started_at, child.restart_at = time.monotonic(), None
        return child.process

    def pid(self, name: str) -> int | None:
        child = self.children.get(name)
        return child.process.pid if child and child.process and child.process.poll() is None else None

    def check(self) -> None:
        """One look at every child: note the ones that exited, restart those whose wait is over."""
        with self._lock:
            now = time.monotonic()
            for child in self.children.values():
                if child.restart_at is not None:
                    if now >= child.restart_at:
                        self.say(f"starting {child.name} again")
                        self._spawn(child)
                    continue
                if child.process is None or child.process.poll() is None:
                    continue
                code = child.process.returncode
                _stop_group(child.process)  # what it started itself goes with it (gunicorn workers, celery's)
                child.quick_exits = child.quick_exits + 1 if now - child.started_at < self.stable_after else 0
                delay = min(self.max_delay, self.min_delay * 2 ** max(0, child.quick_exits - 1))
                child.delays.append(delay)
                child.restart_at = now + delay
                self.say(f"{child.name} exited ({_describe(code)}); restarting it in {delay:g} s")

    def run(self, stop: threading.Event | None = None, interval: float = 0.5) -> None:
        """Watch the children until ``stop`` is set (or for ever: Ctrl-C ends the run command)."""
        stop = stop or threading.Event()
        while not stop.wait(interval):
            self.check()

    def stop(self, timeout: float = 15) -> None:
        """Stop every child and what it started: SIGTERM to each process group, SIGKILL after ``timeout``."""
        with self._lock:
            processes = [child.process for child in self.children.values() if child.process is not None]
            for child in self.children.values():
                child.restart_at = None
        for process in processes:
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        # A child's own children (gunicorn's workers, celery's pool) are in its group but not ours to wait for, and
        # may outlive their leader by a moment; the command isn't over until they are gone too.
        for process in processes:
            while _group_running(process.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _group_running(process.pid):
                _signal_group(process, signal.SIGKILL)


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is gone already
        os.killpg(process.pid, signum)


def _group_running(group: int) -> bool:
    """Whether any process of ``group`` still runs (an exited one its new parent hasn't reaped yet doesn't count)."""
    proc = Path("/proc")
    if not proc.is_dir():  # not Linux: a zombie counts as running, which only makes the wait longer
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone while we looked
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def _stop_group(process: subprocess.Popen) -> None:
    """After a child's exit, end what is left of its process group (its own children), by the group's id."""
    _signal_group(process, signal.SIGTERM)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def interrupt_once(signum: int, frame: object) -> None:
    """A stop signal's handler for the run and serve commands: the first one ends the run (KeyboardInterrupt); any
    later one is ignored, so a second Ctrl-C or `kill` can't cut the shutdown short and leave children running."""
    for later in STOP_SIGNALS:
        signal.signal(later, signal.SIG_IGN)
    raise KeyboardInterrupt


def stop_on_signals() -> None:
    """Ctrl-C, a closed terminal and `kill` all stop everything; explicit handlers also cover a shell that started
    the command in the background with SIGINT ignored."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, interrupt_once)
