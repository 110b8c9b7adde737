"""The local Stripe sandbox for the whole suite: one server process per session, with a webhook receiver.

The sandbox runs as ``python -m tools.stripe_sandbox`` (as Mercato's run command starts it) on a free port, with a
webhook receiver in this process as its endpoint. Tests talk to it only through the official ``stripe`` SDK and
plain HTTP, and steer it with the ``/_sandbox`` controls (clock, forced failures, webhook log).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support import REPO, WAIT_TIMEOUT, free_port, stop_process, wait_for_start

API_KEY = "sk_test_mercato_sandbox"
WEBHOOK_SECRET = "whsec_test_billing_sandbox_suite"
WEBHOOK_PATH = "/stripe/webhook"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """An HTTP endpoint that records what it is sent; ``fail_next`` makes it answer 500 a few times first."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    failures_left: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
            self.failures_left = 0

    def fail_next(self, times: int) -> None:
        with self.lock:
            self.failures_left = times

    def events(self, path: str = WEBHOOK_PATH) -> list[dict[str, Any]]:
        with self.lock:
            return [item.event for item in self.received if item.path == path]

    def types_for(self, object_id: str, path: str = WEBHOOK_PATH) -> list[str]:
        """Event types about one object, in the order they arrived."""
        return [event["type"] for event in self.events(path) if event["data"]["object"].get("id") == object_id]


@pytest.fixture(scope="session")
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with receiver.lock:
                failing = receiver.failures_left > 0
                if failing:
                    receiver.failures_left -= 1
                else:
                    receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(500 if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@dataclass
class SandboxServer:
    url: str
    process: subprocess.Popen
    log: Path

    def control(self, method: str, path: str, **data: Any) -> dict[str, Any]:
        # Longer than the sandbox's own waits (a drain; a reset waiting for a delivery still on the wire).
        timeout = 2 * WAIT_TIMEOUT + 10
        response = requests.request(method, f"{self.url}/_sandbox{path}", data=data, timeout=timeout)
        assert response.status_code == 200, response.text
        return response.json()

    def advance(self, *, days: float = 0, seconds: int = 0) -> dict[str, Any]:
        return self.control("POST", "/clock/advance", seconds=seconds + int(days * 86400))

    def now(self) -> int:
        return self.control("GET", "/clock")["now"]

    def drain(self) -> None:
        """Wait until every webhook, retries included, is delivered (backoff is milliseconds in this suite)."""
        self.control("POST", "/webhooks/drain", timeout=WAIT_TIMEOUT)

    def deliveries(self) -> list[dict[str, Any]]:
        return self.control("GET", "/webhooks")["deliveries"]


@pytest.fixture(scope="session")
def sandbox_server(webhook_receiver: WebhookReceiver, tmp_path_factory) -> Iterator[SandboxServer]:
    port = free_port()
    log = tmp_path_factory.mktemp("stripe-sandbox") / "sandbox.log"
    command = [
        sys.executable, "-m", "tools.stripe_sandbox", "--port", str(port),
        "--webhook-url", webhook_receiver.url + WEBHOOK_PATH, "--webhook-secret", WEBHOOK_SECRET,
        # Retries after 50 ms, 100 ms, 200 ms: the retry tests wait for the real backoff, just a short one.
        "--webhook-retry-base-delay", "0.05", "--webhook-max-attempts", "4",
        # A delivery that times out is retried, and the retry tests count attempts: the receiver gets all the time
        # a busy machine may need.
        "--webhook-timeout", str(WAIT_TIMEOUT),
        # Time moves only when a test advances it, so every renewal happens where the test says.
        "--tick-interval", "0",
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return requests.get(f"{url}/_sandbox/health", timeout=WAIT_TIMEOUT).ok
        except requests.RequestException:  # not listening yet
            return False

    wait_for_start(process, log, healthy, what="the Stripe sandbox")
    yield SandboxServer(url, process, log)
    stop_process(process)
