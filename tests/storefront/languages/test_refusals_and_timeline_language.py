"""What used to stay English in a Chinese store: an amount's error on a form and in the API, a refused refund, a
service's refusal of a return or a shipment, the order timeline's notes (on the dashboard, through the API and on
the buyer's page), a store archive's steps and the catalog import's pages. Each in Chinese, and in English still
for an English store next to it."""

from django.test import Client

from storefront.api.scopes import ALL_SCOPES
from storefront.api.services import create_api_token
from storefront.orders.events import record_event
from storefront.orders.models import OrderEvent
from storefront.orders.timeline import NOTES, note
from storefront.reviews.reputation import refresh_reputation
from tenants.models import StoreArchive
from tests.conftest import host_of, sign_in_on
from tests.storefront.checkout.support import in_store
from tests.storefront.languages.support import DASHBOARD_WORDS, english_left, visible_texts
from tests.storefront.languages.test_dashboard_language import chinese_order, dashboard_english
from tests.storefront.languages.test_store_language import chinese_store, get, seller_content

# One value of every kind a note holds: codes a seller copies as they are (Stripe's ids are digits here, so they
# hold no Latin word), a carrier and an address the seller typed, the buyer's own reason.
NOTE_VALUES = {
    "time": "14:30", "session": "1234", "payment": "5678", "actor": "", "reason": "尺寸不合适", "method": "card",
    "amount": "$12.00", "refund": "9012", "carrier": "顺丰速运", "tracking": "SF1234567890", "shipment": 7,
    "items": "1 x CUP-01", "count": 2, "number": 3, "note": "已使用", "account": "3456", "fee": "0.60",
    "percent": "5.00", "transfer": "7890", "reversal": "2345", "currency": "USD",
}  # fmt: skip


def every_note() -> list[list]:
    """Each sentence the timeline knows (a new one is covered as soon as it exists), each given every value."""
    return [note(code, **NOTE_VALUES) for code in NOTES]


