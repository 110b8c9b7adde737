"""`make serve`: the production form on this machine — Caddy (TLS) in front of gunicorn, one worker and one beat.

The same service discovery as `make run` (tools/services.py) and the same supervisor (tools/supervisor.py), but
with production settings: DEBUG off, a secret key generated once into .var/secret-key, HTTPS from Caddy's own
local certificate authority for the platform host, every store subdomain and sellers' verified custom domains
(on demand, after asking Mercato), and uploads served by Caddy from a separate media host. docs/deploy.md says
how the same pieces run on real machines.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tools.services import REPO, discover
from tools.supervisor import Supervisor, stop_on_signals

PYTHON = sys.executable
CADDY = "/usr/bin/caddy"


@dataclass(frozen=True)
class ServeConfig:
    """Where each piece of the production form listens, and where it keeps its files."""

    base_domain: str = "localhost"
    # A host of its own for uploads, not under the base domain (docs/deploy.md); an address needs no DNS.
    media_host: str = "127.0.0.1"
    https_port: int = 8443
    http_port: int = 8081  # Caddy's redirects to HTTPS
    web_port: int = 8001  # gunicorn, on loopback only: the proxy is its one client
    var_dir: Path = REPO / ".var" / "serve"
    media_root: Path = REPO / ".var" / "media"
    web_workers: int = 2
    web_threads: int = 8
    worker_concurrency: int = 2

    @classmethod
    def from_environment(cls) -> ServeConfig:
        env = os.environ.get
        return cls(
            base_domain=env("MERCATO_BASE_DOMAIN", "localhost").lower(),
            media_host=env("MERCATO_MEDIA_HOST", "127.0.0.1").lower(),
            https_port=int(env("MERCATO_HTTPS_PORT", "8443")),
            http_port=int(env("MERCATO_HTTP_PORT", "8081")),
            web_port=int(env("MERCATO_WEB_PORT", "8001")),
            media_root=Path(env("MERCATO_MEDIA_ROOT", str(REPO / ".var" / "media"))),
            web_workers=int(env("MERCATO_WEB_WORKERS", "2")),
            web_threads=int(env("MERCATO_WEB_THREADS", "8")),
            worker_concurrency=int(env("MERCATO_WORKER_CONCURRENCY", "2")),
        )

    @property
    def caddy_data(self) -> Path:
        """Caddy's storage: its local CA (``pki/authorities/local/root.crt``) and the certificates it issued."""
        return self.var_dir / "caddy"

    @property
    def root_certificate(self) -> Path:
        return self.caddy_data / "pki" / "authorities" / "local" / "root.crt"

    @property
    def media_url(self) -> str:
        return f"https://{self.media_host}:{self.https_port}/"


