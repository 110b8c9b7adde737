"""Shipments: part or all of an order per parcel, tracking links, one email each, delivery, and other stores' staff."""

import json
import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from storefront.catalog.models import Product
from storefront.orders.emails import drain_order_emails
from storefront.orders.models import Order, OrderEmail, OrderEvent, OrderLine, Shipment, ShipmentLine
from storefront.orders.services import return_all_units
from storefront.orders.shipments import (
    create_shipment,
    mark_order_delivered,
    mark_shipment_delivered,
    shippable_quantities,
)
from storefront.orders.tracking import carrier_tracking_url, clean_tracking_url, known_carrier, tracking_link
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.api.conftest import issue_token
from tests.storefront.api.test_orders_api import move_order_numbers_past
from tests.storefront.checkout.support import in_store, make_variant
from tests.storefront.orders.test_email_outbox import make_order

# --- Helpers ---------------------------------------------------------------------------------------------------


def paid_two_line_order(email: str = "sam@example.com") -> tuple[Order, OrderLine, OrderLine]:
    """A paid order of 3 tents and 2 lamps (tracked stock, taken at checkout); call inside the store."""
    tent = make_variant("Tent", "99.00", stock=10)
    lamp = make_variant("Lamp", "20.00", stock=10)
    order = make_order(email, status="paid", stock_state="committed", total=Decimal("337.00"))
    tents = OrderLine.objects.create(
        order=order, variant=tent, sku=tent.sku, title="Tent", unit_price=Decimal("99.00"), quantity=3,
        line_total=Decimal("297.00"), reserved_quantity=3,
    )  # fmt: skip
    lamps = OrderLine.objects.create(
        order=order, variant=lamp, sku=lamp.sku, title="Lamp", unit_price=Decimal("20.00"), quantity=2,
        line_total=Decimal("40.00"), reserved_quantity=2,
    )  # fmt: skip
    return order, tents, lamps


def staff_on(client, store, email: str = "packer@alpha.test"):
    staff = make_user(email)
    add_member(store, staff, "staff")
    sign_in_on(client, staff, store)
    return staff


def form_key(page: str) -> str:
    return re.search(r'name="shipment_key" value="([^"]+)"', page).group(1)


def detail(client, store, order) -> str:
    response = client.get(f"/dashboard/orders/{order.pk}/", HTTP_HOST=host_of(store))
    assert response.status_code == 200
    return response.content.decode()


def flash(client, store, response) -> str:
    return client.get(response["Location"], HTTP_HOST=host_of(store)).content.decode()


def state(store, order) -> tuple[str, dict[int, int]]:
    with in_store(store):
        order.refresh_from_db()
        return order.status, shippable_quantities(order)


# --- Partial, then full ----------------------------------------------------------------------------------------


