"""The sandbox's whole state: every object by id, the simulated clock, events, idempotent results, persistence."""

from __future__ import annotations

import json
import secrets
import sqlite3
import string
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import no_such

# The API version stripe-python 16.1 pins (stripe._api_version._ApiVersion.CURRENT); every object the sandbox
# returns has that version's shape, and events carry it like Stripe's do.
API_VERSION = "2026-10-28.endive"

_ALPHABET = string.ascii_letters + string.digits

# What Stripe calls each kind of object in "No such ..." errors.
KIND_NAMES = {
    "customer": "customer",
    "product": "product",
    "price": "price",
    "payment_method": "PaymentMethod",
    "payment_intent": "payment_intent",
    "charge": "charge",
    "refund": "refund",
    "checkout.session": "checkout.session",
    "subscription": "subscription",
    "subscription_item": "subscription_item",
    "invoice": "invoice",
    "invoiceitem": "invoiceitem",
    "invoice_payment": "invoice_payment",
    "billing_portal.session": "billing_portal.session",
    "account": "account",
    "transfer": "transfer",
    "transfer_reversal": "transfer_reversal",
    "application_fee": "application fee",
    "event": "event",
    "webhook_endpoint": "webhook endpoint",
}


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass
class Endpoint:
    """Where events go. ``connect`` None means both the platform's and connected accounts' events."""

    id: str
    url: str
    secret: str
    enabled_events: list[str] = field(default_factory=lambda: ["*"])
    connect: bool | None = None

    def wants(self, event_type: str, account: str | None) -> bool:
        if self.connect is True and account is None:
            return False
        if self.connect is False and account is not None:
            return False
        return "*" in self.enabled_events or event_type in self.enabled_events


@dataclass
class Saved:
    """A response kept for an idempotency key, replayed byte for byte when the key comes back."""

    fingerprint: str
    status: int
    body: bytes
    created: int


