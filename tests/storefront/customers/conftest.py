"""Buyer account tests check out for real, which starts a payment on this run's Stripe sandbox."""

import pytest


@pytest.fixture(autouse=True)
def _sandbox(sandbox_server):
    return sandbox_server