def test_a_partial_then_a_full_shipment_move_the_order_to_partly_fulfilled_then_fulfilled(client, store_a):
    with in_store(store_a):
        order, tents, lamps = paid_two_line_order()
    staff_on(client, store_a)
    page = detail(client, store_a, order)
    # Every unit left is offered by default.
    assert f'name="quantity-{tents.pk}" min="0" max="3" value="3"' in page
    assert f'name="quantity-{lamps.pk}" min="0" max="2" value="2"' in page
    first = client.post(
        f"/dashboard/orders/{order.pk}/fulfil/",
        {"shipment_key": form_key(page), "carrier": "UPS", "tracking_number": "1ZAAA",
         f"quantity-{tents.pk}": "2", f"quantity-{lamps.pk}": "0"},
        HTTP_HOST=host_of(store_a),
    )  # fmt: skip
    assert first.status_code == 302
    assert "is partly fulfilled" in flash(client, store_a, first)
    assert state(store_a, order) == ("partially_fulfilled", {tents.pk: 1, lamps.pk: 2})
    with in_store(store_a):
        shipment = order.shipments.get()
        assert [(item.order_line_id, item.quantity) for item in shipment.lines.all()] == [(tents.pk, 2)]
        assert (shipment.shipped_by, order.fulfilled_at) == ("packer@alpha.test", None)
        assert order.events.get(kind="shipped").message == (
            f"UPS 1ZAAA: shipment {shipment.pk} by packer@alpha.test, 2 x {tents.sku}"
        )
    page = detail(client, store_a, order)
    assert f'name="quantity-{tents.pk}" min="0" max="1" value="1"' in page
    assert "https://www.ups.com/track?tracknum=1ZAAA" in page
    # The second form sends what is left (no quantities named: everything left).
    second = client.post(
        f"/dashboard/orders/{order.pk}/fulfil/",
        {"shipment_key": form_key(page), "carrier": "FedEx", "tracking_number": "7777"},
        HTTP_HOST=host_of(store_a),
    )
    assert "is marked fulfilled" in flash(client, store_a, second)
    assert state(store_a, order) == ("fulfilled", {tents.pk: 0, lamps.pk: 0})
    with in_store(store_a):
        later = order.shipments.exclude(pk=shipment.pk).get()
        assert sorted((item.order_line_id, item.quantity) for item in later.lines.all()) == [
            (tents.pk, 1),
            (lamps.pk, 2),
        ]
        assert order.fulfilled_at is not None
        kinds = list(order.events.values_list("kind", flat=True))
        assert kinds == ["shipped", "fulfilled"]
    page = detail(client, store_a, order)
    assert 'class="shipment-form"' not in page  # nothing is left to send
    buyer = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Your order is on its way." in buyer
    assert "Sent with UPS, tracking number 1ZAAA." in buyer and "Sent with FedEx, tracking number 7777." in buyer
    assert 'href="https://www.fedex.com/fedextrack/?trknbr=7777"' in buyer


# --- Refusals --------------------------------------------------------------------------------------------------


def test_over_shipping_and_bad_forms_are_refused_clearly_and_write_nothing(store_a):
    with in_store(store_a):
        order, tents, lamps = paid_two_line_order()
        create_shipment(
            order=order, request_key="k-first", carrier="UPS", tracking_number="1Z1", quantities={str(tents.pk): "2"}
        )
        before = (Shipment.objects.count(), ShipmentLine.objects.count(), OrderEvent.objects.count(),
                  OrderEmail.objects.count())  # fmt: skip
        cases = [
            ({str(tents.pk): "2"}, {}, "Only 1 of Tent left to ship; you asked to ship 2."),
            ({str(lamps.pk): "3"}, {}, "Only 2 of Lamp left to ship; you asked to ship 3."),
            ({str(tents.pk): "-1"}, {}, "Give each quantity as a whole number."),
            ({str(tents.pk): "one"}, {}, "Give each quantity as a whole number."),
            ({str(tents.pk): "0", str(lamps.pk): ""}, {}, "Choose at least one item to ship."),
            ({str(lamps.pk + 999): "1"}, {}, "That item is not part of this order."),
            ({str(tents.pk): "1"}, {"carrier": "  "}, "Name the carrier."),
            ({str(tents.pk): "1"}, {"tracking_number": ""}, "Give the tracking number."),
            ({str(tents.pk): "1"}, {"tracking_url": "javascript:alert(1)"}, "full web address"),
        ]
        for quantities, fields, message in cases:
            values = {"carrier": "UPS", "tracking_number": "1Z2", **fields}
            with pytest.raises(ValidationError) as refused:
                create_shipment(order=order, request_key=f"k-{message[:20]}", quantities=quantities, **values)
            assert message in " ".join(refused.value.messages), (quantities, fields)
        after = (Shipment.objects.count(), ShipmentLine.objects.count(), OrderEvent.objects.count(),
                 OrderEmail.objects.count())  # fmt: skip
        assert after == before
        assert state(store_a, order) == ("partially_fulfilled", {tents.pk: 1, lamps.pk: 2})
        # Units that went back to stock unsent (a restocking refund) are not there to send any more.
        return_all_units(order, order.lines.all())
        with pytest.raises(ValidationError) as restocked:
            create_shipment(order=order, request_key="k-restocked", carrier="UPS", tracking_number="1Z3")
        assert restocked.value.messages == ["Nothing is left to ship on this order."]
        unpaid = make_order("unpaid@example.com", status="pending_payment")
        with pytest.raises(ValidationError) as not_paid:
            create_shipment(order=unpaid, request_key="k-unpaid", carrier="UPS", tracking_number="1Z4")
        assert not_paid.value.messages == ["Only a paid order can be fulfilled; this one is awaiting payment."]
        assert Shipment.objects.count() == before[0]


