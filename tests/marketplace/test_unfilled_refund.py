"""A payment that arrives after one store's sweep released its order: that store's share of the one charge is
refunded to the buyer automatically (a Stripe refund in the sandbox, made once however often the payment is
confirmed), noted on the store's order timeline, and the buyer is told by email and on the checkout page; the
other stores are paid and transferred as usual. Real worker, real sandbox over HTTP."""

import re

from django.db import connection
from django_tenants.utils import schema_context

from billing.gateway import stripe_client
from platform.marketplace import payments
from platform.marketplace.models import MarketplaceCheckout, StoreOrder
from storefront.orders.models import Order, OrderEvent
from storefront.orders.services import release_reservation
from tests.conftest import wait_for_email
from tests.marketplace.conftest import PLATFORM_HOST, add_from_directory, cart_form, rate_ids
from tests.storefront.checkout.support import pay_on_stripe

# North: 1 x $20.00 + $5.00 shipping + $2.00 tax = $27.00, fee 1.35 → transfer 25.65.
# East:  1 x $12.50 + $5.00 shipping + $1.25 tax = $18.75, released before the payment: all of it refunded.
NORTH_TOTAL, NORTH_TRANSFER, EAST_TOTAL = 2700, 2565, 1875


def test_a_stores_share_paid_after_its_release_is_refunded_once_noted_for_the_store_and_told_to_the_buyer(
    client, stores, sandbox_server, webhook_receiver, celery_worker
):
    north, east = stores["mkt-north"], stores["mkt-east"]
    webhook_receiver.clear()
    assert add_from_directory(client, north).status_code == 302
    assert add_from_directory(client, east).status_code == 302
    rates = rate_ids([north, east])
    page = cart_form(client, [north, east], **rates).content.decode()
    key = re.search(r'name="checkout_key" value="([^"]+)"', page).group(1)
    paying = cart_form(client, [north, east], action="pay", checkout_key=key, **rates)
    assert paying.status_code == 302, paying.content.decode()
    checkout = MarketplaceCheckout.objects.get(checkout_key=key)
    assert checkout.amount == NORTH_TOTAL + EAST_TOTAL

    # East's own sweep gives the reservation back (its 30 minutes ran out) while the buyer is on Stripe's page.
    with schema_context(east.store.schema_name):
        assert release_reservation(order=Order.objects.get(), reason="Reservation expired unpaid.")
    connection.set_schema_to_public()
    assert pay_on_stripe(paying.url).status_code == 303

    # The return page asks Stripe: North is paid and transferred, East's share goes back to the buyer.
    result = client.get(f"/cart/checkout/{checkout.token}/", HTTP_HOST=PLATFORM_HOST).content.decode()
    checkout.refresh_from_db()
    assert checkout.status == MarketplaceCheckout.Status.PAID
    east_order = StoreOrder.objects.get(checkout=checkout, store=east.store)
    assert east_order.unfilled and east_order.stripe_refund_id and not east_order.stripe_transfer_id
    stripe = stripe_client()
    charge = stripe.v1.charges.retrieve(checkout.stripe_charge)
    assert (charge.amount_captured, charge.amount_refunded) == (NORTH_TOTAL + EAST_TOTAL, EAST_TOTAL)
    [refund] = stripe.v1.refunds.list({"payment_intent": checkout.stripe_payment_intent}).data
    assert (refund.id, refund.amount) == (east_order.stripe_refund_id, EAST_TOTAL)
    group = stripe.v1.transfers.list({"transfer_group": checkout.transfer_group}).data
    assert [(transfer.destination, transfer.amount) for transfer in group] == [(north.account_id, NORTH_TRANSFER)]
    # What the platform keeps adds up: the charge less the refund less North's transfer is North's fee.
    assert charge.amount_captured - charge.amount_refunded - NORTH_TRANSFER == NORTH_TOTAL - NORTH_TRANSFER
    assert "East Books couldn't fill this order" in result and "We refunded its $18.75 to you." in result

    # Confirming again (the webhook, another visit to the page) refunds nothing more.
    payments.confirm_payment(checkout=checkout)
    client.get(f"/cart/checkout/{checkout.token}/", HTTP_HOST=PLATFORM_HOST)
    assert stripe.v1.charges.retrieve(checkout.stripe_charge).amount_refunded == EAST_TOTAL
    assert len(stripe.v1.refunds.list({"payment_intent": checkout.stripe_payment_intent}).data) == 1

    # East's order stays cancelled, with the refund on its timeline; North's order is paid.
    with schema_context(east.store.schema_name):
        order = Order.objects.get()
        assert order.status == Order.Status.CANCELLED
        notes = list(order.events.filter(kind=OrderEvent.Kind.NOTE).values_list("message", flat=True))
        assert any(f"refunded the buyer's 18.75 USD for it (Stripe refund {refund.id})" in note for note in notes)
    with schema_context(north.store.schema_name):
        assert Order.objects.get().status == Order.Status.PAID
    connection.set_schema_to_public()

    email = wait_for_email(celery_worker, to="sam@example.com", subject="East Books couldn't fill it")
    assert f"couldn't fill order #{east_order.order_id}" in email
    assert "We refunded that order's $18.75 of your payment of $45.75." in email
    assert f"/cart/checkout/{checkout.token}/" in email
