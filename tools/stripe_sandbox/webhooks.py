"""Webhook delivery: events signed exactly as Stripe signs them, posted by a background thread, retried with backoff."""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .state import Endpoint

logger = logging.getLogger(__name__)

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    """Stripe's ``Stripe-Signature``: ``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<payload>" keyed by the secret>``."""
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # Stripe counts a redirect as a failed delivery; following it would hide a misconfigured endpoint URL.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Delivery:
    event_id: str
    event_type: str
    payload: bytes
    endpoint: Endpoint
    attempt: int
    generation: int


class Deliverer:
    """One thread posting due deliveries in order; a failed one is retried after base_delay * 2^(attempt - 1)."""

    def __init__(
        self,
        *,
        retry_base_delay: float = 10.0,
        max_attempts: int = 4,
        timeout: float = 10.0,
        on_delivered: Callable[[str], None] | None = None,
    ) -> None:
        self.retry_base_delay = retry_base_delay
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.on_delivered = on_delivered
        self.log: list[dict[str, Any]] = []
        self._heap: list[tuple[float, int, Delivery]] = []
        self._order = itertools.count()
        self._in_flight = 0
        self._generation = 0
        self._stopped = False
        self._wake = threading.Condition()
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())
        self._thread = threading.Thread(target=self._run, name="stripe-sandbox-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify_all()
        self._thread.join(timeout=self.timeout + 1)

    def enqueue(self, event: dict[str, Any], payload: bytes, endpoints: list[Endpoint]) -> None:
        with self._wake:
            for endpoint in endpoints:
                delivery = Delivery(event["id"], event["type"], payload, endpoint, 1, self._generation)
                heapq.heappush(self._heap, (time.monotonic(), next(self._order), delivery))
            self._wake.notify_all()

    def pending(self) -> int:
        with self._wake:
            return len(self._heap) + self._in_flight

    def drain(self, timeout: float) -> int:
        """Wait until every delivery, retries included, has succeeded or given up; returns how many remain."""
        with self._wake:
            self._wake.wait_for(lambda: not self._heap and not self._in_flight, timeout=timeout)
            return len(self._heap) + self._in_flight

    def reset(self) -> None:
        """Forget every queued delivery; returns once none is still on the wire, so nothing old arrives later."""
        with self._wake:
            self._heap.clear()
            self.log.clear()
            # A delivery already on the wire belongs to the old generation: it gets no retry and no log line.
            self._generation += 1
            self._wake.notify_all()
            self._wake.wait_for(lambda: not self._in_flight, timeout=self.timeout + 1)

    def _next(self) -> Delivery | None:
        with self._wake:
            while not self._stopped:
                if self._heap:
                    due = self._heap[0][0] - time.monotonic()
                    if due <= 0:
                        self._in_flight += 1
                        return heapq.heappop(self._heap)[2]
                    self._wake.wait(timeout=due)
                else:
                    self._wake.wait()
            return None

    def _run(self) -> None:
        while (delivery := self._next()) is not None:
            attempt = delivery.attempt
            status, error = self._post(delivery)
            ok = status is not None and 200 <= status < 300
            with self._wake:
                self._in_flight -= 1
                if delivery.generation == self._generation:
                    self.log.append(
                        {
                            "event": delivery.event_id,
                            "type": delivery.event_type,
                            "endpoint": delivery.endpoint.url,
                            "attempt": delivery.attempt,
                            "status": status,
                            "error": error,
                            "ok": ok,
                        }
                    )
                    if not ok and delivery.attempt < self.max_attempts:
                        delay = self.retry_base_delay * 2 ** (delivery.attempt - 1)
                        delivery.attempt += 1
                        heapq.heappush(self._heap, (time.monotonic() + delay, next(self._order), delivery))
                self._wake.notify_all()
            if ok and self.on_delivered is not None:
                self.on_delivered(delivery.event_id)
            if not ok:
                logger.info(
                    "webhook %s to %s failed (attempt %d): %s",
                    delivery.event_type,
                    delivery.endpoint.url,
                    attempt,
                    error or status,
                )

    def _post(self, delivery: Delivery) -> tuple[int | None, str | None]:
        # Signed with the real wall clock, not the sandbox's: receivers check `t` against their own clock.
        header = signature_header(delivery.payload, delivery.endpoint.secret, int(time.time()))
        request = urllib.request.Request(  # noqa: S310 - endpoints are http(s) URLs configured by the developer
            delivery.endpoint.url,
            data=delivery.payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": header,
                "User-Agent": USER_AGENT,
                "Cache-Control": "no-cache",
                "Accept": "*/*; q=0.5, application/xml",
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                response.read()
                return response.status, None
        except urllib.error.HTTPError as error:
            return error.code, f"HTTP {error.code}"
        except (OSError, ValueError) as error:
            return None, str(error) or type(error).__name__
