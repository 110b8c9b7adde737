"""The order email outbox: written with the change, sent once by the drain, even after Redis or the worker was down."""

import email
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from billing.models import StripeEvent
from billing.webhooks import process_event
from platform.celery import app
from storefront.cart.models import Cart
from storefront.catalog.models import Product
from storefront.checkout.models import ShippingZone
from storefront.orders.emails import drain_order_emails
from storefront.orders.models import Order, OrderEmail
from storefront.orders.payments import refund_order
from storefront.orders.services import fulfil_order, mark_order_paid
from storefront.orders.tasks import dispatch_order_email_drains, send_order_emails
from tests.conftest import wait_for_email
from tests.storefront.checkout.support import add, buy, in_store, make_shipping, make_variant, pay_on_stripe
from tests.storefront.orders.test_dashboard import paid_order
from tests.stripe_sandbox import WEBHOOK_PATH
from tests.support import WAIT_TIMEOUT, free_port


@contextmanager
def broker_unreachable(monkeypatch) -> Iterator[None]:
    """This process publishes to a port nobody listens on (Redis "down"); the real broker is back afterwards."""
    port = free_port()
    closed = f"redis://127.0.0.1:{port}/0"
    with monkeypatch.context() as patch:
        # Both names: the write URL wins when set, and another test may have left it set.
        patch.setitem(app.conf, "broker_url", closed)
        patch.setitem(app.conf, "broker_write_url", closed)
        # The app caches its connection and producer pools: drop them so the next publish connects anew.
        patch.setattr(app, "_pool", None)
        patch.setattr(app.amqp, "_producer_pool", None)
        assert app.connection_for_write().port == port
        yield
    assert app.connection_for_write().port != port


def emails_in_outbox(worker, *, to: str, subject: str) -> int:
    """How many emails the worker wrote to its file outbox for ``to`` with ``subject`` in the subject."""
    count = 0
    for path in sorted(worker.outbox.glob("*.log")) if worker.outbox.exists() else []:
        for raw in path.read_text().split("\n" + "-" * 79 + "\n"):
            message = email.message_from_string(raw.strip())
            if message["To"] == to and subject in (message["Subject"] or ""):
                count += 1
    return count


def make_order(store_email: str = "row@example.com", **fields) -> Order:
    """A bare order row, for outbox tests that need no checkout."""
    now = timezone.now()
    values = {
        "token": f"tok-{now.timestamp()}-{store_email}",
        "checkout_key": f"key-{now.timestamp()}-{store_email}",
        "email": store_email,
        "site_url": "http://example.test",
        "currency": "USD",
        "ship_name": "Sam",
        "ship_line1": "1 Main St",
        "ship_city": "Springfield",
        "ship_postal_code": "62701",
        "ship_country": "US",
        "shipping_method": "Standard",
        "subtotal": 10,
        "discount_total": 0,
        "shipping_total": 0,
        "tax_total": 0,
        "total": 10,
        "reserved_until": now + timedelta(minutes=30),
        **fields,
    }
    return Order.objects.create(**values)


def test_each_email_is_written_once_per_occasion_and_sent_once(client, store_a, mailoutbox):
    order = paid_order(client, store_a)
    with in_store(store_a):
        # A replayed payment, then the shipment and a refund: three announcements, each written once.
        assert mark_order_paid(order=order, payment_intent=order.stripe_payment_intent) is False
        fulfil_order(order=order, carrier="UPS", tracking_number="1Z999")
        refund = refund_order(order=order, request_key="outbox-r1", amount=None, restock=False)
        rows = list(OrderEmail.objects.filter(order=order).values_list("kind", "reference", "to", "sent_at"))
        # A shipping email is written once per shipment, so its reference is the shipment's id.
        assert rows == [
            ("confirmation", "", "sam@example.com", None),
            ("shipped", str(order.shipments.get().pk), "sam@example.com", None),
            ("refunded", refund.stripe_refund_id, "sam@example.com", None),
        ]
        assert drain_order_emails() == 3
        assert drain_order_emails() == 0
        assert not OrderEmail.objects.filter(order=order, sent_at__isnull=True).exists()
    assert [message.subject for message in mailoutbox] == [
        f"Alpha Outfitters: order #{order.pk} confirmed", f"Alpha Outfitters: order #{order.pk} is on its way",
        f"Alpha Outfitters: refund of 113.90 USD for order #{order.pk}",
    ]  # fmt: skip
    assert "sent with UPS, tracking number 1Z999" in mailoutbox[1].body
    assert "We refunded 113.90 USD" in mailoutbox[2].body
    assert mailoutbox[0].to == ["sam@example.com"]


def test_a_failed_send_stays_pending_with_its_error_and_goes_out_later(client, store_a, mailoutbox, settings):
    order = paid_order(client, store_a)
    locmem = settings.MAILERS
    # The mail server is down: a real SMTP connection to a port nobody listens on.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 5},
        }
    }
    with in_store(store_a):
        assert drain_order_emails() == 0
        row = OrderEmail.objects.get(order=order)
        assert (row.sent_at, row.attempts) == (None, 1)
        assert "refused" in row.last_error.lower()
        settings.MAILERS = locmem
        assert drain_order_emails() == 1
        row.refresh_from_db()
        assert (row.sent_at is not None, row.attempts, row.last_error) == (True, 2, "")
    assert [message.subject for message in mailoutbox] == [f"Alpha Outfitters: order #{order.pk} confirmed"]


