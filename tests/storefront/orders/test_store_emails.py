"""Emails to the buyer come in the store's name, with the order's full breakdown, as plain text and HTML."""

import email
import email.policy
from decimal import Decimal

from storefront.orders.cancellation import cancel_order
from storefront.orders.emails import drain_order_emails, queue_confirmation
from storefront.orders.models import Order
from storefront.orders.payments import refund_order
from storefront.themes.selectors import store_profile
from storefront.themes.services import update_profile
from tenants.models import Store
from tests.conftest import host_of
from tests.storefront.catalog.factories import make_shirt
from tests.storefront.checkout.support import add, buy, in_store, make_code, make_shipping, make_variant, pay_on_stripe

# By hand, by the rules of docs/checkout.md:
#   Field Shirt M / Red   2 x 22.00 = 44.00
#   Camp Mug              1 x 14.50 = 14.50
#   subtotal                          58.50
#   SAVE10, 10 % of 58.50            - 5.85
#   Standard shipping                  5.00
#   8 % tax on 58.50 - 5.85 = 52.65    4.212, rounded 4.21
#   total 58.50 - 5.85 + 5.00 + 4.21 = 61.86
EXPECTED_TEXT = """Order #{pk}

Field Shirt (M / Red) (SKU SHIRT-M-Red)
  2 x 22.00 USD = 44.00 USD
Camp Mug{mug_variant} (SKU {mug_sku})
  1 x 14.50 USD = 14.50 USD

Subtotal: 58.50 USD
Discount (SAVE10): -5.85 USD
Shipping (Standard): 5.00 USD
Tax: 4.21 USD
Total: 61.86 USD
"""


def paid_order_with_discount_shipping_and_tax(client, store) -> Order:
    shirt = make_shirt(store)
    with in_store(store):
        red_m = shirt.variants.get(sku="SHIRT-M-Red")
        mug = make_variant("Camp Mug", "14.50")
        _, flat = make_shipping(tax="8")
        make_code("SAVE10", "percentage", "10")
        update_profile(profile=store_profile(), contact_email="help@alpha.test")
    add(client, store, red_m, 2)
    add(client, store, mug, 1)
    response = buy(client, store, flat, discount_code="SAVE10")
    assert response.status_code == 302
    pay_on_stripe(response["Location"])
    with in_store(store):
        order = Order.objects.get()
    client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store))
    with in_store(store):
        order.refresh_from_db()
    assert (order.status, order.total) == ("paid", Decimal("61.86"))
    return order


def _expected_text(store, order: Order) -> str:
    with in_store(store):
        mug_line = order.lines.get(title__startswith="Camp Mug")
    return EXPECTED_TEXT.format(pk=order.pk, mug_variant=mug_line.title.removeprefix("Camp Mug"), mug_sku=mug_line.sku)


def test_the_confirmation_comes_in_the_store_name_with_the_full_breakdown(client, store_a, mailoutbox):
    order = paid_order_with_discount_shipping_and_tax(client, store_a)
    with in_store(store_a):
        assert drain_order_emails() >= 1
    confirmation = next(message for message in mailoutbox if message.to == ["sam@example.com"])
    parsed = email.message_from_bytes(confirmation.message().as_bytes(), policy=email.policy.default)
    assert parsed["From"].addresses[0].display_name == "Alpha Outfitters"
    assert parsed["From"].addresses[0].addr_spec == "no-reply@localhost"
    assert str(parsed["Reply-To"]) == "help@alpha.test"
    assert str(parsed["Subject"]) == f"Alpha Outfitters: order #{order.pk} confirmed"
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    assert _expected_text(store_a, order) in text
    assert f"See your order at any time: http://{host_of(store_a)}/orders/{order.token}/" in text
    for cell in (
        '<td align="right">2</td><td align="right">22.00 USD</td><td align="right">44.00 USD</td>',
        '<td align="right">1</td><td align="right">14.50 USD</td><td align="right">14.50 USD</td>',
        '<th colspan="3" align="right">Discount (SAVE10)</th><td align="right">-5.85 USD</td>',
        '<th colspan="3" align="right">Shipping (Standard)</th><td align="right">5.00 USD</td>',
        '<th colspan="3" align="right">Tax</th><td align="right">4.21 USD</td>',
        '<th colspan="3" align="right">Total</th><td align="right">61.86 USD</td>',
    ):
        assert cell in html, cell
    assert "Field Shirt (M / Red)" in html and f'href="http://{host_of(store_a)}/orders/{order.token}/"' in html

    # The seller's own notice still comes from the platform, not in the store's name.
    to_seller = [message for message in mailoutbox if message.to == ["help@alpha.test"]]
    assert [message.from_email for message in to_seller] == ["Mercato <no-reply@localhost>"]


def test_refund_and_cancellation_emails_say_the_amount_in_the_store_name(client, store_a, mailoutbox):
    order = paid_order_with_discount_shipping_and_tax(client, store_a)
    with in_store(store_a):
        refund_order(order=order, request_key="store-email-r1", amount=Decimal("10.00"), restock=False)
        order.refresh_from_db()
        cancel_order(order=order, restock=True, actor="owner@alpha.test")
        drain_order_emails()
    by_subject = {message.subject: message for message in mailoutbox if message.to == ["sam@example.com"]}
    refund = by_subject[f"Alpha Outfitters: refund of 10.00 USD for order #{order.pk}"]
    assert f"We refunded 10.00 USD for your order #{order.pk}." in refund.body
    assert "\nTotal: 61.86 USD\nRefunded: 10.00 USD\n" in refund.body
    assert 'Refunded</th><td align="right">10.00 USD</td>' in refund.alternatives[0][0]
    # Cancelled after the partial refund: the rest, 61.86 - 10.00, goes back.
    cancelled = by_subject[f"Alpha Outfitters: order #{order.pk} cancelled"]
    assert "We refunded 51.86 USD to the card you paid with." in cancelled.body
    assert "\nTotal: 61.86 USD\nRefunded: 61.86 USD\n" in cancelled.body
    for message in (refund, cancelled):
        assert message.from_email == "Alpha Outfitters <no-reply@localhost>"
        assert message.reply_to == ["help@alpha.test"]


def test_a_store_name_with_line_breaks_and_quotes_cannot_break_the_headers(store_a, mailoutbox):
    from tests.storefront.orders.test_email_outbox import make_order

    hostile = 'Acme "Best"\r\nBcc: victim@example.com\nX-Evil: 1, <a@b.c>'
    Store.objects.filter(pk=store_a.pk).update(name=hostile)
    with in_store(store_a):
        order = make_order("buyer@example.com")
        order.lines.create(sku="MUG", title="Mug", unit_price=Decimal("10.00"), quantity=1, line_total=Decimal("10"))
        queue_confirmation(order)
        assert drain_order_emails() == 1
    raw = mailoutbox[0].message().as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    sender = parsed["From"].addresses
    assert len(sender) == 1 and sender[0].addr_spec == "no-reply@localhost"
    assert sender[0].display_name == 'Acme "Best" Bcc: victim@example.com X-Evil: 1, <a@b.c>'
    # Long, the header is folded onto a second line; unfolded, it is the one line written.
    subject = str(parsed["Subject"]).strip()
    assert subject == f'Acme "Best" Bcc: victim@example.com X-Evil: 1, <a@b.c>: order #{order.pk} confirmed'
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert [str(value) for value in parsed.get_all("To")] == ["buyer@example.com"]
    assert mailoutbox[0].recipients() == ["buyer@example.com"]
