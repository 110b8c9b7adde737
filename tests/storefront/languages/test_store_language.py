"""A store in Simplified Chinese shows its buying path, from home page to order email, without an English word
left; buyers switch among the languages the store offers, and one store's language never leaks into another's."""

import email
import email.policy
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from storefront.catalog.models import Product, ProductVariant
from storefront.catalog.services import create_product
from storefront.checkout.models import ShippingRate, ShippingZone
from storefront.orders.emails import drain_order_emails
from storefront.orders.models import Order
from storefront.themes.models import NavigationLink, Page, StoreProfile
from storefront.themes.selectors import store_profile
from storefront.themes.services import update_profile
from tests.conftest import STORE_A, host_of, sign_in_on
from tests.storefront.checkout.support import add, checkout_page, in_store, pay, pay_on_stripe, review
from tests.storefront.languages.support import english_left, visible_texts

TEA_CUP = "手工陶瓷茶杯"
ADDRESS = {"email": "buyer@example.com", "name": "王小明", "line1": "新宿区西新宿2-8-1", "city": "东京",
           "postal_code": "163-8001", "country": "JP"}  # fmt: skip


def chinese_store(store, *, theme: str = "classic", extra: list[str] | None = None) -> tuple[Product, ShippingRate]:
    """``store`` in zh-hans, selling a tea cup and shipping to Japan; its menu, like its products, in Chinese."""
    with in_store(store):
        update_profile(profile=store_profile(), language="zh-hans", extra_languages=extra or [], theme=theme)
        NavigationLink.objects.all().delete()
        NavigationLink.objects.create(label="关于我们", url="/pages/about/")
        cup = create_product(title=TEA_CUP, price="1234.50", description="<p>景德镇手工烧制。</p>", sku="CUP-01")
        zone = ShippingZone.objects.create(name="日本", countries=["JP"])
        rate = ShippingRate.objects.create(zone=zone, name="标准快递", kind="flat", price="30.00")
    return cup, rate


def seller_content(store) -> list[str]:
    """What the seller wrote (store name, product titles, the homepage's words): it stays in the seller's words,
    whatever the language."""
    with in_store(store):
        titles = list(Product.objects.values_list("title", flat=True))
        titles += list(ProductVariant.objects.values_list("sku", flat=True))
        profile = StoreProfile.objects.get()
        pages = [(page.title, page.body) for page in Page.objects.all()]
    page_texts = [text for title, body in pages for text in (title, *visible_texts(body))]
    return [store.name, *titles, profile.hero_title, profile.hero_text, profile.tagline, *page_texts]


def assert_all_chinese(html: str, store, where: str) -> None:
    left = english_left(visible_texts(html), seller_content=seller_content(store))
    assert not left, f"English left on {where}: {left}"


def get(client, store, path: str):
    response = client.get(path, HTTP_HOST=host_of(store))
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def test_the_detector_catches_a_forgotten_string():
    """The check the page tests rely on: one unmarked label among Chinese text is found; seller content is not."""
    page = '<p>购物车</p><button>Add to cart</button><p>Alpha Outfitters</p><input placeholder="Search">'
    assert english_left(visible_texts(page), seller_content=["Alpha Outfitters"]) == ["Add to cart", "Search"]
    assert english_left(visible_texts("<p>由 Mercato 提供支持</p><script>var x</script>"), seller_content=[]) == []


@pytest.mark.parametrize("theme", ["classic", "midnight"])
def test_a_chinese_store_shows_its_pages_without_english(client, store_a, theme):
    cup, _ = chinese_store(store_a, theme=theme)
    home = get(client, store_a, "/")
    assert '<html lang="zh-hans">' in home
    assert "查看全部商品 →" in home
    for path in ("/", "/products/", f"/products/{cup.slug}/", "/search/?q=茶杯", "/contact/", "/account/signin/",
                 "/account/signup/"):  # fmt: skip
        assert_all_chinese(get(client, store_a, path), store_a, path)
    product_page = get(client, store_a, f"/products/{cup.slug}/")
    assert "加入购物车" in product_page and "$1,234.50" in product_page


