"""Subscriptions through their life: trial, renewal, failed renewal and dunning, plan changes, cancellation.

Time moves only through the sandbox's clock control, so each renewal happens exactly where the test puts it.
"""

import pytest
import stripe

DAY = 86400


def customer_with_card(client, card: str = "pm_card_visa", email: str = "seller@example.com") -> str:
    customer = client.v1.customers.create(
        {"email": email, "payment_method": card, "invoice_settings": {"default_payment_method": card}}
    )
    return customer.id


def plan(client, name: str, amount: int, interval: str = "month") -> str:
    return client.v1.prices.create(
        {"currency": "usd", "unit_amount": amount, "recurring": {"interval": interval}, "product_data": {"name": name}}
    ).id


def period(sub) -> tuple[int, int]:
    item = sub["items"].data[0]
    return item.current_period_start, item.current_period_end


def invoices(client, sub_id: str) -> list:
    return list(reversed(client.v1.invoices.list({"subscription": sub_id}).data))


def test_a_subscription_without_trial_is_billed_at_once_and_renews_each_month(client, sandbox, webhook_receiver):
    customer = customer_with_card(client)
    price = plan(client, "Starter", 1900)
    sub = client.v1.subscriptions.create(
        {"customer": customer, "items": [{"price": price}], "expand": ["latest_invoice.payments"]}
    )
    assert sub.id.startswith("sub_")
    assert (sub.status, sub.collection_method, sub.currency, sub.cancel_at_period_end) == (
        "active",
        "charge_automatically",
        "usd",
        False,
    )
    item = sub["items"].data[0]
    assert (item.price.id, item.price.unit_amount, item.plan.amount, item.quantity) == (price, 1900, 1900, 1)
    start, end = period(sub)
    assert start == sub.start_date == sub.billing_cycle_anchor
    assert 28 * DAY <= end - start <= 31 * DAY
    first = sub.latest_invoice
    assert (first.billing_reason, first.status, first.amount_due, first.amount_paid, first.amount_remaining) == (
        "subscription_create",
        "paid",
        1900,
        1900,
        0,
    )
    assert first.parent.subscription_details.subscription == sub.id
    assert first.lines.data[0].description == "1 \u00d7 Starter (at $19.00 / month)"
    assert (first.lines.data[0].period.start, first.lines.data[0].period.end) == (start, end)
    intent = client.v1.payment_intents.retrieve(first.payments.data[0].payment.payment_intent)
    assert (intent.status, intent.amount, intent.customer) == ("succeeded", 1900, customer)

    sandbox.advance(seconds=end - sandbox.now() + 60)
    renewed = client.v1.subscriptions.retrieve(sub.id)
    assert renewed.status == "active"
    assert period(renewed)[0] == end
    second = client.v1.invoices.retrieve(renewed.latest_invoice)
    assert (second.billing_reason, second.status, second.amount_paid) == ("subscription_cycle", "paid", 1900)
    assert (second.period_start, second.period_end) == (start, end)
    assert [invoice.number for invoice in invoices(client, sub.id)] == [
        first.number,
        first.number[:-4] + "0002",
    ]
    sandbox.drain()
    assert webhook_receiver.types_for(sub.id) == [
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.updated",
    ]
    assert webhook_receiver.types_for(second.id) == [
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
    ]


def test_advancing_the_clock_ends_a_trial_and_the_subscription_becomes_active(client, sandbox, webhook_receiver):
    customer = customer_with_card(client)
    sub = client.v1.subscriptions.create(
        {"customer": customer, "items": [{"price": plan(client, "Pro", 2900)}], "trial_period_days": 14}
    )
    assert (sub.status, sub.trial_end - sub.trial_start) == ("trialing", 14 * DAY)
    trial_invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (trial_invoice.amount_due, trial_invoice.status) == (0, "paid")

    sandbox.advance(days=11)
    assert client.v1.subscriptions.retrieve(sub.id).status == "trialing"
    sandbox.drain()
    assert webhook_receiver.types_for(sub.id) == [
        "customer.subscription.created",
        "customer.subscription.trial_will_end",
    ]

    sandbox.advance(days=3, seconds=1)
    active = client.v1.subscriptions.retrieve(sub.id)
    assert active.status == "active"
    assert period(active)[0] == sub.trial_end
    assert active.billing_cycle_anchor == sub.trial_end
    bill = client.v1.invoices.retrieve(active.latest_invoice)
    assert (bill.billing_reason, bill.status, bill.amount_paid, bill.created) == (
        "subscription_cycle",
        "paid",
        2900,
        sub.trial_end,
    )
    sandbox.drain()
    updated = [
        event
        for event in webhook_receiver.events()
        if event["type"] == "customer.subscription.updated" and event["data"]["object"]["id"] == sub.id
    ]
    assert len(updated) == 1
    assert updated[0]["created"] == sub.trial_end
    assert updated[0]["data"]["object"]["status"] == "active"
    assert updated[0]["data"]["previous_attributes"]["status"] == "trialing"


