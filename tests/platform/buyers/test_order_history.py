"""Order history across stores: each store sends a small public row for a linked customer's order, never scanned."""

import secrets
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from platform.buyers.models import BuyerOrder
from storefront.customers.marketplace import share_orders
from storefront.customers.models import Customer, CustomerOrder
from storefront.customers.tasks import forget_marketplace_buyer
from storefront.orders.events import record_event
from storefront.orders.models import Order, OrderEvent
from storefront.orders.timeline import note
from tenants.models import Store
from tests.conftest import host_of
from tests.storefront.customers.support import PASSWORD as STORE_PASSWORD
from tests.storefront.customers.support import sign_in as store_sign_in
from tests.support import wait_until

from .support import PLATFORM, Browser, make_buyer, sign_in_buyer


def _order(store, *, email: str, status: str) -> Order:
    """An order made straight in the store's schema (no lines: the history shows only its number, total, status)."""
    with schema_context(store.schema_name):
        return Order.objects.create(
            token=secrets.token_urlsafe(32), checkout_key=secrets.token_urlsafe(16), email=email,
            site_url=f"http://{host_of(store)}", status=status, stock_state="committed", currency="USD",
            ship_name="Pat", ship_line1="1 Main St", ship_city="Springfield", ship_postal_code="62701",
            ship_country="US", shipping_method="Standard", subtotal=Decimal("24.00"), discount_total=Decimal("0"),
            shipping_total=Decimal("0"), tax_total=Decimal("0"), total=Decimal("24.00"), reserved_until=timezone.now(),
        )  # fmt: skip


def _linked_order(store, buyer, *, email="pat@example.com", status="paid"):
    order = _order(store, email=email, status=status)
    with schema_context(store.schema_name):
        customer = Customer.objects.create(email=email, password="!", marketplace_buyer_id=buyer.pk if buyer else None)
        CustomerOrder.objects.create(customer=customer, order=order, how="placed")
    return order


def test_a_linked_customers_order_is_listed_with_store_number_total_status_and_link(db, store_a):
    buyer = make_buyer()
    order = _linked_order(store_a, buyer)
    with schema_context(store_a.schema_name):
        assert share_orders(order_ids=[order.pk]) == 1
        assert share_orders(order_ids=[order.pk]) == 1  # twice: still one row
    row = BuyerOrder.objects.get()
    assert (row.buyer_id, row.store_id, row.number, row.total, row.currency, row.status, row.status_label) == (
        buyer.pk, store_a.pk, order.pk, order.total, "USD", "paid", "Paid",
    )  # fmt: skip
    assert row.link == f"http://{host_of(store_a)}/account/"

    with schema_context(store_a.schema_name):
        Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)
        share_orders(order_ids=[order.pk])
    row.refresh_from_db()
    assert (row.status, row.status_label) == ("cancelled", "Cancelled")

    browser = Browser()
    sign_in_buyer(browser.platform)
    page = browser.platform.get("/buyer/", HTTP_HOST=PLATFORM).content.decode()
    assert "Alpha Outfitters" in page and f"#{order.pk}" in page and "Cancelled" in page


def test_orders_of_unlinked_customers_stay_in_the_store(db, store_a):
    order = _linked_order(store_a, None, email="local@example.com")
    with schema_context(store_a.schema_name):
        assert share_orders(order_ids=[order.pk]) == 0
    assert not BuyerOrder.objects.exists()


def test_an_order_event_sends_the_order_only_when_a_linked_customer_has_it(
    db, store_a, django_capture_on_commit_callbacks
):
    buyer = make_buyer()
    linked = _linked_order(store_a, buyer)
    unlinked = _linked_order(store_a, None, email="local@example.com")
    with schema_context(store_a.schema_name), django_capture_on_commit_callbacks() as callbacks:
        record_event(order=linked, kind=OrderEvent.Kind.FULFILLED)
        record_event(order=unlinked, kind=OrderEvent.Kind.FULFILLED)
    # Each event leaves one check for after the commit; only the linked order's sends the task.
    with schema_context(store_a.schema_name), django_capture_on_commit_callbacks() as sent:
        for check in callbacks:
            check()
    assert [(cb.args[0], cb.keywords["args"]) for cb in sent] == [
        ("customers.share_orders_with_marketplace", ([linked.pk],))
    ]


