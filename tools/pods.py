"""Starts N private PostgreSQL servers on loopback, one per pod, from the system's binaries.

Used by `MERCATO_PODS=3 make run` (tools/run.py) and by the `pods` tests (tests/pods.py). Each server is a cluster
of its own (initdb, pg_ctl) under ``<run folder>/<pod name>/``, listening on 127.0.0.1 only, with
``max_locks_per_transaction`` raised so a whole-database dump or a catalog-wide query works with thousands of
store schemas (docs/scaling.md). The servers run as the current user; as root, as the system's ``postgres`` user
(initdb refuses root). ``python -m tools.pods 3`` starts three and keeps them until Ctrl-C.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools.services import REPO, _postgres_bin_dir, _reachable_by_postgres

# Settings each pod's server starts with: a pod holds thousands of store schemas (docs/scaling.md, "Pods"). A
# whole-pod pg_dump locks every table and sequence, about 120 a store, and the lock table holds
# max_locks_per_transaction x (max_connections + max_prepared_transactions) of them: 4096 x 200 is about 6,800
# stores in one dump (1024 ran out at 3,000), for about 255 MB more shared memory.
POD_SERVER_SETTINGS = {
    "max_locks_per_transaction": "4096",
    "max_connections": "200",
    "listen_addresses": "127.0.0.1",
}
FIRST_RUN_PORT = 54341  # `make run`'s pods: 54341, 54342, …
POD_DATABASE = "mercato"


@dataclass
class PodServer:
    name: str
    port: int
    data: Path

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{POD_DATABASE}"


@dataclass
class LocalPods:
    servers: list[PodServer] = field(default_factory=list)
    _run_as: list[str] = field(default_factory=list)
    _bin: Path | None = None

    def env(self) -> dict[str, str]:
        """The variables that configure these pods for Mercato's processes (tenants/pods/config.py)."""
        return {f"MERCATO_POD_{server.name.upper()}_URL": server.url for server in self.servers}

    def urls(self) -> dict[str, str]:
        return {server.name: server.url for server in self.servers}

    def stop(self) -> None:
        for server in reversed(self.servers):
            _pg_ctl(self._run_as, self._bin, server, "stop", "-m", "fast")
        self.servers.clear()


def pod_names(count: int) -> list[str]:
    return [f"pod{number}" for number in range(1, count + 1)]


def start_pods(count: int, *, run_dir: Path, ports: list[int] | None = None, durable: bool = True) -> LocalPods:
    """Start ``count`` pod servers (reusing clusters already initialised in ``run_dir``); the caller stops them.

    ``durable`` False turns off fsync: for test runs, whose data is thrown away.
    """
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError("No PostgreSQL server binaries (initdb, pg_ctl) found under /usr/lib/postgresql/*/bin")
    ports = ports or [FIRST_RUN_PORT + number for number in range(count)]
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if run_as and not _reachable_by_postgres(run_dir):
        # The postgres user must reach the data folders: a folder of its own under the system's temporary one.
        digest = hashlib.sha256(str(run_dir.resolve()).encode()).hexdigest()[:10]
        run_dir = Path(tempfile.gettempdir()) / f"mercato-pods-{digest}"
    pods = LocalPods(_run_as=run_as, _bin=bin_dir)
    try:
        for name, port in zip(pod_names(count), ports, strict=True):
            server = PodServer(name=name, port=port, data=run_dir / name / "data")
            _start_server(run_as, bin_dir, server, durable=durable)
            pods.servers.append(server)
            _create_database(server)
    except BaseException:
        pods.stop()
        raise
    return pods


def _start_server(run_as: list[str], bin_dir: Path, server: PodServer, *, durable: bool) -> None:
    root = server.data.parent
    sockets = root / "run"
    for folder in (root, sockets):
        folder.mkdir(parents=True, exist_ok=True)
        if run_as:
            shutil.chown(folder, "postgres", "postgres")
    if not (server.data / "PG_VERSION").exists():
        subprocess.run(
            [*run_as, str(bin_dir / "initdb"), "-D", str(server.data), "-U", "postgres", "--auth=trust",
             "--encoding=UTF8", "--no-instructions"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    settings = dict(POD_SERVER_SETTINGS, **({} if durable else {"fsync": "off", "synchronous_commit": "off"}))
    options = f"-p {server.port} -k {sockets} " + " ".join(f"-c {key}={value}" for key, value in settings.items())
    _pg_ctl(run_as, bin_dir, server, "start", "-l", str(root / "server.log"), "-o", options)


def _pg_ctl(run_as: list[str], bin_dir: Path | None, server: PodServer, action: str, *args: str) -> None:
    if bin_dir is None:
        return
    subprocess.run(
        [*run_as, str(bin_dir / "pg_ctl"), "-D", str(server.data), "-w", action, *args],
        check=action == "start",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL if action != "start" else None,
    )


def _create_database(server: PodServer) -> None:
    import psycopg

    with psycopg.connect(f"postgres://postgres@127.0.0.1:{server.port}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [POD_DATABASE]).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE {POD_DATABASE}")
    with psycopg.connect(server.url, autocommit=True) as conn:
        # Store schemas' trigram indexes need it; tenants.pods.services.prepare_pod_database does the same.
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    pods = start_pods(count, run_dir=REPO / ".var" / "pods")
    for name, value in pods.env().items():
        print(f"{name}={value}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        pods.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
