"""Buyer payments to a store's connected Stripe account: fee, destination, refunds, test mode and live refusals."""

import re
from decimal import Decimal

import pytest
import requests

from billing import connect
from billing.gateway import stripe_client
from billing.models import ConnectedAccount, Plan, Subscription
from storefront.cart.models import Cart
from storefront.checkout.models import DiscountRedemption
from storefront.checkout.services import Address, CheckoutError, place_order
from storefront.orders.models import Order
from storefront.orders.payments import refund_order, start_payment
from tests.conftest import host_of
from tests.storefront.checkout.support import (
    add,
    buy,
    checkout_page,
    in_store,
    make_shipping,
    make_variant,
    pay,
    review,
)
from tests.storefront.orders.test_dashboard import paid_order
from tests.support import WAIT_TIMEOUT


def connect_store(store) -> ConnectedAccount:
    """The store's owner finishes Stripe's hosted onboarding; Mercato reads the result from Stripe."""
    link = connect.start_onboarding(
        store=store,
        return_url=f"http://{host_of(store)}/dashboard/payments/return/",
        refresh_url=f"http://{host_of(store)}/dashboard/payments/refresh/",
    )
    page = requests.get(link, timeout=WAIT_TIMEOUT).text
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    base = re.match(r"https?://[^/]+", link).group(0)
    done = requests.post(base + action, data={"business_url": ""}, timeout=WAIT_TIMEOUT, allow_redirects=False)
    assert done.status_code == 303
    account = connect.refresh_account(store=store)
    assert account is not None and account.charges_enabled
    return account


def money_trail(order: Order):
    """What Stripe holds for the order's payment: the PaymentIntent, its charge, the transfer and the fee."""
    client = stripe_client()
    intent = client.v1.payment_intents.retrieve(order.stripe_payment_intent)
    charge = client.v1.charges.retrieve(intent.latest_charge)
    transfer = client.v1.transfers.retrieve(charge.transfer) if charge.transfer else None
    fee = client.v1.application_fees.retrieve(charge.application_fee) if charge.application_fee else None
    return intent, charge, transfer, fee


def payment_note(store, order) -> str:
    with in_store(store):
        return order.events.get(kind="payment_started").message


def test_a_connected_store_is_paid_by_destination_charge_with_its_plan_fee(client, store_a):
    account = connect_store(store_a)
    order = paid_order(client, store_a)  # $99 tent + $5 shipping + 10 % tax = $113.90, Free plan: 5 %
    intent, charge, transfer, fee = money_trail(order)
    assert (intent.amount, intent.application_fee_amount) == (11390, 570)  # 569.5 cents, rounded half-up
    assert intent.transfer_data.destination == account.stripe_account_id
    assert intent.metadata.to_dict() == {"mercato_order": str(order.pk), "mercato_schema": store_a.schema_name}
    assert (charge.status, charge.amount_captured, charge.application_fee_amount) == ("succeeded", 11390, 570)
    assert (transfer.destination, transfer.amount + fee.amount) == (account.stripe_account_id, 11390)
    assert (fee.amount, fee.account) == (570, account.stripe_account_id)
    note = payment_note(store_a, order)
    assert f"paid to {account.stripe_account_id} with a platform fee of 5.70 (5.00%)" in note


def test_the_fee_follows_each_stores_plan_and_each_payment_reaches_only_its_own_store(client, store_a, store_b):
    account_a, account_b = connect_store(store_a), connect_store(store_b)
    Subscription.objects.create(
        store=store_b, plan=Plan.objects.get(code="pro"), status="active", stripe_customer_id="cus_pro_beta"
    )
    order_a = paid_order(client, store_a)
    order_b = paid_order(client, store_b)
    intent_a, _, transfer_a, fee_a = money_trail(order_a)
    intent_b, _, transfer_b, fee_b = money_trail(order_b)
    assert (intent_a.amount, intent_b.amount) == (11390, 11390)
    assert (intent_a.application_fee_amount, intent_b.application_fee_amount) == (570, 57)  # 5 % vs 0.5 % (56.95)
    assert (transfer_a.destination, transfer_b.destination) == (
        account_a.stripe_account_id,
        account_b.stripe_account_id,
    )
    assert (fee_a.account, fee_b.account) == (account_a.stripe_account_id, account_b.stripe_account_id)
    transfers_to_b = stripe_client().v1.transfers.list({"destination": account_b.stripe_account_id}).data
    assert order_a.stripe_payment_intent not in {t.source_transaction for t in transfers_to_b}
    assert all(t.source_transaction != intent_a.latest_charge for t in transfers_to_b)


def test_a_store_without_a_ready_account_is_paid_to_the_platform_in_test_mode(client, store_a, store_b):
    connect_store(store_b)  # another store's account must never receive A's payment
    ConnectedAccount.objects.create(store=store_a, stripe_account_id="acct_unfinished_alpha")  # onboarding unfinished
    order = paid_order(client, store_a)
    intent, charge, transfer, fee = money_trail(order)
    assert (intent.transfer_data, intent.application_fee_amount) == (None, None)
    assert (transfer, fee, charge.amount_captured) == (None, None, 11390)
    assert "test mode: the store has no Stripe account able to take charges" in payment_note(store_a, order)


