"""Three stores' lines in one cart, paid once with 4242: an order in each store's own schema, one platform charge,
a transfer to each store in one transfer group with the platform's fee kept, and a refund in one store reversing
only that store's transfer. Real worker, real sandbox over HTTP; the figures are worked out by hand below."""

import re
from decimal import Decimal

from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from billing.gateway import stripe_client
from platform.marketplace.models import MarketplaceCheckout
from storefront.orders.models import Order
from storefront.orders.payments import refund_order
from storefront.payouts.models import OrderPayout
from tests.conftest import host_of, sign_in_on
from tests.marketplace.conftest import (
    PLATFORM_HOST,
    add_by_reference,
    add_from_directory,
    cart_form,
    forward_webhooks,
    rate_ids,
)
from tests.storefront.checkout.support import pay_on_stripe
from tests.support import wait_until

# North: 2 x $20.00 mugs + $5.00 shipping + 10 % tax on $40.00 ($4.00)  = $49.00; fee 5 % = 245 → transfer 4655
# East:  1 x $12.50 atlas + $5.00 shipping + 10 % tax on $12.50 ($1.25) = $18.75; fee 93.75 → 94 → transfer 1781
# West:  1 x $33.33 lamp + $5.00 shipping + 10 % tax on $33.33 ($3.33) = $41.66; fee 208.3 → 208 → transfer 3958
# One payment: 4900 + 1875 + 4166 = 10941 = transfers 10394 + fees 547.
EXPECTED = {"mkt-north": (4900, 245, 4655), "mkt-east": (1875, 94, 1781), "mkt-west": (4166, 208, 3958)}


def test_three_stores_paid_once_each_its_own_order_and_transfer_and_refund_reverses_only_one(
    client, stores, sandbox_server, webhook_receiver, celery_worker
):
    north, east, west = stores["mkt-north"], stores["mkt-east"], stores["mkt-west"]
    webhook_receiver.clear()
    # Two stores' pages post their signed reference to the platform site; the third line comes from the directory.
    assert add_by_reference(client, north, quantity=2).status_code == 302
    assert add_by_reference(client, east).status_code == 302
    assert add_from_directory(client, west).status_code == 302

    rates = rate_ids([north, east, west])
    page = cart_form(client, [north, east, west], **rates).content.decode()
    for item in (north, east, west):
        assert item.title in page
    assert "$49.00" in page and "$18.75" in page and "$41.66" in page
    assert '<strong id="cart-total">$109.41</strong>' in page

    key = re.search(r'name="checkout_key" value="([^"]+)"', page).group(1)
    paying = cart_form(client, [north, east, west], action="pay", checkout_key=key, **rates)
    assert paying.status_code == 302, paying.content.decode()
    checkout = MarketplaceCheckout.objects.get(checkout_key=key)
    assert checkout.amount == 10941
    paid = pay_on_stripe(paying.url)
    assert paid.status_code == 303
    assert paid.headers["Location"].startswith(f"http://{PLATFORM_HOST}")
    forward_webhooks(client, sandbox_server, webhook_receiver, 0)

    def transferred() -> bool:
        return checkout.orders.filter(stripe_transfer_id="").count() == 0 and all(
            MarketplaceCheckout.objects.filter(pk=checkout.pk, status="paid").exists() for _ in [0]
        )

    wait_until(transferred, what="the worker to mark the orders paid and transfer each store's share")
    checkout.refresh_from_db()
    stripe = stripe_client()
    intent = stripe.v1.payment_intents.retrieve(checkout.stripe_payment_intent)
    charge = stripe.v1.charges.retrieve(intent.latest_charge)
    assert (intent.amount, charge.amount_captured, intent.transfer_group) == (10941, 10941, checkout.transfer_group)

    # Each store has exactly one order, paid, holding only its own line; no store has another's.
    for slug, item in stores.items():
        with schema_context(item.store.schema_name):
            orders = list(Order.objects.prefetch_related("lines"))
            assert len(orders) == 1
            order = orders[0]
            assert order.status == Order.Status.PAID
            assert [line.title for line in order.lines.all()] == [item.title]
            assert int(order.total * 100) == EXPECTED[slug][0]
            payout = OrderPayout.objects.get(order=order)
            assert (int(payout.platform_fee * 100), int(payout.transferred * 100)) == EXPECTED[slug][1:]
    connection.set_schema_to_public()

    # The transfers: one per store's account, in the checkout's group, from the one charge; with the fees kept,
    # they add up to the payment to the cent.
    group = stripe.v1.transfers.list({"transfer_group": checkout.transfer_group}).data
    by_destination = {transfer.destination: transfer for transfer in group}
    assert sorted(by_destination) == sorted(item.account_id for item in stores.values())
    for slug, item in stores.items():
        transfer = by_destination[item.account_id]
        assert (transfer.amount, transfer.source_transaction) == (EXPECTED[slug][2], charge.id)
    fees = sum(order.platform_fee for order in checkout.orders.all())
    assert sum(transfer.amount for transfer in group) + fees == charge.amount_captured == 10941

    # The buyer's page after Stripe's lists the three orders, each on its own store's host.
    result = client.get(f"/cart/checkout/{checkout.token}/", HTTP_HOST=PLATFORM_HOST).content.decode()
    assert '<strong id="paid-total">$109.41</strong>' in result
    for item in stores.values():
        assert f"http://{host_of(item.store)}" in result

    # East refunds its order in full from its own dashboard's service: only East's transfer is reversed.
    with schema_context(east.store.schema_name):
        order = Order.objects.get()
        refund_order(order=order, request_key="refund-east", amount=None, restock=True, actor="owner")
    connection.set_schema_to_public()

    def east_reversed() -> bool:
        return stripe.v1.transfers.retrieve(by_destination[east.account_id].id).amount_reversed == 1781

    wait_until(east_reversed, what="the worker to reverse East's transfer")
    for item in (north, west):
        assert stripe.v1.transfers.retrieve(by_destination[item.account_id].id).amount_reversed == 0
    assert stripe.v1.charges.retrieve(charge.id).amount_refunded == 1875

    # East's money page and statement: paid 18.75, fee 0.94, transferred 17.81, all taken back: net 0.00.
    seller = Client()
    sign_in_on(seller, east.owner, east.store)
    month = f"{checkout.paid_at:%Y-%m}"
    statement = seller.get(f"/dashboard/payouts/{month}/", HTTP_HOST=host_of(east.store)).content.decode()
    assert 'id="statement-net">$0.00</td>' in statement
    csv = b"".join(seller.get(f"/dashboard/payouts/{month}.csv", HTTP_HOST=host_of(east.store)).streaming_content)
    assert csv.decode().splitlines()[-1] == ",,total,18.75,0.94,18.75,17.81,17.81,net payout 0.00 USD"
    seller = Client()
    sign_in_on(seller, north.owner, north.store)
    north_page = seller.get(f"/dashboard/payouts/{month}/", HTTP_HOST=host_of(north.store)).content.decode()
    assert 'id="statement-net">$46.55</td>' in north_page
    assert by_destination[east.account_id].id not in north_page
    with schema_context(east.store.schema_name):
        assert OrderPayout.objects.get().reversed == Decimal("17.81")
