"""Running the sandbox: Django-free, embeddable in-process, persistent with --db, and its hosted invoice page."""

import subprocess
import sys

import requests
import stripe

from tests.stripe_sandbox import API_KEY
from tests.support import REPO, WAIT_TIMEOUT
from tools.stripe_sandbox import Sandbox


def test_the_sandbox_needs_neither_django_nor_anything_outside_the_standard_library():
    probe = (
        "import sys, tools.stripe_sandbox.__main__; "
        "print(sorted(name for name in ('django', 'stripe', 'requests') if name in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_command_line_documents_its_options():
    result = subprocess.run(
        [sys.executable, "-m", "tools.stripe_sandbox", "--help"], cwd=REPO, capture_output=True, text=True, check=True
    )
    for option in ("--port", "--webhook-url", "--webhook-secret", "--db", "--webhook-retry-base-delay"):
        assert option in result.stdout


def test_state_survives_a_restart_with_a_database_file(tmp_path):
    database = str(tmp_path / "stripe.sqlite3")
    with Sandbox(port=0, db_path=database, tick_interval=0) as first:
        client = stripe.StripeClient(API_KEY, base_addresses={"api": first.url}, max_network_retries=0)
        customer = client.v1.customers.create({"email": "kept@example.com"})
        requests.post(f"{first.url}/_sandbox/clock/advance", data={"days": 2}, timeout=WAIT_TIMEOUT)
    with Sandbox(port=0, db_path=database, tick_interval=0) as second:
        client = stripe.StripeClient(API_KEY, base_addresses={"api": second.url}, max_network_retries=0)
        assert client.v1.customers.retrieve(customer.id).email == "kept@example.com"
        assert requests.get(f"{second.url}/_sandbox/clock", timeout=WAIT_TIMEOUT).json()["offset"] >= 2 * 86400 - 5


def test_the_hosted_invoice_page_shows_and_collects_an_open_invoice(client, sandbox):
    customer = client.v1.customers.create(
        {
            "email": "late@example.com",
            "payment_method": "pm_card_chargeCustomerFail",
            "invoice_settings": {"default_payment_method": "pm_card_chargeCustomerFail"},
        }
    )
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 4500, "recurring": {"interval": "month"}, "product_data": {"name": "Team"}}
    )
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}]})
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert invoice.status == "open"
    assert invoice.hosted_invoice_url == f"{sandbox.url}/i/{invoice.id}"
    page = requests.get(invoice.hosted_invoice_url, timeout=WAIT_TIMEOUT)
    assert page.status_code == 200
    assert "Pay $45.00" in page.text
    paid = requests.post(
        invoice.hosted_invoice_url,
        data={"card_number": "4242424242424242", "card_expiry": "09/31", "card_cvc": "321"},
        allow_redirects=False,
        timeout=WAIT_TIMEOUT,
    )
    assert paid.status_code == 303
    assert client.v1.invoices.retrieve(invoice.id).status == "paid"
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
