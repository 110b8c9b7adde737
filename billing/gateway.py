"""The one module that makes Stripe clients: Stripe itself with a secret key, the local sandbox without one."""

import json

import stripe
from django.conf import settings

SANDBOX_API_KEY = "sk_test_mercato_sandbox"


def stripe_client(*, stripe_account: str | None = None) -> stripe.StripeClient:
    """A client of the official SDK; every Stripe call in Mercato goes through one of these.

    ``stripe_account`` makes the calls on behalf of a connected account (the ``Stripe-Account`` header).
    """
    options: dict = {"max_network_retries": 2}
    if stripe_account:
        options["stripe_account"] = stripe_account
    if settings.STRIPE_SECRET_KEY:
        return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **options)
    base = settings.STRIPE_API_BASE
    return stripe.StripeClient(SANDBOX_API_KEY, base_addresses={"api": base, "connect": base, "files": base}, **options)


def using_sandbox() -> bool:
    return not settings.STRIPE_SECRET_KEY


def is_live_mode() -> bool:
    """Whether real money moves: the configured key is a live one (``sk_live_``/``rk_live_``).

    Read from the key alone, without asking Stripe, so checkout can decide before any call; test keys and the
    sandbox are test mode.
    """
    key = settings.STRIPE_SECRET_KEY or ""
    return key.startswith(("sk_live_", "rk_live_"))


def verify_webhook(payload: bytes, signature: str) -> dict:
    """The event in a webhook body, once its signature (and timestamp, 5 minutes' tolerance) checks out.

    Raises ``stripe.SignatureVerificationError`` for a wrong, missing or stale signature and ``ValueError`` for a
    body that is not an event.
    """
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise stripe.SignatureVerificationError("No STRIPE_WEBHOOK_SECRET is configured.", signature)
    stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    return json.loads(payload)  # the JSON as sent: the SDK's objects turn numbers into Decimals
