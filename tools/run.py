"""`make run`: find or start the services, migrate, seed the demo stores, then run web, worker and beat.

Without STRIPE_SECRET_KEY it also runs the local Stripe sandbox. Ctrl-C stops every process this command
started, and any private database or Redis it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from tools.services import REPO, discover

PYTHON = sys.executable


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    # Ctrl-C, a closed terminal and `kill` all stop everything; explicit handlers also cover a shell that
    # started this command in the background with SIGINT ignored.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    host = os.environ.get("MERCATO_HOST", "127.0.0.1")
    port = os.environ.get("MERCATO_PORT", "8000")
    base_domain = os.environ.get("MERCATO_BASE_DOMAIN", "localhost")
    services = discover()
    env = {**os.environ, **services.env(), "DJANGO_SETTINGS_MODULE": "platform.settings", "MERCATO_PORT": port}
    running: dict[str, subprocess.Popen] = {}
    try:
        stripe_url = None
        if not env.get("STRIPE_SECRET_KEY"):
            stripe_url = _start_stripe_sandbox(env, running, base_domain=base_domain, port=port)
            env["STRIPE_API_BASE"] = stripe_url
        manage = [PYTHON, str(REPO / "manage.py")]
        subprocess.run([*manage, "migrate_schemas", "--noinput", "-v", "0"], env=env, cwd=REPO, check=True)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], env=env, cwd=REPO, check=True)
        # The plans' prices in Stripe (or the local sandbox), created once and reused after.
        subprocess.run([*manage, "sync_stripe_plans"], env=env, cwd=REPO, check=True)
        subprocess.run([*manage, "seed_demo"], env=env, cwd=REPO, check=True)
        # Ready schemas make signups instant; the worker keeps the pool topped up from here on.
        subprocess.run([*manage, "refill_schema_pool"], env=env, cwd=REPO, check=True)
        celery = [PYTHON, "-m", "celery", "-A", "platform.celery"]
        beat_schedule = REPO / ".var" / "celerybeat-schedule"
        commands = {
            "web": [*manage, "runserver", f"{host}:{port}"],
            "worker": [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"],
            "beat": [*celery, "beat", "--loglevel", "INFO", "--schedule", str(beat_schedule)],
        }
        for name, command in commands.items():
            running[name] = subprocess.Popen(command, env=env, cwd=REPO, start_new_session=True)
        _print_urls(base_domain, port, stripe_url=stripe_url)
        while all(process.poll() is None for process in running.values()):
            time.sleep(0.5)
        stopped = [name for name, process in running.items() if process.poll() is not None]
        print(f"\n{', '.join(stopped)} stopped; shutting down the rest.", flush=True)
        return 1
    except KeyboardInterrupt:
        print("\nStopping Mercato…", flush=True)
        return 0
    finally:
        _stop(list(running.values()))
        services.stop()


def _start_stripe_sandbox(
    env: dict[str, str], running: dict[str, subprocess.Popen], *, base_domain: str, port: str
) -> str:
    """With no Stripe key configured, run the local Stripe sandbox, keeping its state in .var/."""
    from billing.sandbox import DEFAULT_WEBHOOK_SECRET

    sandbox_port = env.get("MERCATO_STRIPE_SANDBOX_PORT", "12121")
    secret = env.setdefault("STRIPE_WEBHOOK_SECRET", DEFAULT_WEBHOOK_SECRET)
    (REPO / ".var").mkdir(exist_ok=True)
    command = [PYTHON, "-m", "billing.sandbox", "--port", sandbox_port,
               "--webhook-url", f"http://{base_domain}:{port}/billing/stripe/webhook/", "--webhook-secret", secret,
               "--db", str(REPO / ".var" / "stripe-sandbox.sqlite3")]  # fmt: skip
    running["stripe"] = subprocess.Popen(command, env=env, cwd=REPO, start_new_session=True)
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


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
