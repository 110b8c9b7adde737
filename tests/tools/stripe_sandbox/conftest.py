"""The Stripe sandbox's tests drive it directly: it is reset before each, and the SDK is pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from tests.stripe_sandbox import API_KEY, SandboxServer, WebhookReceiver


@pytest.fixture(autouse=True)
def _fresh_sandbox(sandbox_server: SandboxServer, webhook_receiver: WebhookReceiver) -> Iterator[None]:
    sandbox_server.control("POST", "/reset")
    webhook_receiver.clear()
    yield


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    return sandbox_server


@pytest.fixture
def client(sandbox_server: SandboxServer) -> stripe.StripeClient:
    """The official SDK pointed at the sandbox, exactly as Mercato configures it offline."""
    return stripe.StripeClient(
        API_KEY,
        base_addresses={"api": sandbox_server.url, "connect": sandbox_server.url, "files": sandbox_server.url},
        max_network_retries=0,
    )


@pytest.fixture
def stripe_module(sandbox_server: SandboxServer) -> Iterator[Any]:
    """The SDK's module-level configuration (``stripe.api_base``) pointed at the sandbox, restored afterwards."""
    saved = (stripe.api_key, stripe.api_base)
    stripe.api_key, stripe.api_base = API_KEY, sandbox_server.url
    yield stripe
    stripe.api_key, stripe.api_base = saved
