"""In a real browser: a buyer buys from a demo store, pays on the sandbox's hosted page and sees the order paid.

The store is provisioned and seeded here the way `make run` seeds its demo stores (products with drawn pictures,
the demo shipping zone), and purged afterwards. The sandbox delivers its webhooks to the suite's receiver, so the
test forwards those signed deliveries to the live server's Stripe endpoint, where the real Celery worker takes them.
"""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from tests.browser.buying import (
    BOSTON,
    PORTLAND,
    check_out_from_the_cart,
    check_out_with_standard_shipping,
    forward_new_deliveries,
    pay_for_the_order,
)
from tests.conftest import wait_for_email
from tests.support import WAIT_TIMEOUT, wait_until

pytestmark = [pytest.mark.browser]

SLUG = "browser-demo-coffee"
BUYER_EMAIL = "browser-buyer@example.com"
CUSTOMER_EMAIL = "browser-customer@example.com"
CUSTOMER_PASSWORD = "a long customer password 31"


@pytest.fixture(scope="module")
def demo_store(django_db_blocker, live_server_url, celery_worker, sandbox_server, webhook_receiver):
    """Committed before the browser starts (the ORM can't run under its event loop); purged after it closes."""
    from django_tenants.utils import schema_context

    from storefront.catalog.services import create_product
    from storefront.customers.services import register_customer
    from storefront.demo import _ensure_demo_shipping, product_picture
    from storefront.demo_catalog import DEMO_STORES
    from tenants.services import provision_store, purge_store

    sandbox_server.control("POST", "/reset")
    webhook_receiver.clear()
    demo = DEMO_STORES[0]
    with django_db_blocker.unblock():
        store = provision_store(name=demo.name, slug=SLUG)
        with schema_context(store.schema_name):
            _ensure_demo_shipping()
            for title, price, description in demo.products[:3]:
                create_product(
                    title=title, price=Decimal(price), description=description, image_bytes=product_picture(title)
                )
            register_customer(email=CUSTOMER_EMAIL, password=CUSTOMER_PASSWORD, name="Casey Customer")
    yield demo
    with django_db_blocker.unblock():
        purge_store(store=store)


def test_buyer_pays_on_the_hosted_page_and_sees_the_order_paid(
    demo_store, page, live_server_url, sandbox_server, webhook_receiver, celery_worker, screenshot_dir
):
    port = live_server_url
    store_url = f"http://{SLUG}.localhost:{port}"
    product_title = demo_store.products[0][0]  # "Ethiopia Yirgacheffe, 250 g", 14.50

    page.goto(f"{store_url}/")
    page.click(f"text={product_title}")
    page.wait_for_url(f"{store_url}/products/**")
    assert page.inner_text("#variant-price") == "$14.50"
    page.screenshot(path=screenshot_dir / "1-product.png", full_page=True)
    page.fill("#add-to-cart input[name=quantity]", "2")
    page.click("#add-to-cart button[type=submit]")

    page.wait_for_url(f"{store_url}/cart/")
    assert "Added to your cart." in page.inner_text(".cart-page")
    assert product_title in page.inner_text(".cart-lines")
    # The demo zone's two rates; "Free over $75" does not apply to $29.00, so Standard is the one on offer.
    # 2 x 14.50 = 29.00, shipping 6.00, and the zone's 8 % tax on the goods: 2.32.
    check_out_from_the_cart(page, store_url=store_url, buyer=PORTLAND, email=BUYER_EMAIL, total="$37.32")
    assert page.inner_text("#summary-subtotal") == "$29.00"
    assert page.inner_text("#summary-tax") == "$2.32"
    page.screenshot(path=screenshot_dir / "2-checkout.png", full_page=True)

    # The sandbox's hosted Checkout page, with the buyer's email given by the store; then back on the store's
    # order page, reached by its secret link.
    pay_for_the_order(
        page,
        store_url=store_url,
        sandbox_url=sandbox_server.url,
        name="Robin Buyer",
        total="$37.32",
        email=BUYER_EMAIL,
        screenshot=screenshot_dir / "3-hosted-payment-page.png",
    )
    order_path = urlsplit(page.url).path
    session_id = urlsplit(page.url).query.removeprefix("session_id=")
    assert session_id.startswith("cs_test_")

    # Stripe's webhooks reach the live server; the worker processes them. Reload until the order reads paid.
    forwarded = forward_new_deliveries(sandbox_server, webhook_receiver, port, 0)
    assert "checkout.session.completed" in webhook_receiver.types_for(session_id)
    assert forwarded >= 1

    def paid() -> bool:
        page.goto(f"{store_url}{order_path}")
        return page.inner_text("#order-status") == "Thank you! Your payment was received."

    wait_until(paid, interval=0.5, timeout=2 * WAIT_TIMEOUT, what="the order page to show the order paid")
    assert page.inner_text("#order-status") == "Thank you! Your payment was received."
    assert f"2 \N{MULTIPLICATION SIGN} {product_title}" in page.inner_text(".order-page .summary")
    assert "$37.32" in page.inner_text(".order-page .summary")
    # Paid exactly once, whether the return visit or the webhook got there first.
    timeline = page.locator(".timeline li")
    kinds = [timeline.nth(i).inner_text().split(" — ", 1)[1] for i in range(timeline.count())]
    assert kinds == ["Order placed", "Payment started", "Paid"]
    page.screenshot(path=screenshot_dir / "4-order-paid.png", full_page=True)

    # The worker sent the confirmation with the same secret link; the cart was emptied by the payment.
    order_number = page.inner_text(".order-page h1").removeprefix("Order #")
    email = wait_for_email(celery_worker, to=BUYER_EMAIL, subject=f"order #{order_number} confirmed")
    assert f"{store_url}{order_path}" in email
    assert "\n  2 x 14.50 USD = 29.00 USD\n" in email and "\nTotal: 37.32 USD\n" in email
    page.goto(f"{store_url}/cart/")
    assert page.locator(".cart-lines").count() == 0