def test_a_refund_takes_the_money_back_from_the_stores_transfer(client, store_a):
    connect_store(store_a)
    order = paid_order(client, store_a)
    with in_store(store_a):
        refund_order(order=order, request_key="half", amount=Decimal("56.95"), restock=False)
    _, charge, transfer, fee = money_trail(order)
    assert charge.amount_refunded == 5695
    assert (transfer.amount_reversed, transfer.reversed) == (round(transfer.amount / 2), False)
    assert fee.amount_refunded == 285  # half the fee goes back with half the payment
    with in_store(store_a):
        refund_order(order=order, request_key="rest", amount=None, restock=True)
    _, charge, transfer, fee = money_trail(order)
    assert (charge.refunded, transfer.amount_reversed, transfer.reversed) == (True, transfer.amount, True)
    assert (fee.amount_refunded, fee.refunded) == (570, True)


def test_a_refund_of_a_platform_payment_has_no_transfer_to_reverse(client, store_a):
    order = paid_order(client, store_a)
    with in_store(store_a):
        refund = refund_order(order=order, request_key="all", amount=None, restock=False)
    remote = stripe_client().v1.refunds.retrieve(refund.stripe_refund_id)
    assert (remote.amount, remote.status) == (11390, "succeeded")
    assert money_trail(order)[1].refunded is True


def test_live_mode_without_a_connected_account_refuses_the_order_and_writes_nothing(client, store_a, settings):
    with in_store(store_a):
        tent = make_variant("Tent", "99.00", stock=3)
        _, flat = make_shipping(tax="10")
    add(client, store_a, tent)
    _, key = checkout_page(client, store_a)
    _, quoted = review(client, store_a, key, shipping_rate=flat.pk)
    # The refusal comes from the key's mode alone, before anything is sent to Stripe.
    settings.STRIPE_SECRET_KEY = "sk_live_mercato_tests_never_sent"
    response = pay(client, store_a, key, quoted, shipping_rate=flat.pk)
    assert response.status_code == 400
    assert "This store can&#x27;t take payments yet, so orders can&#x27;t be placed right now." in (
        response.content.decode()
    )
    with in_store(store_a):
        tent.refresh_from_db()
        assert (Order.objects.count(), DiscountRedemption.objects.count(), tent.stock) == (0, 0, 3)


def test_live_mode_with_an_account_that_cannot_charge_still_refuses(client, store_a, settings):
    ConnectedAccount.objects.create(store=store_a, stripe_account_id="acct_disabled_alpha", details_submitted=True)
    settings.STRIPE_SECRET_KEY = "rk_live_mercato_tests_never_sent"
    assert connect.checkout_refusal(schema_name=store_a.schema_name) == connect.BUYER_REFUSAL
    ConnectedAccount.objects.filter(store=store_a).update(charges_enabled=True)
    assert connect.checkout_refusal(schema_name=store_a.schema_name) is None
    settings.STRIPE_SECRET_KEY = None
    ConnectedAccount.objects.filter(store=store_a).update(charges_enabled=False)
    assert connect.checkout_refusal(schema_name=store_a.schema_name) is None  # test mode takes orders


def test_a_payment_already_started_keeps_its_session(client, store_a):
    with in_store(store_a):
        tent = make_variant("Tent", "99.00", stock=3)
        _, flat = make_shipping(tax="10")
    add(client, store_a, tent)
    first = buy(client, store_a, flat)
    with in_store(store_a):
        order = Order.objects.get()
    session_url = stripe_client().v1.checkout.sessions.retrieve(order.stripe_session_id).url
    connect_store(store_a)  # connecting later does not re-route a session the buyer already has
    with in_store(store_a):
        assert start_payment(order=order, store_name=store_a.name) == session_url == first["Location"]


def test_live_mode_refuses_resuming_an_order_whose_payment_never_started(store_a, settings):
    with in_store(store_a):
        tent = make_variant("Tent", "99.00", stock=3)
        _, flat = make_shipping(tax="10")
        cart = Cart.objects.create(token="resume-cart")
        cart.lines.create(variant=tent, quantity=1, unit_price=tent.price)
        details = {
            "cart": cart,
            "checkout_key": "resume-key",
            "email": "sam@example.com",
            "address": Address(
                name="Sam", line1="1 Main St", city="Springfield", region="IL", postal_code="62701", country="US"
            ),
            "rate_id": flat.pk,
            "discount_code": "",
            "currency": "USD",
            "prices_include_tax": False,
            "site_url": f"http://{host_of(store_a)}",
        }
        order = place_order(**details)  # test mode; its payment page was never made (Stripe was down, say)
        settings.STRIPE_SECRET_KEY = "sk_live_mercato_tests_never_sent"
        with pytest.raises(CheckoutError) as refused:
            place_order(**details)
        assert refused.value.message_dict == {"__all__": [connect.BUYER_REFUSAL]}
        settings.STRIPE_SECRET_KEY = None
        assert place_order(**details).pk == order.pk  # the same form still finds its order in test mode