def test_a_failed_renewal_makes_the_subscription_past_due_and_a_retry_recovers_it(client, sandbox, webhook_receiver):
    customer = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer, "items": [{"price": plan(client, "Pro", 2900)}]})
    sandbox.control("POST", "/fail_next_renewal", subscription=sub.id)
    end = period(sub)[1]
    sandbox.advance(seconds=end - sandbox.now() + 1)

    past_due = client.v1.subscriptions.retrieve(sub.id)
    assert past_due.status == "past_due"
    failed = client.v1.invoices.retrieve(past_due.latest_invoice)
    assert (failed.status, failed.attempt_count, failed.attempted, failed.amount_remaining) == ("open", 1, True, 2900)
    assert failed.next_payment_attempt == end + 3 * DAY
    sandbox.drain()
    assert webhook_receiver.types_for(failed.id)[-1] == "invoice.payment_failed"

    # The card works again, so the first scheduled retry, three days later, collects the invoice.
    sandbox.advance(days=3)
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
    paid = client.v1.invoices.retrieve(failed.id)
    assert (paid.status, paid.attempt_count, paid.next_payment_attempt) == ("paid", 2, None)
    assert paid.status_transitions.paid_at == end + 3 * DAY


def test_a_0341_card_fails_at_trial_end_and_dunning_ends_in_cancellation(client, sandbox, webhook_receiver):
    customer = customer_with_card(client, "pm_card_chargeCustomerFail")
    sub = client.v1.subscriptions.create(
        {"customer": customer, "items": [{"price": plan(client, "Pro", 2900)}], "trial_period_days": 7}
    )
    sandbox.advance(days=7, seconds=1)
    assert client.v1.subscriptions.retrieve(sub.id).status == "past_due"
    unpaid = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert (unpaid.status, unpaid.attempt_count) == ("open", 1)

    sandbox.advance(days=3 + 5 + 7)
    canceled = client.v1.subscriptions.retrieve(sub.id)
    assert canceled.status == "canceled"
    assert canceled.cancellation_details.reason == "payment_failed"
    assert canceled.ended_at == sub.trial_end + 15 * DAY
    final = client.v1.invoices.retrieve(unpaid.id)
    assert (final.status, final.attempt_count, final.next_payment_attempt) == ("open", 4, None)
    sandbox.drain()
    assert webhook_receiver.types_for(sub.id)[-2:] == ["customer.subscription.updated", "customer.subscription.deleted"]
    assert webhook_receiver.types_for(unpaid.id).count("invoice.payment_failed") == 4
    assert client.v1.subscriptions.list({"customer": customer}).data == []
    assert [item.id for item in client.v1.subscriptions.list({"customer": customer, "status": "canceled"}).data] == [
        sub.id
    ]


def test_paying_the_open_invoice_with_a_new_card_reactivates_a_past_due_subscription(client, sandbox):
    customer = customer_with_card(client, "pm_card_chargeCustomerFail")
    sub = client.v1.subscriptions.create(
        {"customer": customer, "items": [{"price": plan(client, "Pro", 2900)}], "trial_period_days": 3}
    )
    sandbox.advance(days=3, seconds=1)
    invoice_id = client.v1.subscriptions.retrieve(sub.id).latest_invoice
    with pytest.raises(stripe.CardError):
        client.v1.invoices.pay(invoice_id)
    paid = client.v1.invoices.pay(invoice_id, {"payment_method": "pm_card_visa"})
    assert (paid.status, paid.amount_paid, paid.attempt_count) == ("paid", 2900, 3)
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
    payments = client.v1.invoice_payments.list({"invoice": invoice_id}).data
    assert [(payment.status, payment.amount_paid) for payment in payments] == [("paid", 2900)]


