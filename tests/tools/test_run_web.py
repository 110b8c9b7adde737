"""The run command's web server keeps its PostgreSQL connections bounded however many buyers connect at once.

Django's development server started a thread, with its own kept connection, per client: about 20 concurrent
buyers left 92 to 99 idle connections and PostgreSQL refused the rest ("too many clients"). The run command now
serves with gunicorn's threaded workers; this drives more keep-alive clients than it has threads.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
import requests
from django.conf import settings

from tests.conftest import STORE_A, child_env, database_url_for_tests
from tests.support import free_port, spawn, stop_process
from tools.run import WEB_THREADS, WEB_WORKERS, web_command

pytestmark = [pytest.mark.slow]

CLIENTS = 40
REQUESTS_EACH = 12
APP_NAME = "mercato-run-web-test"


def _connections() -> int:
    with psycopg.connect(database_url_for_tests(), autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP_NAME]).fetchone()[
            0
        ]


def test_many_concurrent_buyers_hold_no_more_connections_than_the_server_has_threads(committed, tmp_path):
    port = free_port()
    log = tmp_path / "web.log"
    # libpq names each connection after PGAPPNAME, so the server's connections can be counted apart.
    server = spawn(
        web_command("127.0.0.1", str(port)), env=child_env(MERCATO_PORT=str(port), PGAPPNAME=APP_NAME), log=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            try:
                if requests.get(f"{base}/healthz", headers={"Host": settings.BASE_DOMAIN}, timeout=5).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        host = f"{STORE_A['slug']}.{settings.BASE_DOMAIN}"
        statuses: list[int] = []
        failures: list[str] = []
        finished = threading.Barrier(CLIENTS + 1)
        leave = threading.Event()

        def buyer(number: int) -> None:
            # One keep-alive connection per buyer, left open afterwards like a browser tab's: the old server kept
            # a thread, and that thread's database connection, for each.
            with requests.Session() as session:
                for _ in range(REQUESTS_EACH):
                    try:
                        response = session.get(f"{base}/api/products", headers={"Host": host}, timeout=60)
                        statuses.append(response.status_code)
                    except requests.RequestException as error:
                        failures.append(f"buyer {number}: {error}")
                finished.wait(timeout=120)
                leave.wait(timeout=120)

        buyers = [threading.Thread(target=buyer, args=(n,)) for n in range(CLIENTS)]
        for thread in buyers:
            thread.start()
        peak = 0
        while finished.n_waiting < CLIENTS and any(thread.is_alive() for thread in buyers):
            peak = max(peak, _connections())
            time.sleep(0.05)
        finished.wait(timeout=120)
        # Every buyer is done and still connected; the connections the server kept (CONN_MAX_AGE) are counted too.
        peak = max(peak, _connections())
        leave.set()
        for thread in buyers:
            thread.join(timeout=60)
    finally:
        stop_process(server)

    assert not failures, failures[:3]
    assert statuses == [200] * (CLIENTS * REQUESTS_EACH)
    assert 0 < peak <= WEB_WORKERS * WEB_THREADS, f"{peak} connections for {WEB_WORKERS} x {WEB_THREADS} threads"
