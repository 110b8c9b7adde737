"""Command line: ``python -m tools.stripe_sandbox --port 12121 --webhook-url URL --webhook-secret whsec_...``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from .server import DEFAULT_WEBHOOK_SECRET, Sandbox
from .state import Endpoint


def _days(text: str) -> tuple[int, ...]:
    try:
        days = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("give whole days separated by commas, e.g. 3,5,7") from None
    if any(day < 1 for day in days):
        raise argparse.ArgumentTypeError("retry days must be at least 1")
    return days


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.stripe_sandbox",
        description="A local Stripe-compatible server: point the Stripe SDK's api base at it and use any sk_test_ key.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=12121, help="port to listen on; 0 picks a free one (default: 12121)"
    )
    parser.add_argument("--public-url", help="base URL browsers use for hosted pages (default: http://HOST:PORT)")
    parser.add_argument(
        "--webhook-url",
        action="append",
        default=[],
        help="endpoint that receives every event, of the platform and of connected accounts (repeatable)",
    )
    parser.add_argument(
        "--webhook-secret",
        default=DEFAULT_WEBHOOK_SECRET,
        help="signing secret for --webhook-url endpoints (default: %(default)s)",
    )
    parser.add_argument("--db", help="SQLite file that keeps the state across restarts (default: memory only)")
    parser.add_argument(
        "--webhook-retry-base-delay",
        type=float,
        default=10.0,
        help="seconds before the first retry of a failed delivery; each retry waits twice as long (default: 10)",
    )
    parser.add_argument("--webhook-max-attempts", type=int, default=4, help="deliveries per event, first included")
    parser.add_argument("--webhook-timeout", type=float, default=10.0, help="seconds an endpoint has to answer")
    parser.add_argument(
        "--dunning-retry-days",
        type=_days,
        default=(3, 5, 7),
        help="days between a failed renewal and each retry; then the subscription is canceled (default: 3,5,7)",
    )
    parser.add_argument(
        "--tick-interval",
        type=float,
        default=1.0,
        help="seconds between checks for work that real time made due; 0 leaves it to requests (default: 1)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.DEBUG if options.verbose else logging.INFO, format="[stripe-sandbox] %(levelname)s %(message)s"
    )
    endpoints = [
        Endpoint(id=f"we_cli_{index}", url=url, secret=options.webhook_secret)
        for index, url in enumerate(options.webhook_url, start=1)
    ]
    try:
        sandbox = _sandbox(options, endpoints)
    except OSError as error:
        print(f"Stripe sandbox: cannot listen on {options.host}:{options.port}: {error.strerror}", file=sys.stderr)
        return 1
    stopped = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopped.set()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    sandbox.start()
    targets = ", ".join(options.webhook_url) or "no endpoint (add --webhook-url, or create one through the API)"
    print(f"Stripe sandbox listening on {sandbox.url}", flush=True)
    print(f"  webhooks: {targets}; signing secret {options.webhook_secret}", flush=True)
    stopped.wait()
    sandbox.stop()
    return 0


def _sandbox(options: argparse.Namespace, endpoints: list[Endpoint]) -> Sandbox:
    return Sandbox(
        host=options.host,
        port=options.port,
        public_url=options.public_url,
        webhook_endpoints=endpoints,
        db_path=options.db,
        webhook_retry_base_delay=options.webhook_retry_base_delay,
        webhook_max_attempts=options.webhook_max_attempts,
        webhook_timeout=options.webhook_timeout,
        tick_interval=options.tick_interval,
        dunning_retry_days=options.dunning_retry_days,
    )


if __name__ == "__main__":
    sys.exit(main())