def test_upgrading_mid_period_prorates_onto_the_next_invoice(client, sandbox):
    customer = customer_with_card(client)
    basic, pro = plan(client, "Basic", 1000), plan(client, "Pro", 3000)
    sub = client.v1.subscriptions.create({"customer": customer, "items": [{"price": basic}]})
    start, end = period(sub)
    halfway = start + (end - start) // 2
    sandbox.advance(seconds=halfway - sandbox.now())
    item = sub["items"].data[0]
    upgraded = client.v1.subscriptions.update(
        sub.id, {"items": [{"id": item.id, "price": pro}], "proration_date": halfway}
    )
    assert (upgraded["items"].data[0].id, upgraded["items"].data[0].price.id) == (item.id, pro)
    assert period(upgraded) == (start, end)
    pending = client.v1.invoice_items.list({"customer": customer, "pending": True}).data
    assert sorted((entry.amount, entry.proration) for entry in pending) == [(-500, True), (1500, True)]

    sandbox.advance(seconds=end - sandbox.now() + 1)
    renewal = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert [(line.amount, line.parent.type) for line in renewal.lines.data] == [
        (3000, "subscription_item_details"),
        (-500, "invoice_item_details"),
        (1500, "invoice_item_details"),
    ]
    assert renewal.lines.data[1].description.startswith("Unused time on Basic after ")
    assert renewal.lines.data[2].description.startswith("Remaining time on Pro after ")
    assert (renewal.total, renewal.amount_paid) == (4000, 4000)


def test_always_invoice_charges_the_proration_now_and_a_downgrade_leaves_credit(client, sandbox):
    customer = customer_with_card(client)
    basic, pro = plan(client, "Basic", 1000), plan(client, "Pro", 3000)
    sub = client.v1.subscriptions.create({"customer": customer, "items": [{"price": basic}]})
    start, end = period(sub)
    halfway = start + (end - start) // 2
    sandbox.advance(seconds=halfway - sandbox.now())
    item_id = sub["items"].data[0].id
    upgraded = client.v1.subscriptions.update(
        sub.id,
        {"items": [{"id": item_id, "price": pro}], "proration_behavior": "always_invoice", "proration_date": halfway},
    )
    now_invoice = client.v1.invoices.retrieve(upgraded.latest_invoice)
    assert (now_invoice.billing_reason, now_invoice.total, now_invoice.status) == ("subscription_update", 1000, "paid")

    downgraded = client.v1.subscriptions.update(
        sub.id,
        {"items": [{"id": item_id, "price": basic}], "proration_behavior": "always_invoice", "proration_date": halfway},
    )
    credit_note = client.v1.invoices.retrieve(downgraded.latest_invoice)
    assert (credit_note.total, credit_note.amount_due, credit_note.ending_balance) == (-1000, 0, -1000)
    assert client.v1.customers.retrieve(customer).balance == -1000

    sandbox.advance(seconds=end - sandbox.now() + 1)
    renewal = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert (renewal.total, renewal.starting_balance, renewal.amount_due, renewal.amount_paid) == (1000, -1000, 0, 0)
    assert renewal.status == "paid"
    assert client.v1.customers.retrieve(customer).balance == 0


def test_switching_to_a_yearly_price_restarts_the_period_and_bills_now(client, sandbox):
    customer = customer_with_card(client)
    monthly, yearly = plan(client, "Pro", 3000), plan(client, "Pro yearly", 30000, "year")
    sub = client.v1.subscriptions.create({"customer": customer, "items": [{"price": monthly}]})
    switched = client.v1.subscriptions.update(sub.id, {"items": [{"id": sub["items"].data[0].id, "price": yearly}]})
    start, end = period(switched)
    assert start == switched.billing_cycle_anchor
    assert 365 * DAY <= end - start <= 366 * DAY
    bill = client.v1.invoices.retrieve(switched.latest_invoice)
    assert bill.billing_reason == "subscription_update"
    assert bill.lines.data[0].amount == 30000
    assert -3000 <= bill.lines.data[1].amount < -2990
    assert bill.status == "paid"


