"""Separate charges and transfers: the platform's transfers to connected accounts, transfer groups, reversals."""

import pytest
import requests
import stripe

from tests.support import WAIT_TIMEOUT
from tests.tools.stripe_sandbox.test_payments import onboarded_account


def platform_charge(client, amount: int, group: str):
    """A platform payment through a hosted Checkout page paid with 4242, in ``group``; returns its charge."""
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [{"quantity": 1, "price_data": {"currency": "usd", "unit_amount": amount,
                                                          "product_data": {"name": "Cart"}}}],
            "payment_intent_data": {"transfer_group": group, "metadata": {"cart": "1"}},
            "success_url": "https://mercato.test/done",
        }
    )  # fmt: skip
    paid = requests.post(
        session.url,
        data={"email": "buyer@example.com", "card_number": "4242424242424242", "card_expiry": "12 / 34",
              "card_cvc": "123", "name": "Buyer"},
        allow_redirects=False,
        timeout=WAIT_TIMEOUT,
    )  # fmt: skip
    assert paid.status_code == 303
    intent = client.v1.payment_intents.retrieve(client.v1.checkout.sessions.retrieve(session.id).payment_intent)
    assert intent.transfer_group == group
    return client.v1.charges.retrieve(intent.latest_charge)


def test_one_charge_pays_several_accounts_in_one_transfer_group(client, sandbox, webhook_receiver):
    first, second = onboarded_account(client, sandbox), onboarded_account(client, sandbox)
    charge = platform_charge(client, 10000, "cart-7")
    assert charge.transfer_group == "cart-7"
    one = client.v1.transfers.create(
        {"amount": 6000, "currency": "usd", "destination": first, "transfer_group": "cart-7",
         "source_transaction": charge.id, "metadata": {"order": "11"}}
    )  # fmt: skip
    two = client.v1.transfers.create(
        {"amount": 3500, "currency": "usd", "destination": second, "transfer_group": "cart-7",
         "source_transaction": charge.id}
    )  # fmt: skip
    assert (one.amount, one.destination, one.transfer_group, one.source_transaction, one.metadata.to_dict()) == (
        6000, first, "cart-7", charge.id, {"order": "11"},
    )  # fmt: skip
    group = client.v1.transfers.list({"transfer_group": "cart-7"}).data
    assert sorted((item.destination, item.amount) for item in group) == sorted([(first, 6000), (second, 3500)])
    assert client.v1.transfers.list({"transfer_group": "another"}).data == []
    # The charge had 10000; 9500 went out, so 600 more is more than is left.
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.transfers.create(
            {"amount": 600, "currency": "usd", "destination": first, "source_transaction": charge.id}
        )
    assert refused.value.code == "balance_insufficient"
    sandbox.drain()
    assert webhook_receiver.types_for(two.id) == ["transfer.created"]


def test_a_reversal_takes_part_of_one_transfer_back_and_no_more_than_is_left(client, sandbox, webhook_receiver):
    first, second = onboarded_account(client, sandbox), onboarded_account(client, sandbox)
    charge = platform_charge(client, 5000, "cart-8")
    keep = client.v1.transfers.create(
        {"amount": 2000, "currency": "usd", "destination": first, "source_transaction": charge.id}
    )
    back = client.v1.transfers.create(
        {"amount": 2500, "currency": "usd", "destination": second, "source_transaction": charge.id}
    )
    reversal = client.v1.transfers.reversals.create(back.id, {"amount": 1000, "metadata": {"refund": "r1"}})
    assert (reversal.amount, reversal.transfer, reversal.metadata.to_dict()) == (1000, back.id, {"refund": "r1"})
    again = client.v1.transfers.retrieve(back.id)
    assert (again.amount_reversed, again.reversed, [item.id for item in again.reversals.data]) == (
        1000, False, [reversal.id],
    )  # fmt: skip
    assert [item.id for item in client.v1.transfers.reversals.list(back.id).data] == [reversal.id]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.reversals.create(back.id, {"amount": 1501})
    client.v1.transfers.reversals.create(back.id)  # the rest
    assert client.v1.transfers.retrieve(back.id).reversed is True
    assert client.v1.transfers.retrieve(keep.id).amount_reversed == 0  # the other account's transfer is untouched
    sandbox.drain()
    assert webhook_receiver.types_for(back.id) == ["transfer.created", "transfer.reversed", "transfer.reversed"]


def test_a_transfer_needs_an_account_able_to_receive_it_and_money_to_come_from(client, sandbox):
    unfinished = client.v1.accounts.create({"type": "express"}).id
    ready = onboarded_account(client, sandbox)
    charge = platform_charge(client, 1000, "cart-9")
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.transfers.create(
            {"amount": 100, "currency": "usd", "destination": unfinished, "source_transaction": charge.id}
        )
    assert refused.value.code == "insufficient_capabilities_for_transfer"
    with pytest.raises(stripe.InvalidRequestError) as empty:
        client.v1.transfers.create({"amount": 100, "currency": "usd", "destination": ready})
    assert empty.value.code == "balance_insufficient"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.create({"amount": 100, "currency": "usd", "destination": "acct_nobody"})