class State:
    """Objects live in one dict keyed by id; ``_account`` on each says which Stripe account owns it."""

    def __init__(
        self,
        *,
        db_path: str | None = None,
        static_endpoints: list[Endpoint] | None = None,
        dunning_retry_days: tuple[int, ...] = (3, 5, 7),
    ) -> None:
        self.lock = threading.RLock()
        self.db_path = db_path
        self.static_endpoints = static_endpoints or []
        # Days between a failed renewal and each retry; after the last one fails the subscription is canceled.
        self.dunning_retry_days = dunning_retry_days
        # Where the hosted pages live (checkout, portal, invoices, onboarding); set once the server is bound.
        self.base_url = ""
        self.reset()
        if db_path:
            self._load()

    def reset(self) -> None:
        with self.lock:
            self.objects: dict[str, dict[str, Any]] = {}
            self.sequence = 0
            self.clock_offset = 0
            self.frozen_now: int | None = None
            self.idempotency: dict[tuple[str, str, str], Saved] = {}
            # Subscription ids whose next renewal charge is declined; None declines the next renewal of any.
            self.fail_next_renewal: list[str | None] = []
            self.platform_account = new_id("acct_", 16)
            self.request: dict[str, str | None] = {"id": None, "idempotency_key": None}
            self.outbox: list[tuple[dict[str, Any], bytes, list[Endpoint]]] = []
            # Ids of objects made by the request being served, so a refused request can take them back.
            self.journal: list[str] | None = None
            self.dirty = True

    # --- Time ---------------------------------------------------------------------------------------------

    def now(self) -> int:
        """Wall-clock seconds plus however far tests advanced the clock; frozen while due work is replayed."""
        if self.frozen_now is not None:
            return self.frozen_now
        return int(time.time()) + self.clock_offset

    # --- Objects ------------------------------------------------------------------------------------------

    def add(self, obj: dict[str, Any], account: str | None) -> dict[str, Any]:
        self.sequence += 1
        obj["_account"] = account
        obj["_seq"] = self.sequence
        self.objects[obj["id"]] = obj
        if self.journal is not None:
            self.journal.append(obj["id"])
        self.dirty = True
        return obj

    def undo(self, journal: list[str], outbox_mark: int) -> None:
        """Forget the objects a refused request made, and the events it would have sent."""
        for object_id in journal:
            self.objects.pop(object_id, None)
        del self.outbox[outbox_mark:]

    def find(self, object_id: str) -> dict[str, Any] | None:
        return self.objects.get(object_id)

    def get(self, object_id: str, kind: str, account: str | None, *, param: str = "id") -> dict[str, Any]:
        """The live object of this kind owned by this account, or Stripe's 404."""
        obj = self.objects.get(object_id) if isinstance(object_id, str) else None
        if obj is None or obj["object"] != kind or obj["_account"] != account or obj.get("_deleted"):
            raise no_such(KIND_NAMES.get(kind, kind), object_id, param=param)
        return obj

    def all(self, kind: str, account: str | None) -> list[dict[str, Any]]:
        """Every live object of a kind in an account, newest first as Stripe lists them."""
        found = [
            obj
            for obj in self.objects.values()
            if obj["object"] == kind and obj["_account"] == account and not obj.get("_deleted")
        ]
        found.sort(key=lambda obj: (obj.get("created", 0), obj["_seq"]), reverse=True)
        return found

    # --- Events -------------------------------------------------------------------------------------------

    def endpoints(self) -> list[Endpoint]:
        created = [
            Endpoint(
                id=obj["id"],
                url=obj["url"],
                secret=obj["_secret"],
                enabled_events=list(obj["enabled_events"]),
                connect=bool(obj["_connect"]),
            )
            for obj in self.all("webhook_endpoint", None)
            if obj["status"] == "enabled"
        ]
        return [*self.static_endpoints, *created]

    def emit(
        self,
        event_type: str,
        data_object: dict[str, Any],
        *,
        account: str | None,
        previous_attributes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record an event and queue it for every endpoint that wants it; delivery starts after the request."""
        targets = [endpoint for endpoint in self.endpoints() if endpoint.wants(event_type, account)]
        event: dict[str, Any] = {"id": new_id("evt_"), "object": "event"}
        if account is not None:
            event["account"] = account
        event.update(
            {
                "api_version": API_VERSION,
                "created": self.now(),
                "data": {"object": data_object},
                "livemode": False,
                "pending_webhooks": len(targets),
                "request": dict(self.request),
                "type": event_type,
            }
        )
        if previous_attributes is not None:
            event["data"]["previous_attributes"] = previous_attributes
        self.add(event, account)
        public = {key: value for key, value in event.items() if not key.startswith("_")}
        # Stripe sends events pretty-printed; the signature covers these exact bytes.
        payload = json.dumps(public, indent=2).encode()
        if targets:
            self.outbox.append((event, payload, targets))
        return event

    def take_outbox(self) -> list[tuple[dict[str, Any], bytes, list[Endpoint]]]:
        with self.lock:
            taken, self.outbox = self.outbox, []
            return taken

    # --- Persistence --------------------------------------------------------------------------------------

    def save(self) -> None:
        """Write a snapshot when a database file is configured, so a restarted sandbox keeps its objects."""
        if not self.db_path or not self.dirty:
            return
        # Under the lock from dump to commit, so two requests can't write their snapshots out of order.
        with self.lock:
            snapshot = json.dumps(
                {
                    "objects": self.objects,
                    "sequence": self.sequence,
                    "clock_offset": self.clock_offset,
                    "fail_next_renewal": self.fail_next_renewal,
                    "platform_account": self.platform_account,
                }
            )
            Path(self.db_path).parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(self.db_path) as db:
                db.execute("CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT)")
                db.execute("INSERT OR REPLACE INTO snapshot (id, body) VALUES (1, ?)", (snapshot,))
            self.dirty = False

    def _load(self) -> None:
        assert self.db_path is not None
        if not Path(self.db_path).exists():
            return
        with sqlite3.connect(self.db_path) as db:
            db.execute("CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT)")
            row = db.execute("SELECT body FROM snapshot WHERE id = 1").fetchone()
        if row is None:
            return
        data = json.loads(row[0])
        self.objects = data["objects"]
        self.sequence = data["sequence"]
        self.clock_offset = data["clock_offset"]
        self.fail_next_renewal = data["fail_next_renewal"]
        self.platform_account = data["platform_account"]
