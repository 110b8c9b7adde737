"""Checkout tests talk to this run's Stripe sandbox over HTTP (settings already point at it)."""

import pytest


@pytest.fixture(autouse=True)
def _sandbox(sandbox_server):
    return sandbox_server
