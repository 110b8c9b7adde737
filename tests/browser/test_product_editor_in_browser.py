"""In a real browser: a seller makes a product with two options and four variants in the dashboard's product
editor, and a buyer buys one of those variants on the storefront, paying on the sandbox's hosted page.

The store is provisioned here with the demo shipping zone and an owner, and purged afterwards; everything about
the product is done through the pages.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.buying import PORTLAND, check_out_from_the_cart, pay_for_the_order

pytestmark = [pytest.mark.browser]

SLUG = "browser-editor-shop"
OWNER_EMAIL = "browser-editor-owner@example.com"
PASSWORD = "a long seller password 53"
BUYER_EMAIL = "browser-editor-buyer@example.com"


@pytest.fixture(scope="module")
def editor_store(django_db_blocker, live_server_url, celery_worker, sandbox_server):
    """Committed before the browser starts (the ORM can't run under its event loop); purged after it closes."""
    from django_tenants.utils import schema_context

    from platform.accounts.models import User
    from storefront.demo import _ensure_demo_shipping
    from tenants.services import provision_store, purge_store
    from tests.conftest import add_member, make_user

    sandbox_server.control("POST", "/reset")
    with django_db_blocker.unblock():
        store = provision_store(name="Browser Editor Shop", slug=SLUG)
        with schema_context(store.schema_name):
            _ensure_demo_shipping()
        add_member(store, make_user(OWNER_EMAIL, PASSWORD), "owner")
    yield store
    with django_db_blocker.unblock():
        purge_store(store=store)
        User.objects.filter(email=OWNER_EMAIL).delete()


def _grid(page) -> list[tuple[str, str, str, str, str]]:
    """(variant, kept variant id, SKU, price, stock) of each row of the editor's grid."""
    rows = page.locator("#variant-editor table.variant-grid tbody tr:not(.row-errors)")
    found = []
    for index in range(rows.count()):
        row = rows.nth(index)
        number = index + 1
        found.append(
            (
                row.locator("td").nth(1).inner_text(),
                row.get_attribute("data-variant"),
                row.locator(f"input[name=row-{number}-sku]").input_value(),
                row.locator(f"input[name=row-{number}-price]").input_value(),
                row.locator(f"input[name=row-{number}-stock]").input_value(),
            )
        )
    return found


def test_a_product_with_two_options_is_made_in_the_editor_and_one_variant_bought(
    editor_store, page, live_server_url, sandbox_server, screenshot_dir
):
    store_url = f"http://{SLUG}.localhost:{live_server_url}"
    page.goto(f"{store_url}/dashboard/login/")
    page.fill("input[name=email]", OWNER_EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{store_url}/dashboard/")

    # A simple product first: one variant, tracked, with stock.
    page.goto(f"{store_url}/dashboard/products/new/")
    page.fill("#product-form input[name=title]", "Editor Field Tee")
    page.select_option("#product-form select[name=status]", "active")
    page.fill("#product-form input[name=price]", "20.00")
    page.check("#product-form input[name=track_inventory]")
    page.fill("#product-form input[name=stock]", "3")
    page.click("#product-form button[type=submit]")
    page.wait_for_url(re.compile(rf"{re.escape(store_url)}/dashboard/products/\d+/$"))
    [(title, original_id, sku, price, stock)] = _grid(page)
    assert (title, sku, price, stock) == ("Default", "EDITOR-FIELD-TEE", "20.00", "3")

    # Two options, four values; the list is worked out before anything is saved.
    page.fill("input[name=option-1-name]", "Size")
    page.fill("input[name=option-1-value-1]", "S")
    page.fill("input[name=option-1-value-2]", "M")
    page.fill("input[name=option-2-name]", "Colour")
    page.fill("input[name=option-2-value-1]", "Red")
    page.fill("input[name=option-2-value-2]", "Blue")
    page.click("#update-variants")
    page.wait_for_selector("#variant-editor tbody tr:nth-child(4)")
    assert _grid(page) == [
        ("S / Red", original_id, "EDITOR-FIELD-TEE", "20.00", "3"),
        ("S / Blue (new)", "", "", "20.00", "0"),
        ("M / Red (new)", "", "", "20.00", "0"),
        ("M / Blue (new)", "", "", "20.00", "0"),
    ]
    for number, (price, stock, weight) in enumerate(
        [("20.00", "3", "180"), ("20.00", "2", "180"), ("22.00", "2", "200"), ("22.00", "4", "200")], start=1
    ):
        page.fill(f"input[name=row-{number}-price]", price)
        page.fill(f"input[name=row-{number}-stock]", stock)
        page.fill(f"input[name=row-{number}-weight_grams]", weight)
        page.check(f"input[name=row-{number}-track_inventory]")
    page.screenshot(path=screenshot_dir / "1-variant-grid.png", full_page=True)
    page.click("#save-variants")
    page.wait_for_selector(".flash:has-text('Options and variants of “Editor Field Tee” saved.')")
    grid = _grid(page)
    assert [(title, sku, price, stock) for title, _, sku, price, stock in grid] == [
        ("S / Red", "EDITOR-FIELD-TEE", "20.00", "3"),
        ("S / Blue", "EDITOR-FIELD-TEE-S-BLUE", "20.00", "2"),
        ("M / Red", "EDITOR-FIELD-TEE-M-RED", "22.00", "2"),
        ("M / Blue", "EDITOR-FIELD-TEE-M-BLUE", "22.00", "4"),
    ]
    assert grid[0][1] == original_id and all(variant_id for _, variant_id, _, _, _ in grid)
    page.screenshot(path=screenshot_dir / "2-saved.png", full_page=True)

    # The buyer picks M / Blue on the storefront and pays for it.
    page.goto(f"{store_url}/products/editor-field-tee/")
    page.check("label:has-text('M / Blue') input[name=variant]")
    # Playwright's expect, not wait_for_function: that one evaluates a string in the page, which the page's
    # Content-Security-Policy (no eval) refuses.
    expect(page.locator("#variant-price")).to_have_text("$22.00")
    expect(page.locator("#add-to-cart .chosen")).to_have_text("M / Blue")
    page.screenshot(path=screenshot_dir / "3-product.png", full_page=True)
    page.click("#add-to-cart button[type=submit]")
    page.wait_for_url(f"{store_url}/cart/")
    assert "Editor Field Tee" in page.inner_text(".cart-lines") and "M / Blue" in page.inner_text(".cart-lines")
    # 22.00, shipping 6.00, and the zone's 8 % tax on the goods: 1.76.
    check_out_from_the_cart(page, store_url=store_url, buyer=PORTLAND, email=BUYER_EMAIL, total="$29.76")
    # Back on the order page, which asks Stripe (the sandbox) for the session before it shows the status.
    pay_for_the_order(page, store_url=store_url, sandbox_url=sandbox_server.url, name="Robin Buyer", total="$29.76")
    assert page.inner_text("#order-status") == "Thank you! Your payment was received."
    assert "Editor Field Tee" in page.inner_text(".order-page .summary")
    assert "M / Blue" in page.inner_text(".order-page .summary")
    page.screenshot(path=screenshot_dir / "4-order-paid.png", full_page=True)

    # The variant bought is the one whose stock went down; the others kept theirs.
    page.goto(f"{store_url}/dashboard/products/")
    page.click("text=Editor Field Tee")
    assert [(title, stock) for title, _, _, _, stock in _grid(page)] == [
        ("S / Red", "3"),
        ("S / Blue", "2"),
        ("M / Red", "2"),
        ("M / Blue", "3"),
    ]
