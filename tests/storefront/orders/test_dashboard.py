"""The seller's order pages: list, detail with timeline, fulfilment; other stores' staff see none of it."""

from storefront.orders.models import Order
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import in_store, pay_on_stripe
from tests.storefront.orders.test_payment import place


def paid_order(client, store):
    order, _, stripe_url = place(client, store)
    pay_on_stripe(stripe_url)
    client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store))
    with in_store(store):
        order.refresh_from_db()
    assert order.status == "paid"
    return order


def test_staff_list_and_fulfil_an_order(client, store_a):
    order = paid_order(client, store_a)
    staff = make_user("packer@alpha.test")
    add_member(store_a, staff, "staff")
    sign_in_on(client, staff, store_a)
    listing = client.get("/dashboard/orders/", HTTP_HOST=host_of(store_a)).content.decode()
    assert f'<a href="/dashboard/orders/{order.pk}/">#{order.pk}</a>' in listing
    assert '<a href="/dashboard/orders/">Orders</a>' in listing
    detail = client.get(f"/dashboard/orders/{order.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Mark fulfilled" in detail and "sam@example.com" in detail
    missing = client.post(f"/dashboard/orders/{order.pk}/fulfil/", {"carrier": "UPS"}, HTTP_HOST=host_of(store_a))
    assert missing.status_code == 302
    with in_store(store_a):
        assert Order.objects.get(pk=order.pk).status == "paid"
    client.post(
        f"/dashboard/orders/{order.pk}/fulfil/",
        {"carrier": "UPS", "tracking_number": "1Z999"},
        HTTP_HOST=host_of(store_a),
    )
    with in_store(store_a):
        order.refresh_from_db()
        shipment = order.shipments.get()
        assert (order.status, shipment.carrier, shipment.tracking_number) == ("fulfilled", "UPS", "1Z999")
        assert list(order.events.values_list("kind", flat=True)) == ["placed", "payment_started", "paid", "fulfilled"]
    buyer_page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Sent with UPS, tracking number 1Z999." in buyer_page


def test_the_dashboard_needs_a_member_of_this_store(client, store_a, store_b, owner_a):
    order = paid_order(client, store_a)
    assert client.get("/dashboard/orders/", HTTP_HOST=host_of(store_a))["Location"].startswith("/dashboard/login/")
    sign_in_on(client, owner_a, store_b)
    assert client.get("/dashboard/orders/", HTTP_HOST=host_of(store_b)).status_code == 403
    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    sign_in_on(client, owner_b, store_b)
    listing = client.get("/dashboard/orders/", HTTP_HOST=host_of(store_b)).content.decode()
    assert "No orders yet." in listing
    assert client.get(f"/dashboard/orders/{order.pk}/", HTTP_HOST=host_of(store_b)).status_code == 404
    fulfil = client.post(
        f"/dashboard/orders/{order.pk}/fulfil/", {"carrier": "X", "tracking_number": "1"}, HTTP_HOST=host_of(store_b)
    )
    assert fulfil.status_code == 404
    with in_store(store_a):
        assert Order.objects.get(pk=order.pk).status == "paid"
