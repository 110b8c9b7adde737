"""In a real browser, the issue's whole flow: a buyer signs up once, saves a product on store A, follows store B, adds
items from A and B (their pages) and C (the directory) to the one cart, pays once with 4242, and sees the three
orders in their history across stores; each store's order page shows only its own line."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.buying import (
    add_to_the_marketplace_cart,
    fill_the_marketplace_cart,
    pay_the_marketplace_cart,
    selling_stores,
)
from tests.conftest import wait_for_email
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
    """The three stores, as ``selling_stores`` makes them; the account removed after the browser closes."""
    from platform.buyers.models import Buyer, PendingBuyerSignup

    with selling_stores(django_db_blocker, webhook_receiver, SPECS) as paths:
        yield paths
        with django_db_blocker.unblock():
            Buyer.objects.filter(email=EMAIL).delete()
            PendingBuyerSignup.objects.filter(email=EMAIL).delete()


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
    pages = [f"http://{slug}.localhost:{port}{market[slug]}" for slug in ("bmb-north", "bmb-east")]
    add_to_the_marketplace_cart(page, platform=platform, product_urls=pages)
    page.goto(f"{platform}/search?q=mug")
    expect(page.locator("li.card[data-store='bmb-north'] .favourite-saved")).to_be_visible()
    page.goto(f"{platform}/search?q=lamp")
    page.click("li.card[data-store='bmb-west'] form.add-to-marketplace-cart button")
    page.wait_for_url(f"{platform}/cart/")
    for title in TITLES.values():
        assert title in page.inner_text(".marketplace-cart")

    fill_the_marketplace_cart(page, email=EMAIL, total="$87.41")  # 27.00 + 18.75 + 41.66

    # Pay once with 4242 on the sandbox's hosted page.
    pay_the_marketplace_cart(
        page, platform=platform, port=port, sandbox_server=sandbox_server, webhook_receiver=webhook_receiver
    )
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