def test_an_over_shipping_dashboard_form_shows_the_message_and_ships_nothing(client, store_a):
    with in_store(store_a):
        order, tents, lamps = paid_two_line_order()
    staff_on(client, store_a)
    page = detail(client, store_a, order)
    response = client.post(
        f"/dashboard/orders/{order.pk}/fulfil/",
        {"shipment_key": form_key(page), "carrier": "UPS", "tracking_number": "1Z", f"quantity-{tents.pk}": "4"},
        HTTP_HOST=host_of(store_a),
    )
    assert "Only 3 of Tent left to ship; you asked to ship 4." in flash(client, store_a, response)
    assert state(store_a, order) == ("paid", {tents.pk: 3, lamps.pk: 2})
    with in_store(store_a):
        assert not Shipment.objects.exists() and not OrderEmail.objects.filter(kind="shipped").exists()


# --- The form's one-time key ------------------------------------------------------------------------------------


@pytest.fixture
def alpha_committed(committed):
    from tenants.models import Store

    store = Store.objects.get(slug="alpha")
    with in_store(store):
        products_before = set(Product.objects.values_list("pk", flat=True))
    yield store
    with in_store(store):
        Order.objects.all().delete()
        Product.objects.exclude(pk__in=products_before).delete()
    connection.set_schema_to_public()


def test_the_same_shipment_form_sent_twice_at_once_ships_once(alpha_committed):
    store = alpha_committed
    with in_store(store):
        order, tents, _ = paid_two_line_order()
    barrier = threading.Barrier(2)
    results: list[object] = []

    def submit() -> None:
        # Each thread has its own connection: two requests racing on the order row.
        try:
            connection.set_schema(store.schema_name)
            barrier.wait()
            shipment = create_shipment(
                order=order, request_key="same-form", carrier="UPS", tracking_number="1ZRACE",
                quantities={str(tents.pk): "1"}, actor="packer@alpha.test",
            )  # fmt: skip
            results.append(shipment.pk)
        except Exception as error:  # the assertion below shows it
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with in_store(store):
        shipment = Shipment.objects.get(order=order)
        assert results == [shipment.pk, shipment.pk]
        assert list(shipment.lines.values_list("order_line_id", "quantity")) == [(tents.pk, 1)]
        assert OrderEmail.objects.filter(order=order, kind="shipped").count() == 1
        assert order.events.filter(kind="shipped").count() == 1
        assert shippable_quantities(order)[tents.pk] == 2


def test_the_same_key_for_another_order_is_refused(store_a):
    with in_store(store_a):
        order, _, _ = paid_two_line_order()
        other, _, _ = paid_two_line_order("other@example.com")
        create_shipment(order=order, request_key="used", carrier="UPS", tracking_number="1")
        with pytest.raises(ValidationError, match="This form has expired"):
            create_shipment(order=other, request_key="used", carrier="UPS", tracking_number="2")
        assert not other.shipments.exists()


# --- Emails ----------------------------------------------------------------------------------------------------


