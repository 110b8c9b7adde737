"""The seller hears of each paid order and each return request once, at the store's address, through the outbox."""

from storefront.orders.emails import drain_order_emails
from storefront.orders.models import OrderEmail
from storefront.themes.selectors import store_profile
from storefront.themes.services import update_profile
from tests.conftest import host_of
from tests.storefront.checkout.support import in_store
from tests.storefront.orders.test_dashboard import paid_order
from tests.storefront.orders.test_returns import _ask, _line, sent_order


def _seller_emails(store, order):
    with in_store(store):
        return list(
            OrderEmail.objects.filter(order=order, kind__startswith="seller_").values_list("kind", "to", "reference")
        )


def test_a_paid_order_is_announced_to_the_owner_once_with_a_dashboard_link(client, store_a, owner_a, mailoutbox):
    order = paid_order(client, store_a)
    # Paid once more by a replayed confirmation: still one row.
    from storefront.orders.emails import queue_confirmation

    with in_store(store_a):
        queue_confirmation(order)
    assert _seller_emails(store_a, order) == [("seller_new_order", "owner@alpha.test", "")]
    with in_store(store_a):
        drain_order_emails()
    to_seller = [message for message in mailoutbox if message.to == ["owner@alpha.test"]]
    assert len(to_seller) == 1
    assert to_seller[0].subject == f"New order #{order.pk}: 113.90 USD"
    assert f"{host_of(store_a)}/dashboard/orders/{order.pk}/" in to_seller[0].body
    assert "1 x Tent" in to_seller[0].body


def test_the_stores_contact_email_is_used_when_set(client, store_a, owner_a):
    with in_store(store_a):
        update_profile(profile=store_profile(), contact_email="orders@alpha.test")
    order = paid_order(client, store_a)
    assert _seller_emails(store_a, order) == [("seller_new_order", "orders@alpha.test", "")]


def test_a_return_request_reaches_the_seller_with_the_reason(client, store_a, owner_a):
    order = sent_order(client, store_a)
    line = _line(store_a, order)
    assert _ask(client, store_a, order, reason="Wrong colour", **{str(line.pk): "1"}).status_code == 302
    rows = _seller_emails(store_a, order)
    assert [(kind, to) for kind, to, _ in rows] == [
        ("seller_new_order", "owner@alpha.test"),
        ("seller_return", "owner@alpha.test"),
    ]
    with in_store(store_a):
        body = OrderEmail.objects.get(order=order, kind="seller_return").body
    assert "Reason: Wrong colour" in body and "1 x " in body


def test_store_bs_owner_never_hears_of_store_as_orders(client, store_a, store_b, owner_a):
    from tests.conftest import add_member, make_user

    add_member(store_b, make_user("owner@beta.test"), "owner")
    order = paid_order(client, store_a)
    with in_store(store_a):
        recipients = set(OrderEmail.objects.values_list("to", flat=True))
    with in_store(store_b):
        assert not OrderEmail.objects.filter(order_id=order.pk).exists()
    assert "owner@beta.test" not in recipients
