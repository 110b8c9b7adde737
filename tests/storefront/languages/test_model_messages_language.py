"""Messages written by models and validators (a taken slug or SKU, a colour) and the platform's refusal of a forged
sponsored link are in the reader's language, not fixed in English."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from storefront.catalog.models import Collection, Product, ProductVariant
from storefront.catalog.services import create_product
from storefront.themes.models import StoreProfile
from tests.storefront.checkout.support import in_store


def _messages(error: ValidationError) -> list[str]:
    return [str(message) for messages in error.message_dict.values() for message in messages]


def test_a_taken_slug_or_sku_is_refused_in_chinese_and_in_english(store_a):
    with in_store(store_a):
        product = create_product(title="Tea cup", price="12.00", slug="tea-cup", sku="CUP-1")
        Collection.objects.create(title="Cups", slug="cups")
        twins = [
            (Product(title="Another cup", slug="tea-cup", price=product.price), "本店已有其他商品使用此网址别名。"),
            (ProductVariant(product=product, sku="CUP-1", price=product.price), "本店已有其他规格使用此 SKU。"),
            (Collection(title="More cups", slug="cups"), "本店已有其他商品系列使用此网址别名。"),
        ]
        for twin, chinese in twins:
            with translation.override("zh-hans"):
                with pytest.raises(ValidationError) as refused:
                    twin.validate_unique()
                assert chinese in _messages(refused.value), _messages(refused.value)
            with translation.override("en"):
                with pytest.raises(ValidationError) as refused:
                    twin.validate_unique()
                assert any(message.startswith("Another ") for message in _messages(refused.value))


def test_a_colour_that_is_not_one_is_refused_in_chinese(store_a):
    with in_store(store_a):
        profile = StoreProfile.objects.get()
        profile.primary_colour = "red"
        with translation.override("zh-hans"):
            with pytest.raises(ValidationError) as refused:
                profile.full_clean()
            assert refused.value.message_dict["primary_colour"] == ["请输入颜色值，例如 #1d2330。"]


def test_a_forged_sponsored_link_is_refused_in_the_visitors_language(client):
    url = "/sponsored/click/not-a-real-token/"
    chinese = client.get(url, HTTP_HOST=settings.BASE_DOMAIN, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert chinese.status_code == 400 and chinese.content.decode() == "此推广链接无效。"
    english = client.get(url, HTTP_HOST=settings.BASE_DOMAIN, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and english.content.decode() == "This sponsored link is not valid."