def test_a_drain_in_store_b_never_sends_store_a_emails(client, store_a, store_b, mailoutbox):
    order = paid_order(client, store_a)
    with in_store(store_b):
        assert drain_order_emails() == 0
    with in_store(store_a):
        assert OrderEmail.objects.get(order=order).sent_at is None
        assert drain_order_emails() == 1
    assert [message.to for message in mailoutbox] == [["sam@example.com"]]


@pytest.fixture
def clean_store(committed):
    """A committed store (the worker is another process) whose orders, carts and new products are removed after."""
    from tenants.models import Store

    store = Store.objects.get(slug="alpha")
    with in_store(store):
        before = set(Product.objects.values_list("pk", flat=True))
    yield store
    with in_store(store):
        Order.objects.all().delete()
        Cart.objects.all().delete()
        ShippingZone.objects.all().delete()
        Product.objects.exclude(pk__in=before).delete()
    connection.set_schema_to_public()


def test_paid_while_the_broker_is_down_the_email_goes_out_once_when_it_is_back(
    clean_store, client, celery_worker, sandbox_server, webhook_receiver, monkeypatch, caplog
):
    store, buyer = clean_store, "outbox-down@example.com"
    with in_store(store):
        lamp = make_variant("Outbox Lamp", "20.00", stock=4)
        _, flat = make_shipping(tax="0")
    add(client, store, lamp, 1)
    stripe_url = buy(client, store, flat, email=buyer)["Location"]
    with in_store(store):
        order = Order.objects.get()
    webhook_receiver.clear()
    pay_on_stripe(stripe_url)
    sandbox_server.drain()
    [completed] = [
        item for item in webhook_receiver.received
        if item.path == WEBHOOK_PATH and item.event["type"] == "checkout.session.completed"
        and item.event["data"]["object"]["id"] == order.stripe_session_id
    ]  # fmt: skip

    with broker_unreachable(monkeypatch), caplog.at_level(logging.WARNING):
        response = client.post(
            "/billing/stripe/webhook/", data=completed.body, content_type="application/json",
            HTTP_HOST="localhost", HTTP_STRIPE_SIGNATURE=completed.headers["Stripe-Signature"],
        )  # fmt: skip
        assert response.status_code == 200
        # The stored event is processed here (the sweep's part) while the broker is still unreachable.
        stored = process_event(event_pk=StripeEvent.objects.get(event_id=completed.event["id"]).pk)
    assert stored.status == "processed"
    assert f"could not send an order email drain for {store.schema_name}" in caplog.text
    with in_store(store):
        order.refresh_from_db()
        assert (order.status, order.stock_state) == ("paid", "committed")
        row = OrderEmail.objects.get(order=order)
        assert (row.kind, row.to, row.sent_at, row.attempts) == ("confirmation", buyer, None, 0)
    assert emails_in_outbox(celery_worker, to=buyer, subject="confirmed") == 0

    # The broker is back: the beat's dispatcher and two more drains reach the real worker; one email goes out.
    assert dispatch_order_email_drains.apply_async().get(timeout=WAIT_TIMEOUT) >= 2
    results = [send_order_emails.apply_async(headers={"_schema_name": store.schema_name}) for _ in range(2)]
    drained = [result.get(timeout=WAIT_TIMEOUT) for result in results]
    assert sum(drained) <= 1 and set(drained) <= {0, 1}
    message = wait_for_email(celery_worker, to=buyer, subject="confirmed")
    assert message.startswith(f"Subject: Alpha Outfitters: order #{order.pk} confirmed\n\n")
    assert "Outbox Lamp" in message and "\n  1 x 20.00 USD = 20.00 USD\n" in message
    assert emails_in_outbox(celery_worker, to=buyer, subject="confirmed") == 1
    with in_store(store):
        row.refresh_from_db()
        assert (row.sent_at is not None, row.attempts) == (True, 1)
    # One more drain, in process this time, finds nothing left to send.
    with in_store(store):
        assert drain_order_emails() == 0
    assert emails_in_outbox(celery_worker, to=buyer, subject="confirmed") == 1


def test_two_drains_at_once_never_send_the_same_row(committed, mailoutbox):
    """A row one drain holds is skipped by the other (FOR UPDATE SKIP LOCKED), and sent once it is free."""
    from tenants.models import Store

    store = Store.objects.get(slug="beta")
    with in_store(store):
        order = make_order("skip-locked@example.com")
        rows = [
            OrderEmail.objects.create(order=order, kind="cancelled", reference="", to=order.email, subject="one", body="1"),
            OrderEmail.objects.create(order=order, kind="refunded", reference="r2", to=order.email, subject="two", body="2"),
            OrderEmail.objects.create(order=order, kind="refunded", reference="r3", to=order.email, subject="three", body="3"),
        ]  # fmt: skip
    held, release = threading.Event(), threading.Event()

    def hold_first_row() -> None:
        # Another drain, in its own connection, in the middle of sending the first row.
        try:
            connection.set_schema(store.schema_name)
            with transaction.atomic():
                OrderEmail.objects.select_for_update().get(pk=rows[0].pk)
                held.set()
                release.wait(timeout=WAIT_TIMEOUT)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_first_row)
    holder.start()
    try:
        assert held.wait(timeout=WAIT_TIMEOUT)
        with in_store(store):
            assert drain_order_emails() == 2
            assert OrderEmail.objects.get(pk=rows[0].pk).sent_at is None
    finally:
        release.set()
        holder.join(timeout=WAIT_TIMEOUT)
    try:
        with in_store(store):
            assert drain_order_emails() == 1
            assert drain_order_emails() == 0
        assert sorted(message.subject for message in mailoutbox) == ["one", "three", "two"]
    finally:
        with in_store(store):
            Order.objects.filter(pk=order.pk).delete()
        connection.set_schema_to_public()