def ensure_caddy() -> str | None:
    """Install Debian's caddy when missing and possible; return why it can't run, or None (like ensure_chromium)."""
    if os.path.exists(CADDY):
        return None
    apt = shutil.which("apt-get")
    if apt is None:
        return f"no {CADDY} and no apt-get to install it (install Caddy 2.6 or newer, then rerun)"
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if prefix and shutil.which("sudo") is None:
        return f"no {CADDY}, and installing it needs root (run: sudo apt-get install caddy)"
    print("[serve] installing Debian's caddy…", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*prefix, apt, "install", "-y", "-q", "--no-install-recommends", "caddy"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run([*prefix, apt, "update", "-q"], env=env, check=False)
        subprocess.run(install, env=env, check=False)
    return None if os.path.exists(CADDY) else "installing caddy with apt-get failed"


def caddyfile(config: ServeConfig) -> str:
    """Caddy's configuration for the production form on this machine (docs/deploy.md explains each part)."""
    app = f"127.0.0.1:{config.web_port}"
    return f"""\
# Written by `make serve` (tools/serve.py) on each start; edit that, not this file.
{{
	admin off
	http_port {config.http_port}
	https_port {config.https_port}
	storage file_system {{
		root {config.caddy_data}
	}}
	# The local CA's root stays in .var/; nothing is added to the system's trust store.
	skip_install_trust
	# Before getting a certificate for a name it has no site for, Caddy asks Mercato (200: go ahead).
	on_demand_tls {{
		ask http://{app}/internal/tls/ask
	}}
}}

(mercato) {{
	# The proxy's own questions to the app server are never relayed from outside.
	@internal path /internal/*
	respond @internal 404
	reverse_proxy {app} {{
		# Caddy sets X-Forwarded-Proto and -For itself; the Host header passes through as the browser sent it.
		header_up -X-Forwarded-Host
	}}
}}

{_store_hosts(config.base_domain)}

# Uploads, from their own host: files only, never sniffed into another type, never run as a page.
{config.media_host} {{
	tls internal
	root * {config.media_root}
	header {{
		X-Content-Type-Options nosniff
		Content-Security-Policy "default-src 'none'; sandbox"
		Cache-Control "public, max-age=3600"
		-Server
	}}
	file_server
}}

# Sellers' verified custom domains: a certificate on the first visit, if Mercato says yes.
https:// {{
	tls internal {{
		on_demand
	}}
	import mercato
}}
"""


def _store_hosts(base_domain: str) -> str:
    """The platform host and every store's subdomain: one wildcard certificate where the base domain can have one.

    A wildcard directly under a one-label name (``*.localhost``) is refused by OpenSSL and browsers, so there each
    store host gets its own certificate on its first visit, after the same ask as a custom domain.
    """
    if "." in base_domain:
        return f"""\
# The platform host and every store's subdomain, on one wildcard certificate.
{base_domain}, *.{base_domain} {{
	tls internal
	import mercato
}}"""
    return f"""\
# The platform host; a store's subdomain gets its own certificate on its first visit (no wildcard under {base_domain}).
{base_domain} {{
	tls internal
	import mercato
}}

*.{base_domain} {{
	tls internal {{
		on_demand
	}}
	import mercato
}}"""


def secret_key(var_dir: Path) -> str:
    """The production settings' secret key for this machine: made once, kept in .var/secret-key (mode 600)."""
    path = var_dir.parent / "secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


def web_command(config: ServeConfig) -> list[str]:
    """gunicorn behind Caddy: bounded workers and threads (one PostgreSQL connection per thread at most)."""
    return [
        PYTHON, "-m", "gunicorn", "platform.wsgi:application",
        "--bind", f"127.0.0.1:{config.web_port}",
        "--worker-class", "gthread", "--workers", str(config.web_workers), "--threads", str(config.web_threads),
        # X-Forwarded-Proto is believed from the proxy only.
        "--forwarded-allow-ips", os.environ.get("MERCATO_PROXY_ADDRESSES", "127.0.0.1,::1"),
        "--timeout", "60", "--graceful-timeout", "30", "--keep-alive", "75",
        # A worker is replaced after this many requests (with jitter), so a slow leak can't grow for ever.
        "--max-requests", "2000", "--max-requests-jitter", "200",
        # No access log: the app logs one JSON line per request with its request id (docs/observability.md).
        "--no-control-socket",
    ]  # fmt: skip


def production_env(config: ServeConfig, base: dict[str, str]) -> dict[str, str]:
    """``base`` (the environment and the services found) with the production form's settings."""
    env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "platform.settings.production",
        "MERCATO_SECRET_KEY": base.get("MERCATO_SECRET_KEY") or secret_key(config.var_dir),
        "MERCATO_BASE_DOMAIN": config.base_domain,
        "MERCATO_PORT": str(config.https_port),
        "MERCATO_MEDIA_URL": config.media_url,
        "MERCATO_MEDIA_ROOT": str(config.media_root),
        # HSTS on a laptop's `localhost` would stick to every other local site in the browser for a year.
        "MERCATO_HSTS_SECONDS": base.get("MERCATO_HSTS_SECONDS", "0"),
        "MERCATO_EMAIL_BACKEND": base.get("MERCATO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"),
        # Every web and worker process counts into this folder for /metrics (docs/observability.md).
        "PROMETHEUS_MULTIPROC_DIR": base.get("PROMETHEUS_MULTIPROC_DIR", str(config.var_dir / "metrics")),
    }
    return env


def main() -> int:
    stop_on_signals()
    missing = ensure_caddy()
    if missing:
        print(f"[serve] can't serve the production form: {missing}", file=sys.stderr, flush=True)
        return 1
    config = ServeConfig.from_environment()
    services = discover()
    env = production_env(config, {**os.environ, **services.env()})
    supervisor = Supervisor(env=env, cwd=REPO, say=lambda message: print(f"[serve] {message}", flush=True))
    try:
        start(config, env, supervisor)
        _print_urls(config)
        supervisor.run()
        return 0
    except KeyboardInterrupt:
        print("\nStopping Mercato…", flush=True)
        return 0
    finally:
        supervisor.stop()
        services.stop()


