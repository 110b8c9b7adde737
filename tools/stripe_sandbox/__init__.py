"""A local, stateful, Stripe-compatible server that Mercato uses whenever no Stripe key is configured.

It speaks Stripe's REST API (v1, form-encoded, the API version stripe-python 16 pins) to the official SDK, hosts
the pages Stripe hosts (Checkout, billing portal, invoices, Connect onboarding), signs and delivers webhooks, and
lets tests move its clock. Standard library only and Django-free: ``python -m tools.stripe_sandbox --help``.
"""

from .server import DEFAULT_WEBHOOK_SECRET, Sandbox
from .state import API_VERSION, Endpoint

__all__ = ["API_VERSION", "DEFAULT_WEBHOOK_SECRET", "Endpoint", "Sandbox"]