def test_each_shipment_emails_the_buyer_once_with_its_tracking_link_and_items(store_a, mailoutbox):
    with in_store(store_a):
        order, tents, _ = paid_two_line_order()
        first = create_shipment(
            order=order, request_key="mail-1", carrier="Royal Mail", tracking_number="AB 123/45",
            quantities={str(tents.pk): "1"},
        )  # fmt: skip
        # A replay of the same form is the same shipment and writes no second email.
        assert create_shipment(order=order, request_key="mail-1", carrier="x", tracking_number="y").pk == first.pk
        second = create_shipment(
            order=order, request_key="mail-2", carrier="Speedy Couriers", tracking_number="SC-9",
            tracking_url="https://track.speedy.example/parcel?id=SC-9",
        )  # fmt: skip
        rows = list(OrderEmail.objects.filter(order=order, kind="shipped").values_list("reference", flat=True))
        assert rows == [str(first.pk), str(second.pk)]
        assert drain_order_emails() == 2
        assert drain_order_emails() == 0
    shipped = [
        message for message in mailoutbox if message.subject == f"Alpha Outfitters: order #{order.pk} is on its way"
    ]
    assert len(shipped) == 2
    assert f"Part of your order #{order.pk} was sent with Royal Mail, tracking number AB 123/45." in shipped[0].body
    assert "https://www.royalmail.com/track-your-item#/tracking-results/AB%20123%2F45" in shipped[0].body
    # What each parcel holds (the order's full breakdown follows, with every line).
    parcels = [message.body.split("In this parcel:\n", 1)[1].split("\n\n", 1)[0] for message in shipped]
    assert parcels[0] == "1 x Tent"
    assert "The rest of your order will follow" in shipped[0].body
    assert f"Your order #{order.pk} was sent with Speedy Couriers" in shipped[1].body
    assert "Follow it here: https://track.speedy.example/parcel?id=SC-9" in shipped[1].body
    assert parcels[1].splitlines() == ["2 x Tent", "2 x Lamp"]
    assert shipped[0].to == ["sam@example.com"]


def test_an_unknown_carrier_without_a_url_gets_no_link(store_a, mailoutbox):
    with in_store(store_a):
        order, _, _ = paid_two_line_order()
        shipment = create_shipment(order=order, request_key="nolink", carrier="Bob's Van", tracking_number="42")
        assert shipment.tracking_link == ""
        drain_order_emails()
    body = next(message.body for message in mailoutbox if "is on its way" in message.subject)
    assert "sent with Bob's Van, tracking number 42." in body and "Follow it here" not in body


# --- Tracking links --------------------------------------------------------------------------------------------


def test_tracking_urls_for_known_carriers_encode_the_number():
    assert carrier_tracking_url(carrier="UPS", tracking_number="1Z999") == "https://www.ups.com/track?tracknum=1Z999"
    assert carrier_tracking_url(carrier=" usps ", tracking_number="9400 1000") == (
        "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400%201000"
    )
    # Nothing in the number can add a parameter or change the page.
    assert carrier_tracking_url(carrier="Fed Ex", tracking_number="1&x=2#/../evil") == (
        "https://www.fedex.com/fedextrack/?trknbr=1%26x%3D2%23%2F..%2Fevil"
    )
    assert known_carrier("royal-mail").name == "Royal Mail"
    assert known_carrier("CANADA POST").name == "Canada Post"
    assert known_carrier("DHL Express").name == "DHL"
    assert carrier_tracking_url(carrier="Bob's Van", tracking_number="1") == ""
    assert carrier_tracking_url(carrier="UPS", tracking_number="  ") == ""
    assert known_carrier("") is None
    # The seller's own page wins over the table.
    assert tracking_link(carrier="UPS", tracking_number="1", custom_url="https://x.example/1") == "https://x.example/1"


@pytest.mark.parametrize(
    "bad",
    ["javascript:alert(1)", " JavaScript:alert(document.cookie)", "ftp://files.example.com/track", "data:text/html,x",
     "https://", "track.example.com/1", "//track.example.com/1", "https://exa mple.com/", "http://" + "a" * 500 + ".com"],
)  # fmt: skip
def test_bad_custom_tracking_urls_are_refused(bad):
    with pytest.raises(ValidationError) as refused:
        clean_tracking_url(bad)
    assert list(refused.value.message_dict) == ["tracking_url"]


def test_good_custom_tracking_urls_are_kept():
    assert clean_tracking_url("  https://track.example.com/p?id=1  ") == "https://track.example.com/p?id=1"
    assert clean_tracking_url("http://track.example.com/") == "http://track.example.com/"
    assert clean_tracking_url("") == ""


def test_a_javascript_url_in_the_dashboard_form_is_refused_and_nothing_is_sent(client, store_a):
    with in_store(store_a):
        order, _, _ = paid_two_line_order()
    staff_on(client, store_a)
    page = detail(client, store_a, order)
    response = client.post(
        f"/dashboard/orders/{order.pk}/fulfil/",
        {"shipment_key": form_key(page), "carrier": "Other", "tracking_number": "1", "tracking_url": "javascript:x"},
        HTTP_HOST=host_of(store_a),
    )
    assert "Give the tracking page as a full web address starting with https://" in flash(client, store_a, response)
    with in_store(store_a):
        assert not Shipment.objects.exists()