def start(config: ServeConfig, env: dict[str, str], supervisor: Supervisor, *, seed: bool = True) -> None:
    """Prepare the database and start Caddy, the sandbox (without a Stripe key), gunicorn, worker and beat.

    ``env`` is production_env()'s; the sandbox's settings are added to it. The tests call this with their own
    ports, folders and services.
    """
    config.var_dir.mkdir(parents=True, exist_ok=True)
    config.media_root.mkdir(parents=True, exist_ok=True)
    caddy_config = config.var_dir / "Caddyfile"
    caddy_config.write_text(caddyfile(config))
    # Caddy keeps its data under XDG_DATA_HOME unless told otherwise; both point into .var/.
    caddy_env = {**env, "XDG_DATA_HOME": str(config.var_dir), "XDG_CONFIG_HOME": str(config.var_dir)}
    supervisor.start("caddy", [CADDY, "run", "--config", str(caddy_config), "--adapter", "caddyfile"], env=caddy_env)
    _wait_for(config.root_certificate.exists, what="Caddy's local certificate authority")
    manage = [PYTHON, str(REPO / "manage.py")]
    if not env.get("STRIPE_SECRET_KEY"):
        env.update(_start_stripe_sandbox(config, env, supervisor))
    # The public schema first, then every store schema by the fleet executor (docs/scaling.md).
    subprocess.run([*manage, "migrate_schemas", "--shared", "--noinput", "-v", "0"], env=env, cwd=REPO, check=True)
    subprocess.run([*manage, "migrate_stores", "-v", "0"], env=env, cwd=REPO, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], env=env, cwd=REPO, check=True)
    # An earlier run's metric files would add their old counts to this run's.
    shutil.rmtree(env["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
    # The web server first: the sandbox's webhooks for the plans synced next are delivered to it at once.
    supervisor.start("web", web_command(config), env={**env, "MERCATO_DB_APPLICATION_NAME": "mercato-web"})
    subprocess.run([*manage, "sync_stripe_plans"], env=env, cwd=REPO, check=True)
    if seed:
        subprocess.run([*manage, "seed_demo"], env=env, cwd=REPO, check=True)
    subprocess.run([*manage, "refill_schema_pool"], env=env, cwd=REPO, check=True)
    celery = [PYTHON, "-m", "celery", "-A", "platform.celery"]
    supervisor.start(
        "worker",
        [*celery, "worker", "--loglevel", "INFO", "--concurrency", str(config.worker_concurrency)],
        env={**env, "MERCATO_DB_APPLICATION_NAME": "mercato-worker"},
    )
    # One beat for the whole deployment: two would send every periodic task twice.
    supervisor.start(
        "beat",
        [*celery, "beat", "--loglevel", "INFO", "--schedule", str(config.var_dir / "celerybeat-schedule")],
        env={**env, "MERCATO_DB_APPLICATION_NAME": "mercato-beat"},
    )


def _start_stripe_sandbox(config: ServeConfig, env: dict[str, str], supervisor: Supervisor) -> dict[str, str]:
    """The local Stripe sandbox, delivering its webhooks over HTTPS through Caddy (trusting Caddy's local CA)."""
    from tools.stripe_sandbox import DEFAULT_WEBHOOK_SECRET

    port = env.get("MERCATO_STRIPE_SANDBOX_PORT", "12121")
    secret = env.get("STRIPE_WEBHOOK_SECRET") or DEFAULT_WEBHOOK_SECRET
    webhook = f"https://{config.base_domain}:{config.https_port}/billing/stripe/webhook/"
    command = [PYTHON, "-m", "tools.stripe_sandbox", "--port", port, "--webhook-url", webhook,
               "--webhook-secret", secret, "--db", str(config.var_dir / "stripe-sandbox.sqlite3")]  # fmt: skip
    supervisor.start("stripe", command, env={**env, "SSL_CERT_FILE": str(config.root_certificate)})
    url = f"http://127.0.0.1:{port}"
    _wait_for(lambda: _answers(f"{url}/_sandbox/health"), what=f"the local Stripe sandbox on port {port}")
    return {
        "STRIPE_API_BASE": url,
        "STRIPE_WEBHOOK_SECRET": secret,
        "MERCATO_STRIPE_SANDBOX_PORT": port,
        "MERCATO_LOCAL_STRIPE_SANDBOX": "true",
    }


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - a local URL
            return True
    except OSError:
        return False


def _wait_for(check: Callable[[], object], *, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {timeout:.0f} s")


def _print_urls(config: ServeConfig) -> None:
    from storefront.demo_catalog import DEMO_STORES

    port = f":{config.https_port}"
    lines = [
        "",
        "Mercato's production form is running (HTTPS from Caddy's local CA). Open:",
        f"  {'platform site':<26} https://{config.base_domain}{port}/",
        *(f"  {demo.name:<26.26} https://{demo.slug}.{config.base_domain}{port}/" for demo in DEMO_STORES),
        f"  {'readiness':<26} https://{config.base_domain}{port}/readyz",
        f"  {'uploads (media host)':<26} {config.media_url}",
        f"Browsers warn until they trust {config.root_certificate}",
        "(or: curl --cacert that-file …). Press Ctrl-C to stop everything.",
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
