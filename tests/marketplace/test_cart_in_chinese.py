"""The cart across stores in Simplified Chinese for a Chinese browser, from the buyer's sign-in to the totals: nothing
of the interface left in English; only what the sellers wrote (store names, titles, the rate's name) stays."""

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from platform.buyers.models import Buyer
from tests.marketplace.conftest import PLATFORM_HOST, STORES, add_by_reference, cart_form, rate_ids
from tests.platform.buyers.support import make_buyer, sign_in_buyer
from tests.storefront.languages.support import english_left, visible_texts


@pytest.fixture
def chinese_buyer(stores) -> Iterator[Client]:
    make_buyer(email="lin@buyers.test")
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    yield browser
    connection.set_schema_to_public()
    Buyer.objects.filter(email="lin@buyers.test").delete()


def seller_content() -> list[str]:
    return [name for _, name, _, _, _ in STORES] + [title for _, _, title, _, _ in STORES] + ["Standard"]


def assert_chinese(response, where: str, stores, status: int = 200) -> str:
    assert response.status_code == status, (where, response.status_code)
    page = response.content.decode()
    left = english_left(visible_texts(page), seller_content=seller_content())
    assert not left, f"English left on {where}: {left}"
    return page


def test_the_cart_across_stores_is_in_chinese(stores, chinese_buyer):
    north, east = stores["mkt-north"], stores["mkt-east"]
    browser = chinese_buyer
    assert sign_in_buyer(browser, email="lin@buyers.test").status_code == 302
    empty = assert_chinese(browser.get("/cart/", HTTP_HOST=PLATFORM_HOST), "the empty cart", stores)
    assert "您的购物车是空的。" in empty

    assert add_by_reference(browser, north, quantity=2).status_code == 302
    assert add_by_reference(browser, east).status_code == 302
    cart = assert_chinese(browser.get("/cart/", HTTP_HOST=PLATFORM_HOST), "the cart", stores)
    assert "已加入购物车。" in cart and "一次付款" in cart

    totals = cart_form(browser, [north, east], **rate_ids([north, east]))
    page = assert_chinese(totals, "the cart's totals", stores)
    assert "North Mugs 合计" in page and "应付总额：" in page and "$" in page

    refused = browser.get("/cart/add/", {"ref": "not-a-reference", "quantity": 1}, HTTP_HOST=PLATFORM_HOST)
    assert "此商品链接无效" in assert_chinese(refused, "a refused addition", stores, status=400)
    account = assert_chinese(browser.get("/buyer/", HTTP_HOST=PLATFORM_HOST), "the buyer's account", stores)
    assert "您的 Mercato 账户" in account
