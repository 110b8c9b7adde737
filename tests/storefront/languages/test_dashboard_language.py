"""The seller's dashboard of a store in Simplified Chinese: its menu, overview, product list, new-product form,
sign-in and translation pages, and the pages a seller opens every day (orders and an order, settings, shipping,
promotions, payouts, sponsored placement, inbox, reviews) show no English word but the seller's own content; a store
in English keeps its English dashboard."""

import pytest
from django.test import Client

from storefront.dashboard.forms import timezone_choices
from storefront.orders.models import Order, OrderEvent, ReturnRequest, Shipment, ShipmentLine
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import in_store
from tests.storefront.languages.support import DASHBOARD_WORDS, NOT_WORDS, english_left, visible_texts
from tests.storefront.languages.test_store_language import chinese_store, get, seller_content
from tests.storefront.orders.test_order_list_and_export import make_order

DASHBOARD_PAGES = (
    "/dashboard/",
    "/dashboard/products/",
    "/dashboard/products/?q=电脑",
    "/dashboard/products/import/",
    "/dashboard/products/new/",
    "/dashboard/products/{cup}/translations/",
    "/dashboard/collections/",
    "/dashboard/pages/about/translations/",
    "/dashboard/navigation/translations/",
    "/dashboard/products/{cup}/",
    "/dashboard/orders/",
    "/dashboard/orders/?status=paid",
    "/dashboard/orders/{order}/",
    "/dashboard/orders/{sent}/",
    "/dashboard/settings/",
    "/dashboard/shipping/",
    "/dashboard/promotions/",
    "/dashboard/payouts/",
    "/dashboard/sponsored/",
    "/dashboard/inbox/",
    "/dashboard/reviews/",
)


def chinese_order(cup) -> Order:
    """A paid order from a Chinese buyer for the tea cup, waiting to be sent (so its page offers every form)."""
    order = make_order(
        currency="USD", ship_name="王小明", ship_line1="人民路 1 号", ship_city="上海", ship_region="", ship_postal_code="200000",
        ship_country="JP", shipping_method="标准快递", lines=[("CUP-01", cup.title, 2, "1234.50")], total="2469.00",
    )  # fmt: skip
    return order


def chinese_sent_order(cup) -> Order:
    """An order sent in one parcel, delivered by nobody yet, whose buyer asks to return it: its page shows the
    shipments table, the timeline and a return waiting for the seller's answer."""
    order = make_order(
        status="fulfilled", ship_name="李华", ship_line1="中山路 8 号", ship_city="北京", ship_region="",
        ship_postal_code="100000", ship_country="JP", shipping_method="标准快递",
        lines=[("CUP-01", cup.title, 1, "1234.50")], total="1234.50",
    )  # fmt: skip
    shipment = Shipment.objects.create(
        order=order, request_key=f"sent-{order.pk}", carrier="顺丰速运", tracking_number="1234567890"
    )
    ShipmentLine.objects.create(shipment=shipment, order_line=order.lines.get(), quantity=1)
    OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.FULFILLED)
    ReturnRequest.objects.create(order=order, request_key=f"return-{order.pk}", reason="尺寸不合适")
    return order


def place_names() -> list[str]:
    """The time-zone choices in Settings: places as the time-zone database spells them (``Buenos Aires
    (UTC-03:00)``), proper names like the store's own, not words of the interface. Each also as the detector
    reads it once it has taken out what looks like a path (``Argentina/Buenos`` in ``Argentina/Buenos Aires``)."""
    labels = [label for _, places in timezone_choices()[1:] for _, label in places]
    return [*labels, *(NOT_WORDS.sub(" ", label) for label in labels if "/" in label)]


def dashboard_english(html: str, store, seller: str) -> list[str]:
    # The store's own address and the seller's email are theirs, like the store's name.
    # The catalog import names the file's encoding (UTF-8) as spreadsheets name it.
    own = [*seller_content(store), host_of(store), seller, *place_names(), "UTF-8"]
    return english_left(visible_texts(html), seller_content=own, allowed=DASHBOARD_WORDS)


def assert_dashboard_chinese(html: str, store, where: str, seller: str) -> None:
    left = dashboard_english(html, store, seller)
    assert not left, f"English left on {where}: {left}"


@pytest.mark.parametrize("extra", [[], ["en"]])
def test_a_chinese_stores_dashboard_shows_no_english(client, store_a, owner_a, extra):
    cup, _ = chinese_store(store_a, extra=extra)
    with in_store(store_a):
        order, sent = chinese_order(cup), chinese_sent_order(cup)
    sign_in_on(client, owner_a, store_a)
    left = {}
    for path in DASHBOARD_PAGES:
        path = path.format(cup=cup.pk, order=order.pk, sent=sent.pk)
        if found := dashboard_english(get(client, store_a, path), store_a, owner_a.email):
            left[path] = found
    assert not left, f"English left: {left}"  # every page's leftovers at once, to fix them in one go
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


def saved_message(client, store) -> list[str]:
    response = client.post("/dashboard/checkout-settings/", {}, HTTP_HOST=host_of(store), follow=True)
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def test_an_english_stores_order_pages_and_messages_stay_in_english(client, store_a, store_b, owner_a):
    """Store A in Chinese doesn't turn store B's newly marked pages and flash messages into Chinese."""
    chinese_store(store_a)
    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    with in_store(store_b):
        order = make_order(lines=[("MUG-01", "Mug", 1, "10.00")])
    sign_in_on(client, owner_b, store_b)
    orders = get(client, store_b, "/dashboard/orders/")
    assert "Download all orders as CSV:" in orders and "订单" not in orders
    page = get(client, store_b, f"/dashboard/orders/{order.pk}/")
    assert f"Order #{order.pk}" in page and "Record shipment" in page and "登记发货" not in page
    assert saved_message(client, store_b) == ["Checkout settings saved; new orders are priced this way."]
    sign_in_on(client, owner_a, store_a)
    assert saved_message(client, store_a) == ["结账设置已保存，新订单将按此计价。"]
