"""In a real browser: a store owner picks a paid plan, pays on the sandbox's Checkout page, and sees it confirmed.

The live server is gunicorn on the test database; the sandbox delivers its webhooks to the suite's receiver, so the
test forwards those signed deliveries to the live server's endpoint, and the real Celery worker processes them.
"""

from contextlib import contextmanager

import pytest
import stripe

from tests.billing.conftest import committed_billing_data
from tests.browser.buying import forward_new_deliveries, pay_on_hosted_page
from tests.conftest import STORE_A
from tests.stripe_sandbox import API_KEY
from tests.support import WAIT_TIMEOUT, wait_until

pytestmark = [pytest.mark.browser]

OWNER_EMAIL = "browser-owner@alpha.test"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def alpha_owner_with_plans(django_db_blocker, live_server_url, celery_worker, sandbox_server, webhook_receiver):
    """Committed before the browser starts (the ORM can't run under its event loop); removed after it closes."""
    sandbox_server.control("POST", "/reset")
    webhook_receiver.clear()
    data = contextmanager(committed_billing_data)(owner_email=OWNER_EMAIL)
    with django_db_blocker.unblock():
        billing = data.__enter__()
    yield billing
    with django_db_blocker.unblock():
        data.__exit__(None, None, None)


def test_owner_subscribes_through_checkout_and_sees_the_plan_once_confirmed(
    alpha_owner_with_plans, page, live_server_url, sandbox_server, webhook_receiver, screenshot_dir
):
    port = live_server_url
    store_url = f"http://{STORE_A['slug']}.localhost:{port}"
    page.goto(f"{store_url}/dashboard/login/")
    page.fill("input[name=email]", OWNER_EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{store_url}/dashboard/")

    page.goto(f"{store_url}/dashboard/billing/")
    assert page.inner_text("#billing-plan") == "Free"
    page.screenshot(path=screenshot_dir / "billing-free.png", full_page=True)
    page.click("button[name=choose][value=starter-month]")

    # Stripe's hosted Checkout page (the sandbox's), in subscription mode with the plan's trial.
    pay_on_hosted_page(
        page, sandbox_url=sandbox_server.url, name="Browser Owner", screenshot=screenshot_dir / "checkout.png"
    )

    # Back on the dashboard: nothing is granted until the webhook is processed.
    page.wait_for_url(f"{store_url}/dashboard/billing/?checkout=done")
    assert "Processing your subscription" in page.inner_text("#billing-processing")
    assert page.inner_text("#billing-plan") == "Free"
    page.screenshot(path=screenshot_dir / "processing.png", full_page=True)
    page.reload()
    assert page.is_visible("#billing-processing")

    forwarded = forward_new_deliveries(sandbox_server, webhook_receiver, port, 0)
    assert forwarded >= 2
    # The page refreshes itself while processing; the worker's result shows without the notice.
    page.wait_for_selector("#billing-status:text-is('Trialing')")
    page.reload()
    assert not page.is_visible("#billing-processing")
    assert page.inner_text("#billing-plan") == "Starter"
    assert page.inner_text("#billing-status") == "Trialing"
    assert page.is_visible("#billing-trial-end")
    page.screenshot(path=screenshot_dir / "trialing.png", full_page=True)

    # The trial ends in Stripe (the card is charged); once that webhook is processed the plan shows active.
    client = stripe.StripeClient(API_KEY, base_addresses={"api": sandbox_server.url}, max_network_retries=0)
    subscription_id = next(
        item.event["data"]["object"]["id"] for item in webhook_receiver.received
        if item.event["type"] == "customer.subscription.created"
    )  # fmt: skip
    client.v1.subscriptions.update(subscription_id, {"trial_end": "now"})
    forward_new_deliveries(sandbox_server, webhook_receiver, port, forwarded)

    def active() -> bool:
        page.goto(f"{store_url}/dashboard/billing/")
        return page.inner_text("#billing-status") == "Active"

    wait_until(active, interval=0.5, timeout=2 * WAIT_TIMEOUT, what="the billing page to show the plan active")
    assert (page.inner_text("#billing-plan"), page.inner_text("#billing-status")) == ("Starter", "Active")
    # The trial's zero invoice and the first real one, both paid; the next one is the plan's monthly price.
    rows = page.locator("#billing-invoices tbody tr")
    assert [rows.nth(i).locator("td").last.inner_text() for i in range(rows.count())] == ["paid", "paid"]
    assert page.inner_text("#billing-next-invoice").endswith(", 19.00 USD")
    page.screenshot(path=screenshot_dir / "active.png", full_page=True)
