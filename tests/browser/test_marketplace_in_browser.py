"""In a real browser: a buyer adds from two stores' pages and a third store through the directory, pays once on the
sandbox's hosted page, and sees three orders, each on its own store's host showing only its own line."""

import re

import pytest

from tests.marketplace.conftest import make_selling_stores, purge_selling_stores
from tests.stripe_sandbox import WEBHOOK_PATH
from tests.support import WAIT_TIMEOUT, wait_until

pytestmark = [pytest.mark.browser]

SPECS = [
    ("bmkt-north", "North Mugs", "Stoneware Mug", "20.00", 10),
    ("bmkt-east", "East Books", "Paperback Atlas", "12.50", 10),
    ("bmkt-west", "West Lamps", "Brass Desk Lamp", "33.33", 10),
]


@pytest.fixture(scope="module")
def market(django_db_blocker, live_server_url, celery_worker, sandbox_server, webhook_receiver):
    """Committed before the browser starts (the ORM can't run under its event loop); purged after it closes."""
    from django_tenants.utils import schema_context

    from storefront.catalog.models import Product

    webhook_receiver.clear()
    with django_db_blocker.unblock():
        made = make_selling_stores(SPECS)
        paths = {}
        for slug, item in made.items():
            with schema_context(item.store.schema_name):
                paths[slug] = f"/products/{Product.objects.get(pk=item.product_id).slug}/"
    yield paths
    with django_db_blocker.unblock():
        purge_selling_stores(SPECS)


def _forward_new_deliveries(sandbox_server, webhook_receiver, port: str, already: int) -> int:
    import requests

    sandbox_server.drain()
    with webhook_receiver.lock:
        items = [item for item in webhook_receiver.received if item.path == WEBHOOK_PATH]
    for item in items[already:]:
        response = requests.post(
            f"http://127.0.0.1:{port}/billing/stripe/webhook/",
            data=item.body,
            headers={"Host": "localhost", "Content-Type": "application/json",
                     "Stripe-Signature": item.headers["Stripe-Signature"]},
            timeout=WAIT_TIMEOUT,
        )  # fmt: skip
        assert response.status_code == 200, response.text
    return len(items)


def test_a_cart_across_three_stores_is_paid_once_and_makes_three_orders(
    market, page, live_server_url, sandbox_server, webhook_receiver, celery_worker, screenshot_dir
):
    port = live_server_url
    platform = f"http://localhost:{port}"
    for slug in ("bmkt-north", "bmkt-east"):
        page.goto(f"http://{slug}.localhost:{port}{market[slug]}")
        page.click("#add-to-marketplace-cart button[type=submit]")
        page.wait_for_url(f"{platform}/cart/add/?**")  # the platform site shows what will be added
        page.click("#confirm-add button[type=submit]")
        page.wait_for_url(f"{platform}/cart/")
    page.goto(f"{platform}/search?q=lamp")
    page.click("li[data-store='bmkt-west'] form.add-to-marketplace-cart button")
    page.wait_for_url(f"{platform}/cart/")
    for title in ("Stoneware Mug", "Paperback Atlas", "Brass Desk Lamp"):
        assert title in page.inner_text(".marketplace-cart")

    page.fill("input[name=email]", "robin@example.com")
    page.fill("input[name=name]", "Robin Buyer")
    page.fill("input[name=line1]", "12 Harbour Road")
    page.fill("input[name=city]", "Springfield")
    page.fill("input[name=region]", "IL")
    page.fill("input[name=postal_code]", "62701")
    page.fill("input[name=country]", "US")
    page.click("button[name=action][value=update]")
    page.wait_for_selector("#cart-total:text-is('$87.41')")  # 1 mug: 20 + 5 + 2 = 27.00; 18.75; 41.66
    page.screenshot(path=screenshot_dir / "1-cart.png", full_page=True)
    page.click("button[name=action][value=pay]")

    page.wait_for_url(f"{sandbox_server.url}/c/pay/cs_test_**")
    assert "$87.41" in page.inner_text("section.summary")
    page.fill("input[name=card_number]", "4242 4242 4242 4242")
    page.fill("input[name=card_expiry]", "12 / 34")
    page.fill("input[name=card_cvc]", "123")
    page.fill("input[name=name]", "Robin Buyer")
    page.click("section.pay form button[type=submit]")
    page.wait_for_url(f"{platform}/cart/checkout/**")
    checkout_url = page.url.split("?")[0]
    _forward_new_deliveries(sandbox_server, webhook_receiver, port, 0)

    def paid() -> bool:
        page.goto(checkout_url)
        return page.get_attribute("#checkout", "data-status") == "paid"

    wait_until(paid, interval=0.5, timeout=2 * WAIT_TIMEOUT, what="the checkout page to show the payment")
    assert page.inner_text("#paid-total") == "$87.41"
    page.screenshot(path=screenshot_dir / "2-paid.png", full_page=True)
    links = {
        item.get_attribute("data-store"): item.query_selector("a").get_attribute("href")
        for item in page.query_selector_all("#store-orders li")
    }
    assert sorted(links) == ["bmkt-east", "bmkt-north", "bmkt-west"]
    titles = {"bmkt-north": "Stoneware Mug", "bmkt-east": "Paperback Atlas", "bmkt-west": "Brass Desk Lamp"}
    for slug, url in links.items():
        assert re.match(rf"http://{slug}\.localhost:{port}/orders/", url)
        page.goto(url)
        text = page.inner_text("main")
        assert titles[slug] in text
        assert all(other not in text for key, other in titles.items() if key != slug)
