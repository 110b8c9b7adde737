"""Japanese and Korean titles: the store's search finds any run of their kana, kanji or Hangul, and their addresses
and SKUs are spelled in Latin letters that resolve; nothing of one store shows in another."""

import re

import pytest
from django_tenants.utils import schema_context

from storefront.catalog.models import ProductVariant
from tests.conftest import host_of
from tests.storefront.catalog.factories import make_product

YUNOMI = "手作りの湯呑み"
TEA_CUP_KANA = "ティーカップ"
KOREAN_CUP = "도자기 찻잔"
KOREAN_BOWL = "녹차 사발"


def _titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/products/[\w-]+/">([^<]+)</a></h3>', html)


def _search(client, store, q: str) -> list[str]:
    response = client.get("/search/", {"q": q}, HTTP_HOST=host_of(store))
    assert response.status_code == 200
    return sorted(_titles(response.content.decode()))


@pytest.fixture
def shelf(store_a):
    for title in (YUNOMI, TEA_CUP_KANA, KOREAN_CUP, KOREAN_BOWL):
        make_product(store_a, title, "20.00")
    return store_a


def test_the_store_search_finds_japanese_and_korean_titles_by_any_run_of_characters(client, shelf, store_b):
    for query in ("湯呑", "手作り", "の", "カップ", "ティー", YUNOMI):
        expected = [YUNOMI] if query != "カップ" and query != "ティー" else [TEA_CUP_KANA]
        assert _search(client, shelf, query) == expected, query
    for query in ("도자기", "찻잔", "잔", "자기"):
        assert _search(client, shelf, query) == [KOREAN_CUP], query
    assert _search(client, shelf, "녹차") == [KOREAN_BOWL]
    for query in ("ボウル", "김치", "湯呑 カップ"):
        assert _search(client, shelf, query) == [], query
    assert _search(client, store_b, "찻잔") == []  # store B holds none of store A's products


def test_japanese_and_korean_titles_get_latin_addresses_and_skus_that_resolve(client, shelf):
    with schema_context(shelf.schema_name):
        found = {
            variant.product.title: (variant.product.slug, variant.sku)
            for variant in ProductVariant.objects.select_related("product").filter(product__title__in=[
                YUNOMI, TEA_CUP_KANA, KOREAN_CUP, KOREAN_BOWL])
        }  # fmt: skip
    assert found == {
        TEA_CUP_KANA: ("tikappu", "TIKAPPU"),
        KOREAN_CUP: ("dojagi-chatjan", "DOJAGI-CHATJAN"),
        KOREAN_BOWL: ("nokcha-sabal", "NOKCHA-SABAL"),
        # Kanji have no Japanese reading here: pinyin, readable and ASCII; the kana between them spelled out.
        YUNOMI: ("shou-zuo-rino-tang-tun-mi", "SZ-RINO-TT-MI"),
    }
    for title, (slug, _sku) in found.items():
        page = client.get(f"/products/{slug}/", HTTP_HOST=host_of(shelf))
        assert page.status_code == 200 and f"<h1>{title}</h1>" in page.content.decode(), slug
    # A second product of the same title gets the next address, not "product".
    second = make_product(shelf, KOREAN_CUP, "25.00")
    assert second.slug == "dojagi-chatjan-2"
