"""In a real browser: the platform home lists the stores, and following one opens that store's own site."""

import pytest

from tests.conftest import STORE_A, STORE_B

pytestmark = [pytest.mark.browser]


def test_platform_home_then_a_store_page(page, live_server_url, screenshot_dir):
    port = live_server_url
    page.goto(f"http://localhost:{port}/")
    assert page.locator("h1").inner_text() == "Independent stores, one marketplace"
    store_link = page.locator(f'a[data-store="{STORE_A["slug"]}"]')
    assert store_link.inner_text() == STORE_A["name"]
    page.screenshot(path=screenshot_dir / "platform-home.png", full_page=True)

    store_link.click()
    page.wait_for_load_state()
    assert page.url == f"http://{STORE_A['slug']}.localhost:{port}/"
    assert page.locator(".store-name").inner_text() == STORE_A["name"]
    products = page.locator("#product-list .product h3").all_inner_texts()
    assert STORE_A["product"] in products
    assert STORE_B["product"] not in products
    page.screenshot(path=screenshot_dir / "store-home.png", full_page=True)
    assert (screenshot_dir / "store-home.png").stat().st_size > 0


def test_an_unknown_store_host_shows_the_not_found_page(page, live_server_url):
    response = page.goto(f"http://no-such-store.localhost:{live_server_url}/")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "There's no store here"
