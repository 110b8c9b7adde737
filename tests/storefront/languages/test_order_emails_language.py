"""The order emails after the confirmation, of a store in Simplified Chinese: shipped, delivered, cancelled with a
refund, and the seller's new-order note, in Chinese with no English word but the seller's and the buyer's own."""

import secrets
from decimal import Decimal

from storefront.orders.emails import queue_cancelled, queue_confirmation, queue_delivered, queue_shipment
from storefront.orders.models import OrderEmail, Shipment, ShipmentLine
from tests.storefront.checkout.support import in_store
from tests.storefront.languages.support import english_left
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
        left = english_left([email.subject, *email.body.splitlines()], seller_content=own)
        assert left == [], (kind, left)
    assert f"您的订单 #{order.pk} 中的部分商品已由 SF Express 发出" in emails["shipped"].body
    assert "订单中的其余商品将另行发出。" in emails["shipped"].body
    assert "我们已将 12.00 USD 退回您付款时使用的账户。" in emails["cancelled"].body
    assert emails["seller_new_order"].subject.endswith(f"新订单 #{order.pk}：1234.50 USD")
