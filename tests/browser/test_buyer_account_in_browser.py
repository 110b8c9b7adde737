"""In a real browser: one marketplace account signs in on store A through the hand-off, saves a product there,
follows store B, and sees both on its Mercato page."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import STORE_A, STORE_B, wait_for_email

pytestmark = [pytest.mark.browser]

EMAIL = "browser-buyer@example.com"


@pytest.fixture(scope="module")
def listed_products(django_db_blocker, celery_worker):
    """The session stores' products as the directory lists them (the worker drains their feed); requested before
    the browser, so the buyer's rows are removed after it closes."""
    from django_tenants.utils import schema_context

    from platform.buyers.models import Buyer, PendingBuyerSignup
    from platform.directory.models import Listing
    from storefront.customers.models import Customer
    from tenants.models import Store
    from tests.support import wait_until

    with django_db_blocker.unblock():
        stores = {spec["slug"]: Store.objects.get(slug=spec["slug"]) for spec in (STORE_A, STORE_B)}

        def both_listed() -> dict:
            found = {
                slug: Listing.objects.filter(store_id=store.pk, title=spec["product"]).first()
                for (slug, store), spec in zip(stores.items(), (STORE_A, STORE_B), strict=True)
            }
            return found if all(found.values()) else {}

        listings = wait_until(both_listed, what="the session stores' products in the directory")
    yield {slug: listing.product_slug for slug, listing in listings.items()}
    with django_db_blocker.unblock():
        Buyer.objects.filter(email=EMAIL).delete()
        PendingBuyerSignup.objects.filter(email=EMAIL).delete()
        with schema_context(stores[STORE_A["slug"]].schema_name):
            Customer.objects.filter(email=EMAIL).delete()


def test_one_account_signs_in_on_a_store_saves_a_product_follows_another_store(
    listed_products, celery_worker, page, live_server_url, screenshot_dir
):
    port = live_server_url
    platform, store_a, store_b = (
        f"http://localhost:{port}",
        f"http://{STORE_A['slug']}.localhost:{port}",
        f"http://{STORE_B['slug']}.localhost:{port}",
    )

    page.goto(f"{platform}/buyer/signup/")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=name]", "Browser Buyer")
    page.fill("input[name=password]", "a long browser passphrase")
    page.click("#buyer-signup-form button[type=submit]")
    expect(page.locator("#buyer-signup-sent")).to_contain_text("Check your inbox")
    email = wait_for_email(celery_worker, to=EMAIL, subject="Confirm your Mercato account")
    link = re.search(r"http://localhost:\d+(/buyer/signup/confirm/\S+/)", email).group(1)
    page.goto(f"{platform}{link}")
    page.click("#buyer-signup-confirm button[type=submit]")
    page.wait_for_url(f"{platform}/buyer/")
    expect(page.locator("#buyer-who")).to_contain_text(EMAIL)

    # Store A: "Sign in with Mercato" goes through the platform site and comes back signed in, no password asked.
    page.goto(f"{store_a}/account/signin/")
    page.click("#mercato-signin button[type=submit]")
    page.wait_for_url(f"{store_a}/account/")
    expect(page.locator("#account-who")).to_contain_text(EMAIL)
    page.screenshot(path=screenshot_dir / "signed-in-on-store-a.png", full_page=True)

    # The heart on store A's product page, confirmed on the platform site, back to the product.
    page.goto(f"{store_a}/products/{listed_products[STORE_A['slug']]}/")
    page.click("#favourite-product")
    expect(page.locator("#favourite-what")).to_contain_text(STORE_A["product"])
    page.click("#favourite-confirm")
    page.wait_for_url(f"{store_a}/products/{listed_products[STORE_A['slug']]}/")

    # Follow store B from its own page.
    page.goto(f"{store_b}/")
    page.click("#follow-store")
    page.click("#follow-confirm")
    page.wait_for_url(f"{store_b}/")

    page.goto(f"{platform}/buyer/")
    expect(page.locator("#buyer-favourites")).to_contain_text(STORE_A["product"])
    expect(page.locator("#buyer-followed")).to_contain_text(STORE_B["name"])
    expect(page.locator("#buyer-new-from-followed")).to_contain_text(STORE_B["product"])
    page.screenshot(path=screenshot_dir / "buyer-account.png", full_page=True)
