"""The seller's dashboard of a store in Simplified Chinese: its menu, overview, product list, new-product form,
sign-in and translation pages show no English word but the seller's own content; a store in English keeps its
English dashboard."""

import pytest
from django.test import Client

from tests.conftest import host_of, sign_in_on
from tests.storefront.languages.support import DASHBOARD_WORDS, english_left, visible_texts
from tests.storefront.languages.test_store_language import chinese_store, get, seller_content

DASHBOARD_PAGES = (
    "/dashboard/",
    "/dashboard/products/",
    "/dashboard/products/?q=电脑",
    "/dashboard/products/new/",
    "/dashboard/products/{cup}/translations/",
)


def assert_dashboard_chinese(html: str, store, where: str, seller: str) -> None:
    # The store's own address and the seller's email are theirs, like the store's name.
    own = [*seller_content(store), host_of(store), seller]
    left = english_left(visible_texts(html), seller_content=own, allowed=DASHBOARD_WORDS)
    assert not left, f"English left on {where}: {left}"


@pytest.mark.parametrize("extra", [[], ["en"]])
def test_a_chinese_stores_dashboard_shows_no_english(client, store_a, owner_a, extra):
    cup, _ = chinese_store(store_a, extra=extra)
    sign_in_on(client, owner_a, store_a)
    for path in DASHBOARD_PAGES:
        path = path.format(cup=cup.pk)
        assert_dashboard_chinese(get(client, store_a, path), store_a, path, owner_a.email)
    home = get(client, store_a, "/dashboard/")
    assert "概览" in home and "您是本店的店主。" in home and "准备好您的店铺" in home
    assert "在售" in get(client, store_a, "/dashboard/products/")  # the product's status, translated
    signin = get(Client(), store_a, "/dashboard/login/")
    assert_dashboard_chinese(signin, store_a, "/dashboard/login/", "")
    assert "登录" in signin


def test_an_english_stores_dashboard_stays_in_english(client, store_a, store_b):
    chinese_store(store_a)
    english = get(Client(), store_b, "/dashboard/login/")
    assert '<html lang="en">' in english and "Sign in to" in english and "登录" not in english
    assert "登录" in get(Client(), store_a, "/dashboard/login/")  # store A's language reaches store A's pages only
