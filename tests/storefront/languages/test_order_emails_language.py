"""The emails after the confirmation, of a store in Simplified Chinese: shipped, delivered, cancelled with a
refund, a refund, returns, the answer to a message and the seller's new-order note, in Chinese with no English word
but the seller's and the buyer's own."""

import secrets
from decimal import Decimal

from django.utils import timezone

from storefront.inbox.models import ContactMessage, Conversation
from storefront.inbox.services import email_answer
from storefront.orders.emails import (
    queue_cancelled,
    queue_confirmation,
    queue_delivered,
    queue_refunded,
    queue_return_decided,
    queue_return_requested,
    queue_shipment,
)
from storefront.orders.models import OrderEmail, Refund, ReturnLine, ReturnRequest, Shipment, ShipmentLine
from tests.conftest import host_of
from tests.storefront.checkout.support import in_store
from tests.storefront.languages.support import english_left, visible_texts
from tests.storefront.languages.test_store_language import chinese_store, seller_content
from tests.storefront.reviews.support import make_order

# The buyer's own words (name, street, city) and the order's codes stay as written. "Sam" alone too: the detector
# takes out "Shopper（sam@example.com）" as one address, the Chinese brackets having no space around them.
BUYERS_OWN = ["Sam Shopper", "Sam", "1 Main St", "Springfield", "Standard", "USD", "US", "SF Express", "CUP-01"]


def test_the_later_order_emails_are_in_the_stores_chinese(store_a, owner_a):
    cup, _ = chinese_store(store_a)
    order = make_order(store_a, [cup], status="paid")
    with in_store(store_a):
        line = order.lines.get()
        shipment = Shipment.objects.create(
            order=order, request_key=secrets.token_hex(8), carrier="SF Express", tracking_number="SF1234567890"
        )
        ShipmentLine.objects.create(shipment=shipment, order_line=line, quantity=1)
        queue_confirmation(order)
        queue_shipment(order, shipment, complete=False)
        queue_delivered(order)
        queue_cancelled(order, refunded=Decimal("12.00"))
        emails = {email.kind: email for email in OrderEmail.objects.filter(order=order)}
    own = [*seller_content(store_a), *BUYERS_OWN, "SF1234567890"]
    for kind in ("shipped", "delivered", "cancelled", "seller_new_order"):
        email = emails[kind]
        left = english_left(
            [email.subject, *email.body.splitlines(), *visible_texts(email.html_body)], seller_content=own
        )
        assert left == [], (kind, left)
    assert f"您的订单 #{order.pk} 中的部分商品已由 SF Express 发出" in emails["shipped"].body
    assert "订单中的其余商品将另行发出。" in emails["shipped"].body
    assert "我们已将 12.00 USD 退回您付款时使用的账户。" in emails["cancelled"].body
    assert emails["seller_new_order"].subject.endswith(f"新订单 #{order.pk}：1234.50 USD")


def test_the_refund_return_and_answer_emails_are_in_the_stores_chinese_text_and_html(store_a, mailoutbox):
    """Every other email a Chinese store's buyer gets: a refund, a return asked for, accepted and refused (with the
    seller's note), and the seller's answer to a message; subject, text and HTML part each in Chinese."""
    cup, _ = chinese_store(store_a)
    order = make_order(store_a, [cup], status="fulfilled")
    with in_store(store_a):
        line = order.lines.get()
        refund = Refund.objects.create(
            order=order, request_key="r-1", stripe_refund_id="re_1", amount=Decimal("5.00"), restocked=False
        )
        accepted = ReturnRequest.objects.create(order=order, request_key="ret-1", reason="尺寸不合适")
        ReturnLine.objects.create(return_request=accepted, order_line=line, quantity=1)
        refused = ReturnRequest.objects.create(
            order=order, request_key="ret-2", reason="颜色不对", seller_note="已使用过"
        )
        ReturnLine.objects.create(return_request=refused, order_line=line, quantity=1)
        queue_refunded(order, refund)
        queue_return_requested(order, accepted)
        accepted.status = ReturnRequest.Status.ACCEPTED
        queue_return_decided(order, accepted)
        refused.status = ReturnRequest.Status.REFUSED
        queue_return_decided(order, refused)
        emails = {email.kind: email for email in OrderEmail.objects.filter(order=order)}
        conversation = Conversation.objects.create(
            email="sam@example.com", name="Sam", subject="茶杯的尺寸", last_message_at=timezone.now()
        )
        answer = ContactMessage.objects.create(
            conversation=conversation, author=ContactMessage.Author.SELLER, message="约 200 毫升。", sent_by="tests"
        )
        assert email_answer(message_id=answer.pk, site_url=f"http://{host_of(store_a)}") is True
    own = [*seller_content(store_a), *BUYERS_OWN, "re_1", "尺寸不合适", "颜色不对", "已使用过"]
    for kind in ("refunded", "return_requested", "return_accepted", "return_refused"):
        email = emails[kind]
        texts = [email.subject, *email.body.splitlines(), *visible_texts(email.html_body)]
        assert english_left(texts, seller_content=own) == [], (kind, english_left(texts, seller_content=own))
        assert '<html lang="zh-hans">' in email.html_body, kind
    sent = mailoutbox[-1]
    html = next(body for body, kind in sent.alternatives if kind == "text/html")
    texts = [sent.subject, *sent.body.splitlines(), *visible_texts(html)]
    assert english_left(texts, seller_content=[*own, "茶杯的尺寸", "约 200 毫升。"]) == [], texts
    assert sent.subject.endswith("回复：茶杯的尺寸") and '<html lang="zh-hans">' in html