def test_signed_in_buyer_keeps_the_cart_and_finds_the_paid_order_in_the_account(
    demo_store, page, live_server_url, sandbox_server, screenshot_dir
):
    store_url = f"http://{SLUG}.localhost:{live_server_url}"
    product_title = demo_store.products[1][0]  # "Colombia Huila, 250 g", 12.90

    page.goto(f"{store_url}/")
    page.click(f"text={product_title}")
    page.click("#add-to-cart button[type=submit]")
    page.wait_for_url(f"{store_url}/cart/")
    cookie_before = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")

    # Signing in from the header's Account link; the session gets a new id and keeps the cart.
    page.click("header a.store-account")
    page.wait_for_url(f"{store_url}/account/signin/?next=%2Faccount%2F")
    page.fill("#signin-form input[name=email]", CUSTOMER_EMAIL)
    page.fill("#signin-form input[name=password]", "not the password")
    page.click("#signin-form button[type=submit]")
    assert page.inner_text("#account-error") == "Email or password is incorrect."
    page.fill("#signin-form input[name=password]", CUSTOMER_PASSWORD)
    page.click("#signin-form button[type=submit]")
    page.wait_for_url(f"{store_url}/account/")
    assert page.inner_text("#account-who") == f"Signed in as Casey Customer ({CUSTOMER_EMAIL})."
    assert next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid") != cookie_before
    page.goto(f"{store_url}/cart/")
    assert product_title in page.inner_text(".cart-lines")

    page.click("text=Check out")
    page.wait_for_url(f"{store_url}/checkout/")
    assert page.input_value("input[name=email]") == CUSTOMER_EMAIL
    check_out_with_standard_shipping(page, BOSTON, email=None)
    pay_for_the_order(page, store_url=store_url, sandbox_url=sandbox_server.url, name="Casey Customer")
    order_number = page.inner_text(".order-page h1").removeprefix("Order #")

    page.goto(f"{store_url}/account/")
    rows = page.locator("#account-orders tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("td").nth(0).inner_text() == f"Order #{order_number}"
    # 12.90, shipping 6.00, 8 % tax on the goods 1.03; paid, since the return visit asked Stripe.
    assert rows.first.locator("td").nth(2).inner_text() == "Paid"
    assert rows.first.locator("td").nth(3).inner_text() == "$19.93"
    page.screenshot(path=screenshot_dir / "account-orders.png", full_page=True)
    page.click(f"text=Order #{order_number}")
    page.wait_for_url(f"{store_url}/orders/**")
    assert page.inner_text("#order-status") == "Thank you! Your payment was received."