def test_cancel_at_period_end_cancels_when_the_period_ends(client, sandbox, webhook_receiver):
    customer = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer, "items": [{"price": plan(client, "Pro", 2900)}]})
    requested_at = sandbox.now()
    pending = client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": True})
    end = period(sub)[1]
    assert (pending.status, pending.cancel_at_period_end, pending.cancel_at) == ("active", True, end)
    assert abs(pending.canceled_at - requested_at) <= 2

    sandbox.advance(seconds=end - sandbox.now() + 1)
    ended = client.v1.subscriptions.retrieve(sub.id)
    assert (ended.status, ended.ended_at, ended.canceled_at) == ("canceled", end, pending.canceled_at)
    assert len(invoices(client, sub.id)) == 1
    sandbox.drain()
    assert webhook_receiver.types_for(sub.id)[-1] == "customer.subscription.deleted"


def test_undoing_a_scheduled_cancellation_keeps_the_subscription(client, sandbox):
    customer = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer, "items": [{"price": plan(client, "Pro", 2900)}]})
    client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": True})
    kept = client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": False})
    assert (kept.cancel_at, kept.canceled_at, kept.cancellation_details.reason) == (None, None, None)
    sandbox.advance(seconds=period(sub)[1] - sandbox.now() + 1)
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_canceling_now(client, sandbox):
    customer = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer, "items": [{"price": plan(client, "Pro", 2900)}]})
    canceled = client.v1.subscriptions.cancel(sub.id, {"cancellation_details": {"comment": "moving to paper"}})
    assert canceled.status == "canceled"
    assert canceled.ended_at == canceled.canceled_at
    assert canceled.cancellation_details.to_dict() == {
        "comment": "moving to paper",
        "feedback": None,
        "reason": "cancellation_requested",
    }
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscriptions.update(sub.id, {"items": [{"price": plan(client, "Other", 100)}]})
    assert error.value.user_message == "A canceled subscription can only update its cancellation_details and metadata."


def test_payment_behavior_decides_what_a_declined_first_payment_does(client, sandbox):
    customer = customer_with_card(client, "pm_card_chargeCustomerFail")
    price = plan(client, "Pro", 2900)
    with pytest.raises(stripe.CardError):
        client.v1.subscriptions.create(
            {"customer": customer, "items": [{"price": price}], "payment_behavior": "error_if_incomplete"}
        )
    assert client.v1.subscriptions.list({"customer": customer, "status": "all"}).data == []

    incomplete = client.v1.subscriptions.create({"customer": customer, "items": [{"price": price}]})
    assert incomplete.status == "incomplete"
    assert client.v1.invoices.retrieve(incomplete.latest_invoice).status == "open"

    pending = client.v1.subscriptions.create(
        {
            "customer": customer,
            "items": [{"price": price}],
            "payment_behavior": "default_incomplete",
            "expand": ["latest_invoice.confirmation_secret"],
        }
    )
    assert pending.status == "incomplete"
    assert pending.latest_invoice.confirmation_secret.type == "payment_intent"
    paid = client.v1.invoices.pay(pending.latest_invoice.id, {"payment_method": "pm_card_visa"})
    assert paid.status == "paid"
    assert client.v1.subscriptions.retrieve(pending.id).status == "active"

    # An incomplete subscription nobody pays expires after 23 hours, and its invoice is voided.
    sandbox.advance(seconds=23 * 3600 + 1)
    expired = client.v1.subscriptions.retrieve(incomplete.id)
    assert expired.status == "incomplete_expired"
    assert client.v1.invoices.retrieve(incomplete.latest_invoice).status == "void"

    with pytest.raises(stripe.InvalidRequestError) as no_card:
        client.v1.subscriptions.create(
            {"customer": client.v1.customers.create({"email": "nocard@example.com"}).id, "items": [{"price": price}]}
        )
    assert no_card.value.user_message.startswith(
        "This customer has no attached payment source or default payment method."
    )