def test_a_bad_price_on_the_product_form_is_refused_in_chinese(client, store_a, owner_a):
    chinese_store(store_a)
    sign_in_on(client, owner_a, store_a)
    data = {"title": "茶壶", "status": "active", "price": "1,234.50", "sku": "POT-1"}
    response = client.post("/dashboard/products/new/", data, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    page = response.content.decode()
    assert "价格必须是数字，例如 12.50，" in page and "must be a number" not in page
    assert dashboard_english(page, store_a, owner_a.email) == []
    for price, words in (
        ("", "价格为必填项。"),
        ("-1", "价格不能为负数。"),
        ("1.234", "价格（USD）最多只能有 2 位小数。"),
    ):
        response = client.post("/dashboard/products/new/", {**data, "price": price}, HTTP_HOST=host_of(store_a))
        assert response.status_code == 400 and words in response.content.decode(), price


def test_a_bad_price_in_the_api_is_refused_in_the_stores_chinese_and_in_english_elsewhere(client, store_a, store_b):
    chinese_store(store_a)
    body = {"title": "茶壶", "variants": [{"sku": "POT-1", "price": "1e2"}]}
    answers = {}
    for store in (store_a, store_b):
        with in_store(store):
            token = create_api_token(name="同步", scopes=list(ALL_SCOPES)).secret
        answers[store.slug] = client.post(
            "/api/seller/products", body, content_type="application/json", HTTP_HOST=host_of(store),
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )  # fmt: skip
        assert answers[store.slug].status_code == 422
    chinese = answers[store_a.slug].json()["errors"]["variants.0.price"]
    assert chinese == ["价格必须是数字，例如 12.50，请完整写出（写 100，不要写 1e2）。"]
    english = answers[store_b.slug].json()["errors"]["variants.0.price"]
    assert english == ["Price must be a number such as 12.50, written out in full (100, not 1e2)."]


def test_a_refused_refund_says_why_in_chinese(client, store_a, owner_a):
    cup, _ = chinese_store(store_a)
    with in_store(store_a):
        paid = chinese_order(cup)
        paid.stripe_payment_intent = "pi_1"
        paid.save(update_fields=["stripe_payment_intent"])
        unpaid = chinese_order(cup)
        unpaid.status = "pending_payment"
        unpaid.save(update_fields=["status"])
    sign_in_on(client, owner_a, store_a)
    said = {}
    for order, amount in ((paid, "99999"), (paid, "abc"), (unpaid, "")):
        response = client.post(
            f"/dashboard/orders/{order.pk}/refund/", {"amount": amount}, HTTP_HOST=host_of(store_a), follow=True
        )
        said[amount] = [str(message) for message in response.context["messages"]]
    assert said == {
        "99999": ["退款金额须在 0 到 2469.00 之间。"],
        "abc": ["金额必须是数字，例如 12.50。"],
        "": ["只有已付款的订单才能退款。"],
    }
    with in_store(store_a):
        assert not paid.refunds.exists() and not unpaid.refunds.exists()


def test_a_shipment_and_a_return_refused_by_the_services_are_refused_in_chinese(client, store_a, owner_a):
    cup, _ = chinese_store(store_a)
    with in_store(store_a):
        order = chinese_order(cup)
        line = order.lines.get()
    sign_in_on(client, owner_a, store_a)
    response = client.post(
        f"/dashboard/orders/{order.pk}/fulfil/",
        {"carrier": "顺丰速运", "tracking_number": "SF1", f"quantity-{line.pk}": "9", "shipment_key": "k1"},
        HTTP_HOST=host_of(store_a),
        follow=True,
    )
    page = response.content.decode()
    assert "只剩 2 件" in page and "left to ship" not in page, page
    assert dashboard_english(page, store_a, owner_a.email) == []


def test_the_order_timeline_is_in_the_pages_language_on_the_dashboard_the_api_and_the_buyers_page(
    client, store_a, owner_a
):
    cup, _ = chinese_store(store_a, extra=["en"])
    with in_store(store_a):
        order = chinese_order(cup)
        for item in every_note():
            record_event(order=order, kind=OrderEvent.Kind.NOTE, notes=[item])
        record_event(
            order=order,
            kind=OrderEvent.Kind.CANCELLED,
            notes=[note("by_actor", actor=""), note("units_back_in_stock", count=3)],
        )
        # Kept in English for logs and archives, whatever the store's language.
        assert order.events.get(kind="cancelled").message == "by the store, 3 units back in stock"
    # The values are the seller's, the buyer's or Stripe's as they are; the way of paying is translated.
    values = [str(value) for name, value in NOTE_VALUES.items() if name != "method"]
    sign_in_on(client, owner_a, store_a)
    page = get(client, store_a, f"/dashboard/orders/{order.pk}/")
    assert "由本店，3 件已退回库存" in page and "back in stock" not in page
    own = [*seller_content(store_a), host_of(store_a), owner_a.email, *values]
    assert english_left(visible_texts(page), seller_content=own, allowed=DASHBOARD_WORDS) == []
    # The buyer's page lists the events by kind, in Chinese; the notes are the seller's.
    buyer_page = get(Client(), store_a, f"/orders/{order.token}/")
    assert english_left(visible_texts(buyer_page), seller_content=seller_content(store_a)) == []
    # The same event, read by a seller who picked English, is in English.
    client.cookies["mercato_language"] = "en"
    assert "by the store, 3 units back in stock" in get(client, store_a, f"/dashboard/orders/{order.pk}/")


def test_the_seller_api_gives_the_timeline_in_the_stores_language(client, store_a):
    cup, _ = chinese_store(store_a)
    with in_store(store_a):
        order = chinese_order(cup)
        record_event(order=order, kind=OrderEvent.Kind.DELIVERED, notes=[note("by_actor", actor="")])
        token = create_api_token(name="同步", scopes=list(ALL_SCOPES)).secret
    response = client.get(
        f"/api/seller/orders/{order.pk}", HTTP_HOST=host_of(store_a), HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    delivered = next(event for event in response.json()["events"] if event["kind"] == "delivered")
    assert delivered["message"] == "由本店" and delivered["label"] == "已送达"


def test_an_event_written_before_the_notes_shows_its_message(client, store_a, owner_a):
    cup, _ = chinese_store(store_a)
    with in_store(store_a):
        order = chinese_order(cup)
        OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.NOTE, message="礼品包装")
    sign_in_on(client, owner_a, store_a)
    assert "礼品包装" in get(client, store_a, f"/dashboard/orders/{order.pk}/")


def test_an_archives_steps_are_shown_in_the_readers_language(client, store_a, store_b, owner_a):
    """The worker saves each step as its English words; the dashboard shows them in the store's Chinese (the
    console, in English, reads the same row)."""
    chinese_store(store_a)
    steps = [
        "Waiting for a worker", "Starting", "Writing the store's data", "Writing the CSV files", "Copying media files",
        "Writing the manifest", "Done", "Failed",
    ]  # fmt: skip
    archive = StoreArchive.objects.create(
        direction=StoreArchive.Direction.EXPORT, store=store_a, store_slug=store_a.slug, requested_by=owner_a
    )
    sign_in_on(client, owner_a, store_a)
    shown = {}
    for step in steps:
        StoreArchive.objects.filter(pk=archive.pk).update(step=step, status=StoreArchive.Status.RUNNING)
        page = get(client, store_a, f"/dashboard/export/{archive.pk}/")
        shown[step] = dashboard_english(page, store_a, owner_a.email)
        assert client.get(f"/dashboard/export/{archive.pk}/status/", HTTP_HOST=host_of(store_a)).json()["step"]
    assert shown == {step: [] for step in steps}
    StoreArchive.objects.filter(pk=archive.pk).update(step="Writing the store's data")
    status = client.get(f"/dashboard/export/{archive.pk}/status/", HTTP_HOST=host_of(store_a)).json()
    assert status["step"] == "正在写入店铺数据"
    # Store B can't follow store A's export.
    assert client.get(f"/dashboard/export/{archive.pk}/", HTTP_HOST=host_of(store_b)).status_code in (302, 403, 404)


def test_the_catalog_import_pages_are_in_chinese(client, store_a, owner_a):
    chinese_store(store_a)
    sign_in_on(client, owner_a, store_a)
    page = get(client, store_a, "/dashboard/products/import/")
    assert "从 CSV 导入商品" in page
    # The file's encoding is named as the seller's spreadsheet names it.
    own = [*seller_content(store_a), host_of(store_a), owner_a.email, "UTF-8"]
    assert english_left(visible_texts(page), seller_content=own, allowed=DASHBOARD_WORDS) == []


def test_the_stores_reputation_page_and_not_found_page_are_in_chinese(client, store_a, store_b):
    chinese_store(store_a)
    with in_store(store_a):
        refresh_reputation()  # the page then also says when its figures were computed
    reputation = get(client, store_a, "/reputation/")
    assert "计算方式" in reputation and "How this is calculated" not in reputation
    assert "最近一次计算于" in reputation
    assert english_left(visible_texts(reputation), seller_content=seller_content(store_a)) == []
    missing = client.get("/no-such-page/", HTTP_HOST=host_of(store_a))
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()
    assert english_left(visible_texts(missing.content.decode()), seller_content=seller_content(store_a)) == []
    assert "Page not found" in client.get("/no-such-page/", HTTP_HOST=host_of(store_b)).content.decode()
