"""gunicorn or granian behind Caddy: the same Mercato pages served by each, in alternating rounds of one run.

Seeds the demo stores in a throw-away database, then serves them with each app server in turn, configured alike:
2 worker processes x 8 threads (gunicorn's gthread workers; granian's WSGI interface with 8 blocking threads),
DEBUG off, no access log. wrk (a second process on loopback, 16 connections) asks for a mix of store pages from
the page cache (home, product list), store API reads that query PostgreSQL each time, and the platform's home.
The servers take turns (gunicorn, granian, gunicorn, …) so drift on a noisy machine hits both; each figure is the
median of its rounds, and the ratio granian/gunicorn is taken round by round (each pair ran back to back). The
peak of each server's PostgreSQL connections is sampled too (its application name).

Last line: the chosen server, both servers' requests/s and p99, and the median and range of the round ratios.
granian is chosen only when it was at least 10 % faster in every round: on a busy machine one lucky round proves
nothing, and gunicorn is the server the rest of Mercato already knows.

    .venv/bin/python bench/app_server.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psycopg
from _setup import REPO, start

WORKERS, THREADS, CONNECTIONS = 2, 8, 16


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three rounds of 5 s per server instead of five of 10 s")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (Debian: apt-get install wrk)")
    rounds, seconds = (3, 5) if args.quick else (5, 10)
    stop = start("mercato_bench_app_server")
    try:
        hosts = seed()
        results = measure(hosts, rounds, seconds)
    finally:
        stop()
    report(results)


def seed() -> list[str]:
    from django.core.management import call_command
    from django.db import connections

    from storefront.demo import seed_demo_stores

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    stores = seed_demo_stores(log=lambda line: None)
    connections.close_all()
    return [f"{store.slug}.localhost" for store in stores]


def server_command(name: str, port: int) -> list[str]:
    if name == "gunicorn":
        return [sys.executable, "-m", "gunicorn", "platform.wsgi:application", "--bind", f"127.0.0.1:{port}",
                "--worker-class", "gthread", "--workers", str(WORKERS), "--threads", str(THREADS),
                "--keep-alive", "75", "--no-control-socket"]  # fmt: skip
    return [sys.executable, "-m", "granian", "--interface", "wsgi", "platform.wsgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS),
            "--blocking-threads", str(THREADS), "--no-access-log", "--log-level", "warning"]  # fmt: skip


def measure(hosts: list[str], rounds: int, seconds: int) -> dict[str, dict[str, list[float]]]:
    workdir = Path(tempfile.mkdtemp(prefix="mercato-bench-app-"))
    paths = ["/", "/products/", "/api/products", "/api/collections"]
    script = workdir / "mix.lua"
    lua = lambda items: "{" + ",".join(f'"{item}"' for item in items) + "}"  # noqa: E731
    script.write_text(
        f"local hosts = {lua([*hosts, 'localhost'])}\nlocal paths = {lua(paths)}\n"
        "math.randomseed(os.time())\n"
        "request = function()\n"
        "  local host = hosts[math.random(#hosts)]\n"
        '  local path = host == "localhost" and "/" or paths[math.random(#paths)]\n'
        '  return wrk.format("GET", path, {Host = host})\n'
        "end\n"
        "done = function(summary, latency, requests)\n"
        '  io.write(string.format("ERRORS %d %d\\n", summary.errors.status, summary.requests))\n'
        "end\n"
    )
    results: dict[str, dict[str, list[float]]] = {
        name: {"rps": [], "p50": [], "p99": [], "connections": []} for name in ("gunicorn", "granian")
    }
    for round_number in range(rounds):
        for name in results:
            port = _free_port()
            app_name = f"mercato-bench-{name}"
            env = {**os.environ, "MERCATO_DEBUG": "false", "MERCATO_LOG_LEVEL": "WARNING", "PGAPPNAME": app_name,
                   "MERCATO_PORT": str(port)}  # fmt: skip
            log = (workdir / f"{name}-{round_number}.log").open("w")
            server = subprocess.Popen(
                server_command(name, port), cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                _wait_until_up(port, server, workdir / f"{name}-{round_number}.log")
                _wrk(port, script, 3)  # warm-up: imports, connections, the page cache
                peak = _Peak(app_name)
                figures = _wrk(port, script, seconds)
                results[name]["connections"].append(peak.stop())
                for key, value in figures.items():
                    results[name][key].append(value)
                print(f"round {round_number + 1} {name:<9} {figures['rps']:>7.0f} req/s  p50 {figures['p50']:.1f} ms  "
                      f"p99 {figures['p99']:.1f} ms  peak connections {results[name]['connections'][-1]}", flush=True)  # fmt: skip
            finally:
                server.terminate()
                server.wait(timeout=30)
                log.close()
    return results


def _wrk(port: int, script: Path, seconds: int) -> dict[str, float]:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    bad, total = map(int, re.search(r"ERRORS (\d+) (\d+)", output).groups())  # type: ignore[union-attr]
    if bad:
        raise RuntimeError(f"{bad} of {total} answers were errors (status >= 400)")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    return {"rps": rate, "p50": _latency(output, "50%"), "p99": _latency(output, "99%")}


def _latency(output: str, label: str) -> float:
    value, unit = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


class _Peak:
    """Samples the number of PostgreSQL connections with one application name, every 0.2 s, until stopped."""

    def __init__(self, app_name: str) -> None:
        self.app_name, self.peak = app_name, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            while not self._stop.wait(0.2):
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [self.app_name]
                ).fetchone()
                self.peak = max(self.peak, row[0] if row else 0)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log.read_text()}")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": "localhost"})
        try:
            with urllib.request.urlopen(request, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within 60 s:\n{log.read_text()}")


def report(results: dict[str, dict[str, list[float]]]) -> None:
    median = {
        name: {key: statistics.median(values) for key, values in figures.items()} for name, figures in results.items()
    }
    print()
    print(f"{'server':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'peak PG connections':>20}")
    for name, figures in median.items():
        print(
            f"{name:<10} {figures['rps']:>8.0f} {figures['p50']:>8.1f} {figures['p99']:>8.1f} {figures['connections']:>20.0f}"
        )
    ratios = [fast / slow for fast, slow in zip(results["granian"]["rps"], results["gunicorn"]["rps"], strict=True)]
    chosen = "granian" if min(ratios) >= 1.10 else "gunicorn"
    gunicorn, granian = median["gunicorn"], median["granian"]
    print(
        f"app server: {chosen} chosen; gunicorn {gunicorn['rps']:.0f} req/s p99 {gunicorn['p99']:.0f} ms, "
        f"granian {granian['rps']:.0f} req/s p99 {granian['p99']:.0f} ms, granian/gunicorn median "
        f"{statistics.median(ratios):.2f} (rounds {min(ratios):.2f}-{max(ratios):.2f}; granian needs >= 1.10 in every round)"
    )


if __name__ == "__main__":
    main()
