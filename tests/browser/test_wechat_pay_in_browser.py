"""In a real browser posing as WeChat's in-app browser on a phone: a buyer opens a store in Simplified Chinese, pays
a CNY order with WeChat Pay on the sandbox's hosted page, and sees the order paid, in Chinese, once the
asynchronous success webhook has been handled by the worker."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from tests.browser.test_purchase_in_browser import _forward_new_deliveries
from tests.support import WAIT_TIMEOUT, wait_until

pytestmark = [pytest.mark.browser]

SLUG = "browser-wechat-tea"
TEAPOT = "紫砂茶壶"
# What WeChat's own browser sends on an iPhone (the MicroMessenger token is how sites recognise it).
WECHAT_USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def chinese_store(django_db_blocker, live_server_url, celery_worker, sandbox_server, webhook_receiver):
    """A store in zh-hans selling in CNY and shipping to China, committed before the browser starts; purged after."""
    from django_tenants.utils import schema_context

    from storefront.catalog.services import create_product
    from storefront.checkout.models import ShippingRate, ShippingZone
    from storefront.themes.models import StoreProfile
    from tenants.services import provision_store, purge_store

    sandbox_server.control("POST", "/reset")
    webhook_receiver.clear()
    with django_db_blocker.unblock():
        store = provision_store(name="紫砂小铺", slug=SLUG)
        with schema_context(store.schema_name):
            StoreProfile.objects.filter(pk=1).update(currency="CNY", language="zh-hans")
            create_product(title=TEAPOT, price=Decimal("268.00"), stock=3, track_inventory=True)
            zone = ShippingZone.objects.create(name="中国", countries=["CN"], tax_rate=Decimal("0"))
            ShippingRate.objects.create(zone=zone, name="顺丰速运", kind="flat", price=Decimal("15.00"))
    yield store
    with django_db_blocker.unblock():
        purge_store(store=store)


def test_a_buyer_in_wechats_browser_pays_with_wechat_pay_in_chinese(
    chinese_store, browser, live_server_url, sandbox_server, webhook_receiver, celery_worker, screenshot_dir
):
    context = browser.new_context(user_agent=WECHAT_USER_AGENT, viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(WAIT_TIMEOUT * 1000)
    page = context.new_page()
    try:
        _buy_with_wechat_pay(page, live_server_url, sandbox_server, webhook_receiver, screenshot_dir)
    finally:
        context.close()


def _buy_with_wechat_pay(page, port, sandbox_server, webhook_receiver, screenshot_dir) -> None:
    store_url = f"http://{SLUG}.localhost:{port}"
    page.goto(f"{store_url}/")
    assert page.evaluate("navigator.userAgent").endswith("Language/zh_CN")
    assert page.get_attribute("html", "lang") == "zh-hans"
    page.click(f"text={TEAPOT}")
    page.wait_for_url(f"{store_url}/products/**")
    assert page.inner_text("#variant-price") == "¥268.00"
    page.click("#add-to-cart button[type=submit]")
    page.wait_for_url(f"{store_url}/cart/")
    page.click("text=去结账")

    page.wait_for_url(f"{store_url}/checkout/")
    page.fill("input[name=email]", "han.meimei@example.cn")
    page.fill("input[name=name]", "韩梅梅")
    page.fill("input[name=line1]", "南京西路 1266 号 2 号楼 801 室")
    page.fill("input[name=city]", "上海市")
    page.fill("input[name=district]", "静安区")
    page.select_option("select[name=region]", "SH")
    page.fill("input[name=postal_code]", "200040")
    page.fill("input[name=phone]", "13912345678")
    page.click("button[name=action][value=update]")
    page.wait_for_selector("#summary-shipping:text-is('¥15.00')")
    assert page.inner_text("#summary-total") == "¥283.00"
    page.screenshot(path=screenshot_dir / "wechat-1-checkout.png", full_page=True)
    page.click("button[name=action][value=pay]")

    page.wait_for_url(f"{sandbox_server.url}/c/pay/cs_test_**")
    assert "¥283.00" in page.inner_text("section.summary")
    page.click("text=Pay with WeChat Pay")
    page.wait_for_url(f"{sandbox_server.url}/c/pay/cs_test_**/wechat_pay")
    assert "scan a QR code with WeChat" in page.inner_text("body")
    page.screenshot(path=screenshot_dir / "wechat-2-wallet.png", full_page=True)
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
        return page.inner_text("#order-status") == "谢谢！我们已收到您的付款。"

    wait_until(paid, interval=0.5, timeout=2 * WAIT_TIMEOUT, what="the order page to show the order paid")
    summary = page.inner_text(".order-page")
    assert "¥283.00" in summary and "静安区" in summary and "手机 13912345678" in summary
    page.screenshot(path=screenshot_dir / "wechat-3-paid.png", full_page=True)
