"""Error reporting: off without SENTRY_DSN; with one, a failing view's exception reaches the Sentry server over HTTP."""

import gzip
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import child_env
from tests.support import REPO, WAIT_TIMEOUT

pytestmark = pytest.mark.slow  # starts a Django process of its own


class Envelopes(ThreadingHTTPServer):
    """A tiny stand-in for Sentry's ingest endpoint: keeps every POST it gets, answers 200."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[str, bytes]] = []

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server_address[1]}/42"


class _Handler(BaseHTTPRequestHandler):
    server: Envelopes

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.received.append((self.path, body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def sentry_server():
    server = Envelopes()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run_probe(**env: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.platform.sentry_probe"], cwd=REPO, env=child_env(**env), capture_output=True,
        text=True, timeout=WAIT_TIMEOUT * 2,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def events(body: bytes) -> list[dict]:
    """The event items of one envelope (a header line, then item header and payload lines)."""
    lines = body.split(b"\n")
    found = []
    for header, payload in zip(lines[1::2], lines[2::2], strict=False):
        if json.loads(header).get("type") == "event":
            found.append(json.loads(payload))
    return found


def test_without_a_dsn_nothing_is_reported(sentry_server):
    outcome = run_probe()
    assert outcome == {"status": 500, "sentry_active": False}
    assert sentry_server.received == []


def test_with_a_dsn_a_failing_view_reaches_sentry_without_personal_data(sentry_server):
    outcome = run_probe(SENTRY_DSN=sentry_server.dsn, SENTRY_ENVIRONMENT="ci", SENTRY_RELEASE="mercato@test")
    assert outcome == {"status": 500, "sentry_active": True}
    assert sentry_server.received, "no envelope arrived"
    assert all(path == "/api/42/envelope/" for path, _ in sentry_server.received)
    [event] = [event for _, body in sentry_server.received for event in events(body)]
    [exception] = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "sentry probe: a view that fails")
    assert (event["environment"], event["release"]) == ("ci", "mercato@test")
    assert event["transaction"] == "/broken/"  # named by the Django integration after the failing route
    # send_default_pii is off: no cookies, no user, no client address.
    assert "cookies" not in event["request"] and "user" not in event
    assert "secret-session-value" not in json.dumps(event)
