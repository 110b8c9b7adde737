"""The HTTP server: Stripe's ``/v1`` API with auth, ``Stripe-Account`` and idempotency; hosted pages; ``/_sandbox``."""

from __future__ import annotations

import base64
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from . import api, meters, pages, subscriptions  # noqa: F401  (meters registers its routes)
from .errors import StripeError, unrecognized_url
from .params import parse_form
from .state import API_VERSION, Endpoint, Saved, State, new_id
from .webhooks import Deliverer

logger = logging.getLogger(__name__)

IDEMPOTENCY_WINDOW = 24 * 3600
DEFAULT_WEBHOOK_SECRET = "whsec_mercato_sandbox_local_development_only"  # noqa: S105 - a public, offline-only value


class App:
    """Turns one HTTP request into a response; every request runs under the state lock, one at a time."""

    def __init__(self, state: State, deliverer: Deliverer) -> None:
        self.state = state
        self.deliverer = deliverer

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(target)
        path = url.path.rstrip("/") or "/"
        try:
            if path.startswith("/v1/"):
                return self._api(method, path, url.query, headers, body)
            if path.startswith("/_sandbox/"):
                return self._control(method, path, url.query, headers, body)
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)) if method == "POST" else {}
            with self.state.lock:
                subscriptions.run_due(self.state, self.state.now())
                try:
                    return pages.handle(self.state, method, path, form)
                except Exception:
                    logger.exception("sandbox error on %s %s", method, path)
                    return 500, {"Content-Type": "text/plain; charset=utf-8"}, b"Stripe sandbox error; see its log."
        finally:
            self.flush()

    def flush(self) -> None:
        """Hand the events of the last request (or clock tick) to the deliverer, and save the state."""
        for event, payload, endpoints in self.state.take_outbox():
            self.deliverer.enqueue(event, payload, endpoints)
        try:
            self.state.save()
        except Exception:  # a snapshot that can't be written must not fail the request that caused it
            logger.exception("could not save the sandbox state")

    # --- /v1 ----------------------------------------------------------------------------------------------

    def _api(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        request_id = new_id("req_", 14)
        out_headers = {"Content-Type": "application/json", "Request-Id": request_id, "Stripe-Version": API_VERSION}
        api_key, auth_error = _api_key(headers)
        if auth_error is not None:
            return _json(auth_error.status, auth_error.body(), out_headers)
        try:
            params = parse_form(query)
            if method == "POST":
                params.update(parse_form(body.decode("utf-8")))
        except StripeError as error:
            return _json(error.status, error.body(), out_headers)
        except UnicodeDecodeError:
            return _json(400, StripeError("Invalid request body encoding.").body(), out_headers)
        account = headers.get("stripe-account") or None
        key = headers.get("idempotency-key") if method == "POST" else None
        if key:
            out_headers["Idempotency-Key"] = key
        scope = (api_key, account or "", key or "")
        fingerprint = json.dumps([method, path, params], sort_keys=True)
        state = self.state
        with state.lock:
            subscriptions.run_due(state, state.now())
            if key:
                saved = state.idempotency.get(scope)
                if saved is not None and saved.created >= state.now() - IDEMPOTENCY_WINDOW:
                    if saved.fingerprint != fingerprint:
                        conflict = StripeError(
                            "Keys for idempotent requests can only be used with the same parameters they were first "
                            f"used with. Try using a key other than '{key}' if you meant to execute a different "
                            "request.",
                            type="idempotency_error",
                        )
                        return _json(400, conflict.body(), out_headers)
                    return saved.status, {**out_headers, "Idempotent-Replayed": "true"}, saved.body
            state.request = {"id": request_id, "idempotency_key": key}
            state.journal, outbox_mark = [], len(state.outbox)
            try:
                status, payload = 200, self._dispatch(method, path, params, account)
            except StripeError as error:
                status, payload = error.status, error.body()
                # Handlers check before they change anything, but some make helper objects first (inline prices,
                # test cards): a refused request leaves nothing behind. A declined card is a result and stays.
                if status != 402:
                    state.undo(state.journal, outbox_mark)
            except Exception:
                state.undo(state.journal, outbox_mark)
                logger.exception("sandbox error on %s %s", method, path)
                status = 500
                payload = StripeError(
                    "An unexpected error occurred in the Stripe sandbox; its log has the traceback.",
                    status=500,
                    type="api_error",
                ).body()
                out_headers["Stripe-Should-Retry"] = "false"
            finally:
                state.request = {"id": None, "idempotency_key": None}
                state.journal = None
            data = json.dumps(payload, indent=2).encode()
            # Stripe saves a result once the endpoint has started work: successes, card declines and server
            # errors replay; a request refused up front (bad parameters, missing object) may be retried as new.
            if key and (status < 400 or status == 402 or status >= 500):
                state.idempotency[scope] = Saved(fingerprint, status, data, state.now())
                if len(state.idempotency) % 1000 == 0:
                    _forget_old_keys(state)
            if method != "GET":
                state.dirty = True
        return status, out_headers, data

    def _dispatch(self, method: str, path: str, params: dict[str, Any], account: str | None) -> dict[str, Any]:
        if account is not None:
            connected = self.state.find(account)
            if connected is None or connected["object"] != "account" or connected.get("_deleted"):
                raise StripeError(
                    f"The provided key does not have access to account '{account}' (or that account does not "
                    "exist). Application access may have been revoked.",
                    status=403,
                    code="account_invalid",
                )
        result = api.dispatch(api.Context(self.state, account), method, path, params)
        if result is None:
            raise unrecognized_url(method, path)
        return result

    # --- /_sandbox ----------------------------------------------------------------------------------------

    def _control(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """The test controls: the clock, forced renewal failures, reset, and the webhook delivery log."""
        options: dict[str, Any] = dict(parse_qsl(query))
        if body:
            text = body.decode("utf-8")
            if headers.get("content-type", "").startswith("application/json"):
                options.update(json.loads(text))
            else:
                options.update(parse_qsl(text))
        state = self.state
        route = (method, path.removeprefix("/_sandbox"))
        try:
            if route == ("GET", "/health"):
                return _json(200, {"ok": True, "api_version": API_VERSION, "now": state.now()})
            if route == ("GET", "/clock"):
                return _json(200, {"now": state.now(), "offset": state.clock_offset})
            if route == ("POST", "/clock/advance"):
                seconds = int(options.get("seconds", 0)) + int(float(options.get("days", 0)) * 86400)
                if "to" in options:
                    seconds = int(options["to"]) - state.now()
                if seconds < 0:
                    return _json(400, {"error": "the sandbox clock only moves forward"})
                with state.lock:
                    ran = subscriptions.advance(state, seconds)
                    return _json(200, {"now": state.now(), "offset": state.clock_offset, "ran": ran})
            if route == ("POST", "/fail_next_renewal"):
                with state.lock:
                    target = options.get("subscription") or None
                    state.fail_next_renewal.append(target)
                    state.dirty = True
                    return _json(200, {"fail_next_renewal": list(state.fail_next_renewal)})
            if route == ("POST", "/reset"):
                # Deliveries first and outside the lock: one on the wire may be calling back into the API.
                self.deliverer.reset()
                with state.lock:
                    state.reset()
                return _json(200, {"ok": True})
            if route == ("GET", "/webhooks"):
                return _json(200, {"pending": self.deliverer.pending(), "deliveries": list(self.deliverer.log)})
            if route == ("POST", "/webhooks/drain"):
                remaining = self.deliverer.drain(float(options.get("timeout", 10)))
                return _json(200 if remaining == 0 else 504, {"pending": remaining})
        except (ValueError, TypeError) as error:
            return _json(400, {"error": f"bad control request: {error}"})
        return _json(404, {"error": f"no sandbox control {method} {path}"})


def _forget_old_keys(state: State) -> None:
    # The SDK sends a fresh key with every POST; like Stripe, keep each result for 24 hours only.
    cutoff = state.now() - IDEMPOTENCY_WINDOW
    for scope in [scope for scope, saved in state.idempotency.items() if saved.created < cutoff]:
        del state.idempotency[scope]


def _api_key(headers: dict[str, str]) -> tuple[str, StripeError | None]:
    authorization = headers.get("authorization", "")
    key = ""
    if authorization.startswith("Bearer "):
        key = authorization[len("Bearer ") :].strip()
    elif authorization.startswith("Basic "):
        # curl -u sk_test_...: sends the key as the Basic-auth user name.
        try:
            key = base64.b64decode(authorization[len("Basic ") :]).decode().partition(":")[0]
        except ValueError:
            key = ""
    if not key:
        return "", StripeError(
            "You did not provide an API key. You need to provide your API key in the Authorization header, using "
            "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
            "https://stripe.com/docs/api#authentication "
            "for details, or we can help at https://support.stripe.com/.",
            status=401,
        )
    if not key.startswith(("sk_test_", "rk_test_")):
        # A live key here means a misconfiguration: refuse rather than pretend live money moved.
        return key, StripeError(
            f"Invalid API Key provided: {key[:8]}{'*' * max(0, len(key) - 12)}{key[-4:]}. The Stripe sandbox only "
            "accepts test-mode secret keys (sk_test_... or rk_test_...).",
            status=401,
        )
    return key, None


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(payload, indent=2).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "StripeSandbox/1.0"
    # Headers and body go out in separate writes; with Nagle's algorithm on, each keep-alive response would wait
    # for the client's delayed ACK (about 40 ms).
    disable_nagle_algorithm = True
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, response_headers, payload = self.server.app.handle(self.command, self.path, headers, body)
        self.send_response(status)
        for name, value in response_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = _serve  # http.server dispatches on do_<METHOD>

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        super().__init__(address, _Handler)


class Sandbox:
    """A running sandbox: HTTP server, webhook deliverer and clock ticker, each on a daemon thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
        webhook_endpoints: list[Endpoint] | None = None,
        db_path: str | None = None,
        webhook_retry_base_delay: float = 10.0,
        webhook_max_attempts: int = 4,
        webhook_timeout: float = 10.0,
        tick_interval: float = 1.0,
        dunning_retry_days: tuple[int, ...] = (3, 5, 7),
    ) -> None:
        self.state = State(
            db_path=db_path, static_endpoints=webhook_endpoints or [], dunning_retry_days=dunning_retry_days
        )
        self.deliverer = Deliverer(
            retry_base_delay=webhook_retry_base_delay,
            max_attempts=webhook_max_attempts,
            timeout=webhook_timeout,
            on_delivered=self._delivered,
        )
        self.app = App(self.state, self.deliverer)
        self.server = _Server((host, port), self.app)
        # An AF_INET socket reports its host as text; the stubs allow bytes for every address family.
        bound_host, bound_port = cast(tuple[str, int], self.server.server_address[:2])
        self.url = public_url.rstrip("/") if public_url else f"http://{bound_host}:{bound_port}"
        self.state.base_url = self.url
        self.tick_interval = tick_interval
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(
                target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, name="stripe-sandbox-http", daemon=True
            ),
            threading.Thread(target=self._tick, name="stripe-sandbox-clock", daemon=True),
        ]

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def start(self) -> Sandbox:
        self.deliverer.start()
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.deliverer.stop()
        self.state.save()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _delivered(self, event_id: str) -> None:
        with self.state.lock:
            event = self.state.find(event_id)
            if event is not None and event["pending_webhooks"] > 0:
                event["pending_webhooks"] -= 1

    def _tick(self) -> None:
        """Let real time drive trials, renewals and retries too, so a long-running demo behaves like Stripe."""
        if self.tick_interval <= 0:
            return
        while not self._stopping.wait(self.tick_interval):
            try:
                with self.state.lock:
                    ran = subscriptions.run_due(self.state, self.state.now())
                if ran:
                    self.app.flush()
            except Exception:
                logger.exception("the sandbox clock failed to run due work")
