"""In a real browser: a buyer goes from a store's home page to a product and switches its variant."""

import pytest
from playwright.sync_api import expect

from tests.conftest import STORE_A

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def shirt_on_sale(django_db_blocker):
    """Requested before the browser starts (the ORM can't run under its event loop); removed after it closes."""
    from django_tenants.utils import schema_context

    from tenants.models import Store
    from tests.storefront.catalog.factories import make_shirt

    with django_db_blocker.unblock():
        store = Store.objects.get(slug=STORE_A["slug"])
        shirt = make_shirt(store, title="Browser Field Shirt", sku_prefix="BROWSER")
        with schema_context(store.schema_name):
            variants = {variant.sku: variant.pk for variant in shirt.variants.all()}
    yield shirt.slug, variants
    with django_db_blocker.unblock(), schema_context(store.schema_name):
        shirt.delete()


def test_home_to_product_and_switch_variant(shirt_on_sale, page, live_server_url, screenshot_dir):
    slug, variants = shirt_on_sale
    page.goto(f"http://{STORE_A['slug']}.localhost:{live_server_url}/")
    page.click("text=See all products")
    page.wait_for_url("**/products/")
    page.click("text=Browser Field Shirt")
    page.wait_for_url(f"**/products/{slug}/")
    assert page.inner_text("#variant-price") == "$20.00"
    assert page.inner_text("#variant-stock") == "In stock"

    page.check(f"input[name=variant][value='{variants['BROWSER-M-Red']}']")
    # Playwright's expect, not wait_for_function: that one evaluates a string in the page, which the page's
    # Content-Security-Policy (no eval) rightly refuses.
    expect(page.locator("#variant-price")).to_have_text("$22.00")
    assert f"variant={variants['BROWSER-M-Red']}" in page.url
    expect(page.locator("#add-to-cart .chosen")).to_have_text("M / Red")
    assert page.get_attribute("#add-to-cart input[name=variant]", "value") == str(variants["BROWSER-M-Red"])
    page.screenshot(path=screenshot_dir / "product-variant.png", full_page=True)
