"""In a real browser, the issue's whole flow: a buyer signs up once, saves a product on store A, follows store B, adds
items from A and B (their pages) and C (the directory) to the one cart, pays once with 4242, and sees the three
orders in their history across stores; each store's order page shows only its own line."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_marketplace_in_browser import _forward_new_deliveries
from tests.conftest import wait_for_email
from tests.marketplace.conftest import make_selling_stores, purge_selling_stores
from tests.support import WAIT_TIMEOUT, wait_until

pytestmark = [pytest.mark.browser]

EMAIL = "one-account@example.com"
SPECS = [
    ("bmb-north", "North Mugs", "Stoneware Mug", "20.00", 10),
    ("bmb-east", "East Books", "Paperback Atlas", "12.50", 10),
    ("bmb-west", "West Lamps", "Brass Desk Lamp", "33.33", 10),
]
TITLES = {slug: title for slug, _, title, _, _ in SPECS}


@pytest.fixture(scope="module")
def market(django_db_blocker, live_server_url, celery_worker, sandbox_server, webhook_receiver):
    """The three stores, committed before the browser starts; the account and the stores removed after it closes."""
    from django_tenants.utils import schema_context

    from platform.buyers.models import Buyer, PendingBuyerSignup
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
        Buyer.objects.filter(email=EMAIL).delete()
        PendingBuyerSignup.objects.filter(email=EMAIL).delete()
        purge_selling_stores(SPECS)


def test_one_account_one_cart_across_three_stores_paid_once_three_orders_in_the_history(
    market, page, live_server_url, sandbox_server, webhook_receiver, celery_worker, screenshot_dir
):
    port = live_server_url
    platform = f"http://localhost:{port}"
    store_a, store_b = f"http://bmb-north.localhost:{port}", f"http://bmb-east.localhost:{port}"

    # Sign up once.
    page.goto(f"{platform}/buyer/signup/")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=name]", "Robin Buyer")
    page.fill("input[name=password]", "one passphrase for every store")
    page.click("#buyer-signup-form button[type=submit]")
    expect(page.locator("#buyer-signup-sent")).to_contain_text("Check your inbox")
    email = wait_for_email(celery_worker, to=EMAIL, subject="Confirm your Mercato account")
    page.goto(platform + re.search(r"http://localhost:\d+(/buyer/signup/confirm/\S+/)", email).group(1))
    page.click("#buyer-signup-confirm button[type=submit]")
    page.wait_for_url(f"{platform}/buyer/")

    # Save A's mug from its page; follow B from its page.
    page.goto(f"{store_a}{market['bmb-north']}")
    page.click("#favourite-product")
    expect(page.locator("#favourite-what")).to_contain_text("Stoneware Mug")
    page.click("#favourite-confirm")
    page.wait_for_url(f"{store_a}{market['bmb-north']}")
    page.goto(f"{store_b}/")
    page.click("#follow-store")
    page.click("#follow-confirm")
    page.wait_for_url(f"{store_b}/")

    # A and B from their own pages, C through the directory: one cart, the account's.
    for slug in ("bmb-north", "bmb-east"):
        page.goto(f"http://{slug}.localhost:{port}{market[slug]}")
        page.click("#add-to-marketplace-cart button[type=submit]")
        page.wait_for_url(f"{platform}/cart/add/?**")
        page.click("#confirm-add button[type=submit]")
        page.wait_for_url(f"{platform}/cart/")
    page.goto(f"{platform}/search?q=mug")
    expect(page.locator("li.card[data-store='bmb-north'] .favourite-saved")).to_be_visible()
    page.goto(f"{platform}/search?q=lamp")
    page.click("li.card[data-store='bmb-west'] form.add-to-marketplace-cart button")
    page.wait_for_url(f"{platform}/cart/")
    for title in TITLES.values():
        assert title in page.inner_text(".marketplace-cart")

    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=name]", "Robin Buyer")
    page.fill("input[name=line1]", "12 Harbour Road")
    page.fill("input[name=city]", "Springfield")
    page.fill("input[name=region]", "IL")
    page.fill("input[name=postal_code]", "62701")
    page.fill("input[name=country]", "US")
    page.click("button[name=action][value=update]")
    page.wait_for_selector("#cart-total:text-is('$87.41')")  # 27.00 + 18.75 + 41.66
    page.click("button[name=action][value=pay]")

    # Pay once with 4242 on the sandbox's hosted page.
    page.wait_for_url(f"{sandbox_server.url}/c/pay/cs_test_**")
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
    links = {
        item.get_attribute("data-store"): item.query_selector("a").get_attribute("href")
        for item in page.query_selector_all("#store-orders li")
    }
    assert sorted(links) == sorted(TITLES)

    # The three orders in the account's history across stores, each paid, each from its store.
    def three_paid_orders() -> bool:
        page.goto(f"{platform}/buyer/")
        rows = page.query_selector_all("#buyer-orders tbody tr")
        return len(rows) == 3 and all("Paid" in row.inner_text() for row in rows)

    wait_until(three_paid_orders, interval=0.5, timeout=2 * WAIT_TIMEOUT, what="three paid orders in the history")
    history = page.inner_text("#buyer-orders")
    for name in ("North Mugs", "East Books", "West Lamps"):
        assert name in history
    expect(page.locator("#buyer-favourites")).to_contain_text("Stoneware Mug")
    expect(page.locator("#buyer-followed")).to_contain_text("East Books")
    page.screenshot(path=screenshot_dir / "history-across-stores.png", full_page=True)

    # Each store's order page shows its own line only.
    for slug, url in links.items():
        page.goto(url)
        text = page.inner_text("main")
        assert TITLES[slug] in text
        assert all(other not in text for key, other in TITLES.items() if key != slug)
