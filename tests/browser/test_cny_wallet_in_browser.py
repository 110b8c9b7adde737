"""In a real browser: a buyer pays a CNY order with Alipay on the sandbox's hosted page, giving a Chinese address,
and sees the order paid once the asynchronous success webhook has been handled by the worker."""

import pytest

from tests.browser.buying import ChineseAddress, check_out_to_china, store_selling_in_china, wait_for_the_wallet_payment

pytestmark = [pytest.mark.browser]

SLUG = "browser-cny-tea"
TEACUP = "手工陶瓷茶杯"
LI_LEI = ChineseAddress(
    name="李雷", line1="天河路 385 号 1201 室", city="广州市", district="天河区", region="GD", postal_code="510620",
    phone="13800138000",
)  # fmt: skip


@pytest.fixture(scope="module")
def cny_store(django_db_blocker, live_server_url, celery_worker, sandbox_server, webhook_receiver):
    with store_selling_in_china(
        django_db_blocker, sandbox_server, webhook_receiver, name="Tea House", slug=SLUG,
        product=(TEACUP, "128.50", 5), zone="China", rate=("SF Express", "12.00"),
    ) as store:  # fmt: skip
        yield store


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
    check_out_to_china(page, LI_LEI, email="li.lei@example.cn", shipping="¥12.00")
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

    wait_for_the_wallet_payment(
        page, store_url=store_url, port=port, sandbox_server=sandbox_server, webhook_receiver=webhook_receiver,
        paid_status="Thank you! Your payment was received.",
    )  # fmt: skip
    summary = page.inner_text(".order-page")
    assert "¥140.50" in summary
    assert "天河区" in summary and "Mobile 13800138000" in summary
    page.screenshot(path=screenshot_dir / "cny-3-paid.png", full_page=True)
