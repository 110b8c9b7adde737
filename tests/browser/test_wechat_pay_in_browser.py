"""In a real browser posing as WeChat's in-app browser on a phone: a buyer opens a store in Simplified Chinese, pays
a CNY order with WeChat Pay on the sandbox's hosted page, and sees the order paid, in Chinese, once the
asynchronous success webhook has been handled by the worker."""

import pytest

from tests.browser.buying import ChineseAddress, check_out_to_china, store_selling_in_china, wait_for_the_wallet_payment
from tests.support import WAIT_TIMEOUT

pytestmark = [pytest.mark.browser]

SLUG = "browser-wechat-tea"
TEAPOT = "紫砂茶壶"
# What WeChat's own browser sends on an iPhone (the MicroMessenger token is how sites recognise it).
WECHAT_USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)
PHONE = {"width": 390, "height": 844}
HAN_MEIMEI = ChineseAddress(
    name="韩梅梅", line1="南京西路 1266 号 2 号楼 801 室", city="上海市", district="静安区", region="SH",
    postal_code="200040", phone="13912345678",
)  # fmt: skip


@pytest.fixture(scope="module")
def chinese_store(django_db_blocker, live_server_url, celery_worker, sandbox_server, webhook_receiver):
    """A store in zh-hans selling in CNY and shipping to China."""
    with store_selling_in_china(
        django_db_blocker, sandbox_server, webhook_receiver, name="紫砂小铺", slug=SLUG,
        product=(TEAPOT, "268.00", 3), zone="中国", rate=("顺丰速运", "15.00"), language="zh-hans",
    ) as store:  # fmt: skip
        yield store


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
    check_out_to_china(page, HAN_MEIMEI, email="han.meimei@example.cn", shipping="¥15.00")
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

    wait_for_the_wallet_payment(
        page, store_url=store_url, port=port, sandbox_server=sandbox_server, webhook_receiver=webhook_receiver,
        paid_status="谢谢！我们已收到您的付款。",
    )  # fmt: skip
    summary = page.inner_text(".order-page")
    assert "¥283.00" in summary and "静安区" in summary and "手机 13912345678" in summary
    page.screenshot(path=screenshot_dir / "wechat-3-paid.png", full_page=True)