def test_cart_checkout_order_page_and_confirmation_email_are_in_chinese(client, store_a, sandbox_server, mailoutbox):
    cup, rate = chinese_store(store_a)
    with in_store(store_a):
        variant = cup.variants.get()
    add(client, store_a, variant, 2)
    cart = get(client, store_a, "/cart/")
    assert "已加入购物车。" in cart and "$2,469.00" in cart
    assert_all_chinese(cart, store_a, "the cart")

    page, key = checkout_page(client, store_a)
    assert_all_chinese(page.content.decode(), store_a, "the checkout")
    summary, quoted = review(client, store_a, key, shipping_rate=rate.pk, **ADDRESS)
    assert "标准快递" in summary.content.decode() and "支付 $2,499.00" in summary.content.decode()
    assert_all_chinese(summary.content.decode(), store_a, "the checkout's summary")
    wrong = client.post("/checkout/", {**ADDRESS, "email": "not an address", "checkout_key": key, "action": "pay",
                                       "quoted": quoted, "shipping_rate": rate.pk}, HTTP_HOST=host_of(store_a))  # fmt: skip
    assert "请输入有效的电子邮箱地址。" in wrong.content.decode()
    assert_all_chinese(wrong.content.decode(), store_a, "the checkout's errors")

    paying = pay(client, store_a, key, quoted, shipping_rate=rate.pk, **ADDRESS)
    assert paying.status_code == 302
    with in_store(store_a):
        order = Order.objects.get()
    awaiting = get(client, store_a, f"/orders/{order.token}/")
    assert "等待付款。" in awaiting and "立即付款" in awaiting
    assert_all_chinese(awaiting, store_a, "the order page awaiting payment")

    pay_on_stripe(paying["Location"])
    paid = get(client, store_a, f"/orders/{order.token}/")
    assert "谢谢！我们已收到您的付款。" in paid
    today = timezone.localdate(order.created_at, timezone.get_current_timezone())
    assert f"{today.year}年{today.month}月{today.day}日" in paid  # the order's history, dated the Chinese way
    assert_all_chinese(paid, store_a, "the paid order page")

    with in_store(store_a):
        drain_order_emails()
    confirmation = next(message for message in mailoutbox if message.to == [ADDRESS["email"]])
    parsed = email.message_from_bytes(confirmation.message().as_bytes(), policy=email.policy.default)
    assert str(parsed["Subject"]) == f"{STORE_A['name']}: 订单 #{order.pk} 已确认"
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    assert f"感谢您的订单 #{order.pk}。" in text and "总计: 2499.00 USD" in text
    assert '<html lang="zh-hans">' in html
    assert_all_chinese(html, store_a, "the confirmation email")
    assert english_left(text.splitlines(), seller_content=seller_content(store_a)) == []


def test_the_selector_switches_among_the_offered_languages_only(client, store_a, store_b):
    chinese_store(store_a, extra=["en"])
    home = get(client, store_a, "/")
    assert 'id="language-selector"' in home and 'value="en"' in home and "购物车" in home
    switched = client.post("/language/", {"language": "en", "next": "/products/"}, HTTP_HOST=host_of(store_a))
    assert switched.status_code == 302 and switched["Location"] == "/products/"
    assert switched.cookies["mercato_language"].value == "en"
    english = get(client, store_a, "/")
    assert '<html lang="en">' in english and ">Cart<" in english

    # Beta offers English only: Chinese is refused there, and Alpha's choice cookie doesn't make Beta Chinese.
    refused = client.post("/language/", {"language": "zh-hans"}, HTTP_HOST=host_of(store_b))
    assert refused.status_code == 400 and "mercato_language" not in refused.cookies
    assert "offered" in refused.content.decode()
    client.cookies["mercato_language"] = "zh-hans"
    assert '<html lang="en">' in get(client, store_b, "/")
    assert 'id="language-selector"' not in get(client, store_b, "/")  # one language: nothing to choose

    for bad in ({"language": "xx"}, {"language": ""}, {}):
        assert client.post("/language/", bad, HTTP_HOST=host_of(store_a)).status_code == 400
    # It goes back to a page of this store only; and a post from another site's page is refused.
    away = client.post("/language/", {"language": "en", "next": "https://evil.test/"}, HTTP_HOST=host_of(store_a))
    assert away["Location"] == "/"
    cross_site = client.post(
        "/language/", {"language": "en"}, HTTP_HOST=host_of(store_a), HTTP_ORIGIN="https://evil.test"
    )
    assert cross_site.status_code == 400
    assert client.get("/language/", HTTP_HOST=host_of(store_a)).status_code == 405