# --- Delivery --------------------------------------------------------------------------------------------------


def test_the_order_is_delivered_once_fulfilled_and_every_shipment_arrived(client, store_a):
    with in_store(store_a):
        order, tents, lamps = paid_two_line_order()
        first = create_shipment(
            order=order, request_key="d-1", carrier="UPS", tracking_number="1Z1", quantities={str(lamps.pk): "2"}
        )
    staff_on(client, store_a)
    url = f"/dashboard/orders/{order.pk}/shipments/{first.pk}/delivered/"
    assert url in detail(client, store_a, order)
    for _ in range(2):  # a second click changes nothing
        assert client.post(url, HTTP_HOST=host_of(store_a))["Location"] == f"/dashboard/orders/{order.pk}/#shipments"
    with in_store(store_a):
        first.refresh_from_db()
        order.refresh_from_db()
        assert (first.delivered_by, first.delivered_at is not None, order.status) == (
            "packer@alpha.test", True, "partially_fulfilled"
        )  # fmt: skip
    # The whole order cannot be marked delivered while units are still to send.
    refused = client.post(f"/dashboard/orders/{order.pk}/delivered/", HTTP_HOST=host_of(store_a))
    assert "Only a fulfilled order can be marked delivered" in flash(client, store_a, refused)
    with in_store(store_a):
        second = create_shipment(order=order, request_key="d-2", carrier="DHL", tracking_number="JD01")
        order.refresh_from_db()
        assert order.status == "fulfilled"
    buyer = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Delivered " in buyer and "In transit since " in buyer
    client.post(f"/dashboard/orders/{order.pk}/shipments/{second.pk}/delivered/", HTTP_HOST=host_of(store_a))
    with in_store(store_a):
        order.refresh_from_db()
        assert (order.status, order.delivered_at is not None) == ("delivered", True)
        events = list(order.events.values_list("kind", "message"))
    assert events == [
        ("shipped", f"UPS 1Z1: shipment {first.pk} by the store, 2 x {lamps.sku}"),
        ("shipment_delivered", f"shipment {first.pk} (UPS 1Z1) by packer@alpha.test"),
        ("fulfilled", f"DHL JD01: shipment {second.pk} by the store, 3 x {tents.sku}"),
        ("shipment_delivered", f"shipment {second.pk} (DHL JD01) by packer@alpha.test"),
        ("delivered", "by packer@alpha.test"),
    ]
    buyer = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Your order was delivered." in buyer


def test_marking_the_whole_order_delivered_marks_each_shipment(store_a):
    with in_store(store_a):
        order, tents, _ = paid_two_line_order()
        create_shipment(
            order=order, request_key="w-1", carrier="UPS", tracking_number="1", quantities={str(tents.pk): "3"}
        )
        create_shipment(order=order, request_key="w-2", carrier="UPS", tracking_number="2")
        mark_order_delivered(order=order, actor="owner@alpha.test")
        mark_order_delivered(order=order, actor="owner@alpha.test")
        assert order.status == "delivered"
        assert set(order.shipments.values_list("delivered_by", flat=True)) == {"owner@alpha.test"}
        assert order.events.filter(kind="shipment_delivered").count() == 2
        assert order.events.filter(kind="delivered").count() == 1
        # The buyer hears once that everything arrived, with the way to review and return from the order page.
        delivered = OrderEmail.objects.get(order=order, kind="delivered")
        assert delivered.to == order.email and delivered.subject == f"Alpha Outfitters: order #{order.pk} delivered"
        assert f"/orders/{order.token}/" in delivered.body and "review" in delivered.body


# --- Other stores ----------------------------------------------------------------------------------------------


