"""In a real browser: a buyer pays a CNY order with Alipay on the sandbox's hosted page, giving a Chinese address,
and sees the order paid once the asynchronous success webhook has been handled by the worker."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from tests.browser.test_purchase_in_browser import _forward_new_deliveries
from tests.support import WAIT_TIMEOUT, wait_until

pytestmark = [pytest.mark.browser]

SLUG = "browser-cny-tea"
TEACUP = "手工陶瓷茶杯"


@pytest.fixture(scope="module")
def cny_store(django_db_blocker, live_server_url, celery_worker, sandbox_server, webhook_receiver):
    """A store selling in CNY and shipping to China, committed before the browser starts; purged afterwards."""
    from django_tenants.utils import schema_context

    from storefront.catalog.services import create_product
    from storefront.checkout.models import ShippingRate, ShippingZone
    from storefront.themes.models import StoreProfile
    from tenants.services import provision_store, purge_store

    sandbox_server.control("POST", "/reset")
    webhook_receiver.clear()
    with django_db_blocker.unblock():
        store = provision_store(name="Tea House", slug=SLUG)
        with schema_context(store.schema_name):
            StoreProfile.objects.filter(pk=1).update(currency="CNY")
            create_product(title=TEACUP, price=Decimal("128.50"), stock=5, track_inventory=True)
            zone = ShippingZone.objects.create(name="China", countries=["CN"], tax_rate=Decimal("0"))
            ShippingRate.objects.create(zone=zone, name="SF Express", kind="flat", price=Decimal("12.00"))
    yield store
    with django_db_blocker.unblock():
        purge_store(store=store)


def test_buyer_pays_a_cny_order_with_alipay_and_sees_it_paid(
    cny_store, page, live_server_url, sandbox_server, webhook_receiver, celery_worker, screenshot_dir
):
    port = live_server_url
    store_url = f"http://{SLUG}.localhost:{port}"
    page.goto(f"{store_url}/")
    page.click(f"text={TEACUP}")
    page.wait_for_url(f"{store_url}/products/**")
    assert page.inner_text("#variant-price") == "¥128.50"
    page.click("#add-to-cart button[type=submit]")
    page.wait_for_url(f"{store_url}/cart/")
    page.click("text=Check out")

    page.wait_for_url(f"{store_url}/checkout/")
    page.fill("input[name=email]", "li.lei@example.cn")
    page.fill("input[name=name]", "李雷")
    page.fill("input[name=line1]", "天河路 385 号 1201 室")
    page.fill("input[name=city]", "广州市")
    page.fill("input[name=district]", "天河区")
    page.select_option("select[name=region]", "GD")
    page.fill("input[name=postal_code]", "510620")
    page.fill("input[name=phone]", "13800138000")
    page.click("button[name=action][value=update]")
    page.wait_for_selector("#summary-shipping:text-is('¥12.00')")
    assert page.inner_text("#summary-total") == "¥140.50"
    page.screenshot(path=screenshot_dir / "cny-1-checkout.png", full_page=True)
    page.click("button[name=action][value=pay]")

    # The hosted page offers Alipay and WeChat Pay beside the card form.
    page.wait_for_url(f"{sandbox_server.url}/c/pay/cs_test_**")
    assert "¥140.50" in page.inner_text("section.summary")
    assert page.locator("button.wallet").all_inner_texts() == ["Pay with Alipay", "Pay with WeChat Pay"]
    page.click("text=Pay with Alipay")
    page.wait_for_url(f"{sandbox_server.url}/c/pay/cs_test_**/alipay")
    page.screenshot(path=screenshot_dir / "cny-2-alipay.png", full_page=True)
    page.click("text=Authorize test payment")

    page.wait_for_url(f"{store_url}/orders/**")
    order_path = urlsplit(page.url).path
    session_id = urlsplit(page.url).query.removeprefix("session_id=")
    _forward_new_deliveries(sandbox_server, webhook_receiver, port, 0)
    assert webhook_receiver.types_for(session_id) == [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
    ]

    def paid() -> bool:
        page.goto(f"{store_url}{order_path}")
        return page.inner_text("#order-status") == "Thank you! Your payment was received."

    wait_until(paid, interval=0.5, timeout=2 * WAIT_TIMEOUT, what="the order page to show the order paid")
    summary = page.inner_text(".order-page")
    assert "¥140.50" in summary
    assert "天河区" in summary and "Mobile 13800138000" in summary
    page.screenshot(path=screenshot_dir / "cny-3-paid.png", full_page=True)