def test_one_buyer_never_sees_anothers_orders_and_store_b_cannot_write_store_as(db, store_a, store_b):
    buyer = make_buyer()
    other = make_buyer("other@example.com")
    order = _linked_order(store_a, other, email="other@example.com")
    with schema_context(store_a.schema_name):
        share_orders(order_ids=[order.pk])
    # Store B sharing the same order number writes B's row, never touching A's.
    with schema_context(store_b.schema_name):
        assert share_orders(order_ids=[order.pk]) == 0
    assert list(BuyerOrder.objects.values_list("store_id", "buyer_id")) == [(store_a.pk, other.pk)]
    browser = Browser()
    sign_in_buyer(browser.platform)
    page = browser.platform.get("/buyer/", HTTP_HOST=PLATFORM).content.decode()
    assert "No orders yet" in page and buyer.email in page


def test_a_deleted_accounts_link_is_forgotten_by_the_store_which_keeps_its_customer(db, store_a, store_b):
    buyer = make_buyer()
    _linked_order(store_a, buyer)
    with schema_context(store_b.schema_name):
        Customer.objects.create(email="pat@example.com", password="!", marketplace_buyer_id=buyer.pk)
    with schema_context(store_a.schema_name):
        assert forget_marketplace_buyer(buyer.pk) == 1
        assert list(Customer.objects.values_list("email", "marketplace_buyer_id")) == [("pat@example.com", None)]
        assert Order.objects.count() == 1
    with schema_context(store_b.schema_name):
        assert Customer.objects.get().marketplace_buyer_id == buyer.pk


@pytest.mark.slow
def test_the_worker_lists_a_paid_order_in_the_marketplace_history(committed, celery_worker):
    """The real path: the order's event commits, the task goes to the worker in store A, the public row appears."""
    store_a = Store.objects.get(slug="alpha")
    buyer = make_buyer("worker@example.com")
    try:
        order = _linked_order(store_a, buyer, email="worker@example.com", status="paid")
        with schema_context(store_a.schema_name):
            record_event(order=order, kind=OrderEvent.Kind.PAID, notes=[note("stripe_payment", payment="test")])
        wait_until(lambda: BuyerOrder.objects.filter(buyer=buyer).exists(), what="the order in the buyer's history")
        row = BuyerOrder.objects.get(buyer=buyer)
        assert (row.store_id, row.number, row.total, row.status) == (store_a.pk, order.pk, Decimal("24.00"), "paid")
    finally:
        buyer.delete()
        with schema_context(store_a.schema_name):
            Order.objects.filter(email="worker@example.com").delete()
            Customer.objects.filter(email="worker@example.com").delete()


def test_unlinking_on_store_a_removes_only_store_as_orders_from_the_history(db, store_a, store_b):
    buyer = make_buyer()
    order_a = _linked_order(store_a, buyer)
    order_b = _linked_order(store_b, buyer)
    for store, order in ((store_a, order_a), (store_b, order_b)):
        with schema_context(store.schema_name):
            share_orders(order_ids=[order.pk])
    assert BuyerOrder.objects.filter(buyer=buyer).count() == 2
    with schema_context(store_a.schema_name):
        customer = Customer.objects.get()
        customer.set_password(STORE_PASSWORD)  # signed in on A with its own password, as a store's account is
        customer.save()

    browser = Browser()
    assert store_sign_in(browser.store(store_a), store_a, email="pat@example.com").status_code == 302
    response = browser.store(store_a).post("/account/mercato/unlink/", HTTP_HOST=host_of(store_a))
    assert response.status_code == 302
    assert list(BuyerOrder.objects.filter(buyer=buyer).values_list("store_id", flat=True)) == [store_b.pk]
    with schema_context(store_a.schema_name):
        assert Customer.objects.get().marketplace_buyer_id is None
        assert Order.objects.filter(pk=order_a.pk).exists()  # the order stays the store's record
    with schema_context(store_b.schema_name):
        assert Customer.objects.get().marketplace_buyer_id == buyer.pk