def test_another_stores_staff_cannot_ship_or_deliver_this_stores_orders(client, store_a, store_b):
    move_order_numbers_past(store_a, store_b)
    with in_store(store_a):
        order, tents, _ = paid_two_line_order()
        shipment = create_shipment(
            order=order, request_key="iso-1", carrier="UPS", tracking_number="1", quantities={str(tents.pk): "1"}
        )
        other, _, _ = paid_two_line_order("other@example.com")
    staff_on(client, store_b, "packer@beta.test")
    for path, data in [
        (f"/dashboard/orders/{order.pk}/fulfil/", {"carrier": "UPS", "tracking_number": "X"}),
        (f"/dashboard/orders/{order.pk}/shipments/{shipment.pk}/delivered/", {}),
        (f"/dashboard/orders/{order.pk}/delivered/", {}),
    ]:
        assert client.post(path, data, HTTP_HOST=host_of(store_b)).status_code == 404, path
    # In A, a shipment id of another order, or not a number, is not found either.
    staff_on(client, store_a)
    for bad in (f"{other.pk}/shipments/{shipment.pk}", f"{order.pk}/shipments/abc", f"{order.pk}/shipments/0"):
        assert client.post(f"/dashboard/orders/{bad}/delivered/", HTTP_HOST=host_of(store_a)).status_code == 404
    # B's API token answers 404 on B's host, 401 on A's.
    token_b = issue_token(store_b)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_b}", "content_type": "application/json"}
    body = json.dumps({"carrier": "UPS", "tracking_number": "X"})
    assert (
        client.post(f"/api/seller/orders/{order.pk}/fulfil", body, HTTP_HOST=host_of(store_b), **headers).status_code
        == 404
    )
    delivered = f"/api/seller/orders/{order.pk}/shipments/{shipment.pk}/delivered"
    assert client.post(delivered, HTTP_HOST=host_of(store_b), **headers).status_code == 404
    assert client.post(delivered, HTTP_HOST=host_of(store_a), **headers).status_code == 401
    with in_store(store_a):
        order.refresh_from_db()
        shipment.refresh_from_db()
        assert (order.status, order.shipments.count(), shipment.delivered_at) == ("partially_fulfilled", 1, None)
    with in_store(store_b):
        assert not Shipment.objects.exists()
    with in_store(store_a), pytest.raises(ValidationError) as elsewhere:
        mark_shipment_delivered(order=other, shipment_id=shipment.pk, actor="x")
    assert elsewhere.value.code == "not_found"


# --- The seller API --------------------------------------------------------------------------------------------


