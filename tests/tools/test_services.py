"""With the standard ports looking absent, the run/test commands start private PostgreSQL and Redis."""

import os
import socket
import subprocess
import sys

import pytest
import requests

from tests.support import REPO, WAIT_TIMEOUT, free_port, stop_process, wait_until
from tools import services as service_discovery

pytestmark = [pytest.mark.slow]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_private_postgres_and_redis_start_serve_a_store_and_stop(monkeypatch):
    monkeypatch.setenv("MERCATO_IGNORE_STANDARD_PORTS", "1")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    pg_port, redis_port, web_port = free_port(), free_port(), free_port()
    var_dir = REPO / ".var" / f"fallback-test-{os.getpid()}"
    found = service_discovery.discover(var_dir=var_dir, pg_port=pg_port, redis_port=redis_port)
    server = None
    try:
        assert found.database_url == f"postgres://postgres@127.0.0.1:{pg_port}/mercato"
        assert found.redis_url == f"redis://127.0.0.1:{redis_port}/0"
        assert any("started a project-private server" in choice for choice in found.choices if "Postgre" in choice)
        assert any("started a project-private server" in choice for choice in found.choices if "Redis" in choice)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("MERCATO_TASK", "MERCATO_CACHE"))}
        env.update(found.env(), DJANGO_SETTINGS_MODULE="platform.settings", MERCATO_PORT=str(web_port))
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate_schemas", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)
        create = "from tenants.services import provision_store; provision_store(name='Fallback Farm', slug='fallback')"
        subprocess.run([*manage, "shell", "-c", create], cwd=REPO, env=env, check=True)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "platform.wsgi:application",
                "--bind",
                f"127.0.0.1:{web_port}",
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers() -> list[requests.Response]:  # a list: a Response with an error status is false
            try:
                url = f"http://127.0.0.1:{web_port}/"
                return [requests.get(url, headers={"Host": "fallback.localhost"}, timeout=WAIT_TIMEOUT)]
            except requests.RequestException:  # not listening yet
                return []

        [response] = wait_until(answers, interval=0.2, what="gunicorn to answer on the private services")
        assert response.status_code == 200
        assert "<h1>Welcome to Fallback Farm</h1>" in response.text
    finally:
        if server is not None:
            stop_process(server)
        found.stop()
        subprocess.run(["rm", "-rf", str(var_dir)], check=False)
    assert not _answers(pg_port), "the private PostgreSQL is still running"
    assert not _answers(redis_port), "the private Redis is still running"


def test_a_private_redis_keeps_queued_tasks_across_a_restart(monkeypatch):
    """Celery's queues live in Redis: a project-private Redis writes them to .var/redis and has them after a restart."""
    import redis

    monkeypatch.delenv("REDIS_URL", raising=False)
    port = free_port()
    var_dir = REPO / ".var" / f"redis-persistence-test-{os.getpid()}"
    try:
        for round_ in ("first", "second"):
            found = service_discovery.Services(database_url="", redis_url="")
            url = service_discovery._redis(found, var_dir, port, ignore_standard=True)
            assert any("started a project-private server" in choice for choice in found.choices), found.choices
            client = redis.Redis.from_url(url)
            try:
                if round_ == "first":
                    client.lpush("mercato-queue", "a queued task")
                else:
                    assert client.lrange("mercato-queue", 0, -1) == [b"a queued task"]
                    assert client.config_get("appendonly") == {"appendonly": "yes"}
            finally:
                client.close()
                found.stop()
            assert not _answers(port)
    finally:
        subprocess.run(["rm", "-rf", str(var_dir)], check=False)
