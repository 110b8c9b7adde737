"""`make run`: find or start the services, migrate, seed the demo stores, then run web, worker and beat.

Without STRIPE_SECRET_KEY it also runs the local Stripe sandbox. A child that dies (web, worker, beat, sandbox)
is started again after a short, bounded back-off while the others keep running (tools/supervisor.py). Ctrl-C
stops every process this command started, and any private database or Redis it started.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request

from tools.pods import start_pods
from tools.services import REPO, discover
from tools.supervisor import Supervisor, stop_on_signals

PYTHON = sys.executable
# The web server: gunicorn's threaded workers, so at most WORKERS x THREADS requests (and PostgreSQL connections,
# one per thread, kept for CONN_MAX_AGE) at a time however many browsers connect. Django's runserver starts a
# thread, and a connection, per client and kept them: about 20 buyers used up PostgreSQL's 100 connections.
WEB_WORKERS = int(os.environ.get("MERCATO_WEB_WORKERS", "2"))
WEB_THREADS = int(os.environ.get("MERCATO_WEB_THREADS", "8"))


def web_command(host: str, port: str, *, reload: bool = True) -> list[str]:
    """The run command's web server; ``reload`` restarts its workers when Python code or a template changes."""
    command = [
        PYTHON, "-m", "gunicorn", "platform.wsgi:application", "--bind", f"{host}:{port}",
        "--worker-class", "gthread", "--workers", str(WEB_WORKERS), "--threads", str(WEB_THREADS),
        "--access-logfile", "-", "--timeout", "120",
        # Browsers keep an idle connection for minutes and send the next page on it; gunicorn's default 2 s closes
        # it under them, and a request that crosses the close is reset (2 in 1,344 in bench/load_run.py).
        # An idle connection costs a gthread worker a socket, not a thread.
        "--keep-alive", "75",
        # No control socket: its default path (~/.gunicorn/) would be shared by every checkout's server.
        "--no-control-socket",
    ]  # fmt: skip
    if reload:
        # Python modules are watched by gunicorn itself; templates are read once per worker (the cached loader).
        command += ["--reload", "--reload-extra-file", "templates/**/*.*"]
    return command


def main() -> int:
    stop_on_signals()
    host = os.environ.get("MERCATO_HOST", "127.0.0.1")
    port = os.environ.get("MERCATO_PORT", "8000")
    base_domain = os.environ.get("MERCATO_BASE_DOMAIN", "localhost")
    services = discover()
    env = {**os.environ, **services.env(), "DJANGO_SETTINGS_MODULE": "platform.settings", "MERCATO_PORT": port}
    supervisor = Supervisor(env=env, cwd=REPO)
    pods = None
    try:
        pod_count = int(env.get("MERCATO_PODS", "0") or "0")
        if pod_count > 0:
            # Private PostgreSQL servers for pods (docs/scaling.md); new stores fill the least-loaded one.
            pods = start_pods(pod_count, run_dir=REPO / ".var" / "pods")
            env.update(pods.env())
            print(f"[services] pods: {', '.join(f'{n} on {u}' for n, u in pods.urls().items())}", flush=True)
        stripe_url = None
        if not env.get("STRIPE_SECRET_KEY"):
            stripe_url = _start_stripe_sandbox(env, supervisor, base_domain=base_domain, port=port)
            env["STRIPE_API_BASE"] = stripe_url
        manage = [PYTHON, str(REPO / "manage.py")]
        # The public schema first, then every store and pooled schema with the fleet executor (docs/scaling.md).
        subprocess.run([*manage, "migrate_schemas", "--shared", "--noinput", "-v", "0"], env=env, cwd=REPO, check=True)
        if pods is not None:
            subprocess.run([*manage, "pods", "add", *pods.urls()], env=env, cwd=REPO, check=True)
        subprocess.run([*manage, "migrate_stores", "-v", "0"], env=env, cwd=REPO, check=True)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], env=env, cwd=REPO, check=True)
        # The plans' prices in Stripe (or the local sandbox), created once and reused after.
        subprocess.run([*manage, "sync_stripe_plans"], env=env, cwd=REPO, check=True)
        subprocess.run([*manage, "seed_demo"], env=env, cwd=REPO, check=True)
        # Ready schemas make signups instant; the worker keeps the pool topped up from here on.
        subprocess.run([*manage, "refill_schema_pool"], env=env, cwd=REPO, check=True)
        # Every process counts into this folder for /metrics; an earlier run's files would add their old counts.
        metrics_folder = env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(REPO / ".var" / "metrics"))
        shutil.rmtree(metrics_folder, ignore_errors=True)
        celery = [PYTHON, "-m", "celery", "-A", "platform.celery"]
        beat_schedule = REPO / ".var" / "celerybeat-schedule"
        supervisor.start("web", web_command(host, port))
        supervisor.start("worker", [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"])
        supervisor.start("beat", [*celery, "beat", "--loglevel", "INFO", "--schedule", str(beat_schedule)])
        _print_urls(base_domain, port, stripe_url=stripe_url)
        supervisor.run()
        return 0
    except KeyboardInterrupt:
        print("\nStopping Mercato…", flush=True)
        return 0
    finally:
        supervisor.stop()
        if pods is not None:
            pods.stop()
        services.stop()


def _start_stripe_sandbox(env: dict[str, str], supervisor: Supervisor, *, base_domain: str, port: str) -> str:
    """With no Stripe key configured, run the local Stripe sandbox, keeping its state in .var/."""
    from tools.stripe_sandbox import DEFAULT_WEBHOOK_SECRET

    sandbox_port = env.get("MERCATO_STRIPE_SANDBOX_PORT", "12121")
    secret = env.setdefault("STRIPE_WEBHOOK_SECRET", DEFAULT_WEBHOOK_SECRET)
    (REPO / ".var").mkdir(exist_ok=True)
    command = [PYTHON, "-m", "tools.stripe_sandbox", "--port", sandbox_port,
               "--webhook-url", f"http://{base_domain}:{port}/billing/stripe/webhook/", "--webhook-secret", secret,
               "--db", str(REPO / ".var" / "stripe-sandbox.sqlite3")]  # fmt: skip
    supervisor.start("stripe", command)
    url = f"http://127.0.0.1:{sandbox_port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=1):  # noqa: S310 - a local URL
                return url
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the local Stripe sandbox did not start on port {sandbox_port}")


def _print_urls(base_domain: str, port: str, *, stripe_url: str | None) -> None:
    from storefront.demo_catalog import DEMO_SELLER_EMAIL, DEMO_SELLER_PASSWORD, DEMO_STORES

    lines = [
        "",
        "Mercato is running. Open:",
        f"  {'platform site':<26} http://{base_domain}:{port}/",
        *(f"  {demo.name:<26.26} http://{demo.slug}.{base_domain}:{port}/" for demo in DEMO_STORES),
        f"  {'sign up a new store':<26} http://{base_domain}:{port}/signup/  (the emailed link shows up below)",
        f"  {'platform admin':<26} http://{base_domain}:{port}/admin/  (manage.py createsuperuser first)",
    ]
    if stripe_url:
        lines.append(f"  {'local Stripe sandbox':<26} {stripe_url}/  (no STRIPE_SECRET_KEY set)")
    lines += [
        f"Sign in as the demo seller: {DEMO_SELLER_EMAIL} / {DEMO_SELLER_PASSWORD}",
        "Press Ctrl-C to stop everything.",
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