def test_the_page_cache_keeps_each_language_and_each_store_apart(store_a, store_b):
    cup, _ = chinese_store(store_a, extra=["en"])
    chinese_visitor, english_visitor, beta_visitor = Client(), Client(), Client()
    english_visitor.cookies["mercato_language"] = "en"
    path = f"/products/{cup.slug}/"
    first = chinese_visitor.get(path, HTTP_HOST=host_of(store_a))
    assert first["X-Page-Cache"] == "miss" and "加入购物车" in first.content.decode()
    again = chinese_visitor.get(path, HTTP_HOST=host_of(store_a))
    assert again["X-Page-Cache"] == "hit" and "加入购物车" in again.content.decode()
    english = english_visitor.get(path, HTTP_HOST=host_of(store_a))
    assert english["X-Page-Cache"] == "miss" and "Add to cart" in english.content.decode()
    assert "加入购物车" in chinese_visitor.get(path, HTTP_HOST=host_of(store_a)).content.decode()
    # Beta, in English, next to a Chinese Alpha: its cached home page is its own, in its own language.
    for _ in range(2):
        beta_home = beta_visitor.get("/", HTTP_HOST=host_of(store_b)).content.decode()
        assert '<html lang="en">' in beta_home and ">Cart<" in beta_home and "购物车" not in beta_home
    assert "购物车" in chinese_visitor.get("/", HTTP_HOST=host_of(store_a)).content.decode()


def test_the_seller_sets_the_default_and_extra_languages_in_the_dashboard(client, store_a, store_b, owner_a):
    sign_in_on(client, owner_a, store_a)
    form = get(client, store_a, "/dashboard/settings/")
    assert 'name="language"' in form and 'name="extra_languages"' in form
    settings_post = {"name": STORE_A["name"], "theme": "classic", "primary_colour": "#1d2330",
                     "accent_colour": "#3355ff", "currency": "USD", "language": "zh-hans", "extra_languages": ["en"]}  # fmt: skip
    response = client.post("/dashboard/settings/", settings_post, HTTP_HOST=host_of(store_a))
    assert response.status_code == 302
    with in_store(store_a):
        saved = StoreProfile.objects.get()
    assert (saved.language, saved.extra_languages) == ("zh-hans", ["en"])
    with in_store(store_b):
        assert StoreProfile.objects.get().language == "en"
    refused = client.post("/dashboard/settings/", {**settings_post, "language": "klingon"}, HTTP_HOST=host_of(store_a))
    assert refused.status_code == 400 or 'class="errorlist' in refused.content.decode()
    with in_store(store_a):
        assert StoreProfile.objects.get().language == "zh-hans"


def test_the_platform_site_follows_the_browsers_language(client, store_a, store_b):
    from django.conf import settings

    host = settings.BASE_DOMAIN
    chinese = client.get("/", HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    page = chinese.content.decode()
    assert chinese["Content-Language"] == "zh-hans" and "独立店铺，汇聚一处" in page
    assert "Accept-Language" in chinese["Vary"]
    # The stores listed are named by their sellers; their addresses are links.
    assert english_left(visible_texts(page), seller_content=[store_a.name, store_b.name]) == []
    english = client.get("/", HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert "Independent stores, one marketplace" in english.content.decode()
    assert 'id="language-selector"' in english.content.decode()
    # The selector's choice wins over the browser's.
    client.post("/language/", {"language": "en"}, HTTP_HOST=host)
    assert "Independent stores" in client.get("/", HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    for path in ("/signup/", "/directory/stores/", "/search?q=茶杯"):
        assert "搜索" in Client().get(path, HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode(), path


def test_order_dates_follow_the_language():
    from django.template import Context, Template
    from django.utils import translation

    day = date(2026, 12, 6)
    with translation.override("zh-hans"):
        assert Template("{{ day|date }}").render(Context({"day": day})) == "2026年12月6日"
    with translation.override("en"):
        assert Template("{{ day|date }}").render(Context({"day": day})) == "Dec. 6, 2026"