def test_the_api_ships_part_of_an_order_then_the_rest_and_marks_them_delivered(client, store_a):
    with in_store(store_a):
        order, tents, lamps = paid_two_line_order()
    token = issue_token(store_a)

    def call(path: str, body=None, *, key: str | None = None):
        extra = {"HTTP_HOST": host_of(store_a), "HTTP_AUTHORIZATION": f"Bearer {token}"}
        if key:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        data = json.dumps(body) if body is not None else None
        return client.post(f"/api/seller/orders/{order.pk}{path}", data, content_type="application/json", **extra)

    read = client.get(
        f"/api/seller/orders/{order.pk}", HTTP_HOST=host_of(store_a), HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert [(line["id"], line["shipped_quantity"]) for line in read["lines"]] == [(tents.pk, 0), (lamps.pk, 0)]
    part = {"carrier": "UPS", "tracking_number": "1Z 1", "lines": [{"line_id": tents.pk, "quantity": 2}]}
    for _ in range(2):  # the same key twice: one shipment
        response = call("/fulfil", part, key="api-ship-1")
        assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "partially_fulfilled"
    [shipment] = body["shipments"]
    assert (shipment["carrier"], shipment["tracking_url"], shipment["delivered_at"]) == (
        "UPS", "https://www.ups.com/track?tracknum=1Z%201", None
    )  # fmt: skip
    assert [(item["line_id"], item["quantity"]) for item in shipment["lines"]] == [(tents.pk, 2)]
    assert [(line["id"], line["shipped_quantity"]) for line in body["lines"]] == [(tents.pk, 2), (lamps.pk, 0)]
    too_many = call("/fulfil", {**part, "lines": [{"line_id": tents.pk, "quantity": 2}]})
    assert (too_many.status_code, too_many.json()["errors"]) == (
        422, {"lines": ["Only 1 of Tent left to ship; you asked to ship 2."]}
    )  # fmt: skip
    twice = call("/fulfil", {**part, "lines": [{"line_id": tents.pk, "quantity": 1}] * 2})
    assert twice.status_code == 422
    bad_url = call("/fulfil", {**part, "lines": None, "tracking_url": "ftp://x.example/1"})
    assert bad_url.status_code == 422 and list(bad_url.json()["errors"]) == ["tracking_url"]
    assert call(f"/shipments/{shipment['id'] + 999}/delivered").status_code == 404
    delivered = call(f"/shipments/{shipment['id']}/delivered")
    assert delivered.status_code == 200
    assert delivered.json()["shipments"][0]["delivered_at"] is not None
    rest = call("/fulfil", {"carrier": "Canada Post", "tracking_number": "CP1"})
    assert rest.json()["status"] == "fulfilled"
    last = rest.json()["shipments"][-1]
    assert [(item["line_id"], item["quantity"]) for item in last["lines"]] == [(tents.pk, 1), (lamps.pk, 2)]
    done = call(f"/shipments/{last['id']}/delivered")
    assert done.json()["status"] == "delivered"
    assert [event["kind"] for event in done.json()["events"]][-1] == "delivered"
    assert call("/fulfil", {"carrier": "UPS", "tracking_number": "again"}).status_code == 409
    buyer = client.get(f"/api/orders/{order.token}", HTTP_HOST=host_of(store_a)).json()
    assert buyer["status"] == "delivered"
    assert [item["tracking_url"] for item in buyer["shipments"]] == [
        "https://www.ups.com/track?tracknum=1Z%201",
        "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=CP1",
    ]
    assert "id" not in buyer["shipments"][0] and "line_id" not in buyer["shipments"][0]["lines"][0]


# --- The data migration ----------------------------------------------------------------------------------------


def test_the_migration_turns_an_old_fulfilled_orders_tracking_into_one_shipment_of_everything(store_a):
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("orders", "0002_order_email_outbox_returns_and_restocked_units")],
        [("orders", "0003_shipments_and_delivery")],
    )
    with in_store(store_a):
        executor = MigrationExecutor(connection)
        executor.migrate(before)  # the store's tables as they were, with carrier and tracking_number on the order
        old_apps = executor.loader.project_state(before).apps
        OldOrder, OldLine = old_apps.get_model("orders", "Order"), old_apps.get_model("orders", "OrderLine")
        common = {"email": "old@example.com", "site_url": "http://x", "currency": "USD", "ship_name": "Old",
                  "ship_line1": "1 St", "ship_city": "C", "ship_postal_code": "1", "ship_country": "US",
                  "shipping_method": "Standard", "subtotal": 10, "discount_total": 0, "shipping_total": 0,
                  "tax_total": 0, "total": 10, "stock_state": "committed"}  # fmt: skip
        sent_at = timezone.now().replace(microsecond=0) - timedelta(days=3)
        old = OldOrder.objects.create(token="mig-1", checkout_key="mig-1", status="fulfilled", carrier="UPS",
                                      tracking_number="1ZOLD", reserved_until=sent_at, fulfilled_at=sent_at, **common)  # fmt: skip
        unsent = OldOrder.objects.create(token="mig-2", checkout_key="mig-2", status="paid", reserved_until=sent_at,
                                         **common)  # fmt: skip
        for sku, quantity in (("A", 2), ("B", 1)):
            OldLine.objects.create(order=old, sku=sku, title=sku, unit_price=5, quantity=quantity, line_total=5)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as a commit would, before the tables are altered
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        shipment = Shipment.objects.get(order_id=old.pk)
        assert (shipment.carrier, shipment.tracking_number, shipment.created_at) == ("UPS", "1ZOLD", sent_at)
        assert sorted(shipment.lines.values_list("order_line__sku", "quantity")) == [("A", 2), ("B", 1)]
        assert shipment.tracking_link == "https://www.ups.com/track?tracknum=1ZOLD"
        assert not Shipment.objects.filter(order_id=unsent.pk).exists()
        # The rest of the way, so today's Order model (columns added since) reads the migrated rows.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes("orders"))
        assert shippable_quantities(Order.objects.get(pk=old.pk)) == dict.fromkeys(
            OrderLine.objects.filter(order_id=old.pk).values_list("pk", flat=True), 0
        )
