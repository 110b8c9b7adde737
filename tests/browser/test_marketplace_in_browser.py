"""In a real browser: a buyer adds from two stores' pages and a third store through the directory, pays once on the
sandbox's hosted page, and sees three orders, each on its own store's host showing only its own line."""

import re

import pytest

from tests.browser.buying import (
    add_to_the_marketplace_cart,
    fill_the_marketplace_cart,
    pay_the_marketplace_cart,
    selling_stores,
)

pytestmark = [pytest.mark.browser]

SPECS = [
    ("bmkt-north", "North Mugs", "Stoneware Mug", "20.00", 10),
    ("bmkt-east", "East Books", "Paperback Atlas", "12.50", 10),
    ("bmkt-west", "West Lamps", "Brass Desk Lamp", "33.33", 10),
]


@pytest.fixture(scope="module")
def market(django_db_blocker, live_server_url, celery_worker, sandbox_server, webhook_receiver):
    with selling_stores(django_db_blocker, webhook_receiver, SPECS) as paths:
        yield paths


def test_a_cart_across_three_stores_is_paid_once_and_makes_three_orders(
    market, page, live_server_url, sandbox_server, webhook_receiver, celery_worker, screenshot_dir
):
    port = live_server_url
    platform = f"http://localhost:{port}"
    pages = [f"http://{slug}.localhost:{port}{market[slug]}" for slug in ("bmkt-north", "bmkt-east")]
    add_to_the_marketplace_cart(page, platform=platform, product_urls=pages)
    page.goto(f"{platform}/search?q=lamp")
    page.click("li[data-store='bmkt-west'] form.add-to-marketplace-cart button")
    page.wait_for_url(f"{platform}/cart/")
    for title in ("Stoneware Mug", "Paperback Atlas", "Brass Desk Lamp"):
        assert title in page.inner_text(".marketplace-cart")

    # 1 mug: 20 + 5 + 2 = 27.00; 18.75; 41.66
    fill_the_marketplace_cart(page, email="robin@example.com", total="$87.41")
    page.screenshot(path=screenshot_dir / "1-cart.png", full_page=True)
    pay_the_marketplace_cart(
        page, platform=platform, port=port, sandbox_server=sandbox_server, webhook_receiver=webhook_receiver,
        total="$87.41",
    )  # fmt: skip
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
