"""Real services to break on purpose: a private redis-server to stop or freeze, a TCP proxy to cut, a web server.

Nothing here imitates Mercato's stack: the Redis is a real redis-server and the proxy forwards real PostgreSQL
traffic until it is closed, when connections are refused like those to a server that is down.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.support import free_port, spawn, stop_process


class PrivateRedis:
    """A redis-server of the test's own on a free port: ``stop()`` it (SIGTERM), ``freeze()`` it (SIGSTOP)..."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed for the outage tests"
        command = [
            binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(self.folder),
        ]  # fmt: skip
        self.process = spawn(command, env={}, log=self.folder / "redis.log")
        _wait_until(self.answers, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stopped for good (SIGTERM): connections are refused; what it held is gone."""
        if self.process is not None:
            self.resume()
            stop_process(self.process)
            self.process = None

    def freeze(self) -> None:
        """Hung (SIGSTOP): connections are accepted by the kernel, but nothing ever answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)

    def running(self) -> None:
        """Back to a running server, whatever the test left it as."""
        if self.process is None:
            self.start()
        else:
            self.resume()


class PortProxy:
    """Forwards a free local port to ``upstream``; ``cut()`` closes it and every connection through it."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    @property
    def is_open(self) -> bool:
        return self._listener is not None

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)  # shutdown() first: a plain close() leaves a pending accept() listening (Linux)
        with self._lock:
            for sock in self._open:
                _close(sock)
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._open += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, target), daemon=True).start()


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        _close(source)
        _close(target)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def start_web_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn with one worker process (so what it has learnt of a dependency is one process's), and its URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "platform.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--access-logfile", "-",
    ]  # fmt: skip
    process = spawn(command, env={**env, "MERCATO_PORT": str(port)}, log=log)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited early:\n{log.read_text()}")
        try:
            return requests.get(f"{url}/healthz", headers={"Host": settings.BASE_DOMAIN}, timeout=5).ok
        except requests.RequestException:
            return False

    try:
        _wait_until(up, what="gunicorn", timeout=30)
    except AssertionError:
        stop_process(process)
        raise
    return process, url


def eventually(check, *, what: str, timeout: float = 30):
    """Poll ``check()`` until it returns something true (that value), for a system healing on its own."""
    return _wait_until(check, what=what, timeout=timeout)


def _wait_until(check, *, what: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what}: not so within {timeout:.0f} s")


@contextlib.contextmanager
def broker_unreachable() -> Iterator[int]:
    """This process publishes tasks to a port nobody listens on, as if the broker were down; yields that port.

    Only the write URL is replaced (the worker, the cache and the result store keep the real Redis), and MonkeyPatch
    puts back the raw setting as it was (usually unset), not the URL it resolved to. The app's cached connection
    and producer pools are dropped on the way in and out, so the next publish connects to what the setting says.
    """
    from platform.celery import app

    closed = free_port()
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.conf, "broker_write_url", f"redis://127.0.0.1:{closed}/0")
        patch.setattr(app, "_pool", None)
        patch.setattr(app.amqp, "_producer_pool", None)
        assert app.connection_for_write().port == closed
        yield closed
    app._pool, app.amqp._producer_pool = None, None
    assert app.connection_for_write().port != closed
