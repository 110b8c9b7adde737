"""Directory search in Chinese: any run of a title's characters finds it, ranked, never "corrected" into a title."""

from django.conf import settings
from django_tenants.utils import schema_context

from platform.directory.models import SearchTerm
from platform.directory.selectors import SearchParams, corrected_query, search
from storefront.catalog.services import create_product
from tenants.services import suspend_store
from tests.directory.conftest import drain

PLATFORM = {"HTTP_HOST": settings.BASE_DOMAIN}
TEACUP = "手工陶瓷茶杯"
BOWL = "青花瓷碗"


def _titles(result) -> list[str]:
    return [hit.title for hit in result.hits]


def _chinese_catalog(store) -> None:
    with schema_context(store.schema_name):
        create_product(title=TEACUP, price="88.00", description="<p>景德镇手工拉坯\uff0c适合泡绿茶。</p>")
        create_product(title=BOWL, price="120.00", description="<p>釉下彩\uff0c可用于微波炉。</p>")
        create_product(title="Walnut Serving Board", price="40.00", description="<p>Oiled by hand.</p>")
    drain(store)


def test_a_chinese_title_is_found_by_any_run_of_its_characters_and_not_by_others(store_a):
    _chinese_catalog(store_a)
    for query in ("茶杯", "陶瓷", "茶", TEACUP, "陶瓷茶杯", "手工"):
        assert _titles(search(SearchParams(q=query))) == [TEACUP], query
    assert _titles(search(SearchParams(q="碗"))) == [BOWL]
    assert _titles(search(SearchParams(q="瓷"))) == [TEACUP, BOWL] or _titles(search(SearchParams(q="瓷"))) == [
        BOWL,
        TEACUP,
    ]
    # Characters the titles don't hold, or hold only apart (茶 and 碗, never 茶碗), find nothing.
    for query in ("电脑", "茶碗", "杯茶", "手工电脑"):
        result = search(SearchParams(q=query))
        assert (result.total, result.hits, result.corrected_query) == (0, [], ""), query


def test_a_chinese_description_is_searched_and_its_match_shown_in_the_snippet(store_a):
    _chinese_catalog(store_a)
    result = search(SearchParams(q="景德镇"))
    assert _titles(result) == [TEACUP]
    assert "<mark>景德镇</mark>" in result.hits[0].snippet_html
    assert search(SearchParams(q="茶杯")).hits[0].title_html == "手工陶瓷<mark>茶杯</mark>"


def test_the_title_ranks_before_a_tag_before_the_description_and_a_whole_word_before_a_fragment(store_a):
    with schema_context(store_a.schema_name):
        create_product(title="竹制托盘", price="30.00", description="<p>可以放一把紫砂壶。</p>")
        create_product(title="宜兴紫砂壶", price="300.00")
        create_product(title="木质茶盘", price="60.00", tags=["紫砂壶"])
        create_product(title="功夫茶具", price="90.00", tags=["紫砂壶配件"])
    drain(store_a)
    # Title, whole tag, fragment of a tag, description.
    assert _titles(search(SearchParams(q="紫砂壶"))) == ["宜兴紫砂壶", "木质茶盘", "功夫茶具", "竹制托盘"]

    with schema_context(store_a.schema_name):
        create_product(title="景德镇 茶杯", price="50.00")
    drain(store_a)
    _chinese_catalog(store_a)
    # "茶杯" written as a word of its own ranks above 茶杯 inside the longer run 手工陶瓷茶杯.
    result = search(SearchParams(q="茶杯"))
    assert _titles(result)[:2] == ["景德镇 茶杯", TEACUP]
    assert [hit.title_html for hit in result.hits[:2]] == ["景德镇 <mark>茶杯</mark>", "手工陶瓷<mark>茶杯</mark>"]


def test_a_correct_chinese_query_is_never_corrected_into_a_title(store_a):
    _chinese_catalog(store_a)
    assert corrected_query("陶瓷茶杯") == ""
    assert corrected_query("陶瓷电脑") == ""
    result = search(SearchParams(q="陶瓷茶杯"))
    assert (_titles(result), result.corrected_query) == ([TEACUP], "")
    # The word list never learns whole CJK titles, so nothing can be corrected into one.
    assert not SearchTerm.objects.filter(word__in=[TEACUP, BOWL]).exists()
    # A Latin typo next to a Chinese word is still corrected, and the Chinese word kept.
    with schema_context(store_a.schema_name):
        create_product(title="Ceramic 茶杯 Set", price="70.00")
    drain(store_a)
    result = search(SearchParams(q="ceramik 茶杯"))
    assert (result.corrected_query, _titles(result)) == ("ceramic 茶杯", ["Ceramic 茶杯 Set"])


def test_mixed_chinese_and_latin_text_is_found_by_either_part(store_a):
    with schema_context(store_a.schema_name):
        create_product(title="iPhone手机壳 透明", price="25.00")
        create_product(title="Ceramic 茶杯 Set", price="70.00")
        create_product(title="Ceramic Vase", price="45.00")
    drain(store_a)
    assert _titles(search(SearchParams(q="iphone"))) == ["iPhone手机壳 透明"]
    assert _titles(search(SearchParams(q="手机壳"))) == ["iPhone手机壳 透明"]
    assert _titles(search(SearchParams(q="iphone 透明"))) == ["iPhone手机壳 透明"]
    assert _titles(search(SearchParams(q="ceramic 茶杯"))) == ["Ceramic 茶杯 Set"]
    assert search(SearchParams(q="ceramic 电脑")).total == 0
    assert sorted(_titles(search(SearchParams(q="ceramic")))) == ["Ceramic Vase", "Ceramic 茶杯 Set"]


def test_the_search_endpoint_answers_chinese_queries_with_only_listed_stores(client, store_a, store_b):
    _chinese_catalog(store_a)
    with schema_context(store_b.schema_name):
        create_product(title="青瓷茶杯", price="66.00")
    drain(store_b)
    body = client.get("/search.json", {"q": "茶杯"}, **PLATFORM).json()
    assert sorted((r["store"]["slug"], r["title"]) for r in body["results"]) == [
        ("alpha", TEACUP),
        ("beta", "青瓷茶杯"),
    ]
    page = client.get("/search", {"q": "碗"}, **PLATFORM)
    assert page.status_code == 200 and "青花瓷<mark>碗</mark>" in page.content.decode()

    # A suspended store's Chinese listings leave the directory like any others.
    suspend_store(store=store_a, reason="unpaid")
    body = client.get("/search.json", {"q": "茶杯"}, **PLATFORM).json()
    assert [(r["store"]["slug"], r["title"]) for r in body["results"]] == [("beta", "青瓷茶杯")]
    assert client.get("/search.json", {"q": "碗"}, **PLATFORM).json()["total"] == 0


def test_japanese_and_korean_titles_are_found_by_any_run_of_their_characters(store_a):
    with schema_context(store_a.schema_name):
        for title in ("手作りの湯呑み", "ティーカップ", "도자기 찻잔", "녹차 사발"):
            create_product(title=title, price="20.00")
    drain(store_a)
    for query, found in (("湯呑", "手作りの湯呑み"), ("手作り", "手作りの湯呑み"), ("カップ", "ティーカップ"),
                         ("찻잔", "도자기 찻잔"), ("자기", "도자기 찻잔"), ("녹차", "녹차 사발"), ("사발", "녹차 사발")):  # fmt: skip
        assert _titles(search(SearchParams(q=query))) == [found], query
    for query in ("김치", "ボウル", "湯カップ"):
        result = search(SearchParams(q=query))
        assert (result.total, result.corrected_query) == (0, ""), query
