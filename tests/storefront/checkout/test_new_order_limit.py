"""One client can't hold a store's stock hostage: new orders per hour are limited, resuming one never counts."""

from django.test import Client

from storefront.orders.models import Order
from tests.conftest import host_of
from tests.storefront.api.test_checkout_api import order_request, post, stock_a_tent
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


def _orders(store) -> int:
    with in_store(store):
        return Order.objects.count()


def test_the_checkout_page_refuses_new_orders_past_the_limit_but_resumes_one(store_a, settings):
    settings.CHECKOUT_NEW_ORDERS_PER_HOUR = 2
    with in_store(store_a):
        tent = make_variant("Tent", "99.00", stock=10)
        _, flat = make_shipping(tax="10")
    buyer = Client()
    add(buyer, store_a, tent)
    _, key = checkout_page(buyer, store_a)
    _, quoted = review(buyer, store_a, key, shipping_rate=flat.pk)
    for _press in range(3):  # the same checkout pressed Pay three times: one order, counted once
        assert pay(buyer, store_a, key, quoted, shipping_rate=flat.pk).status_code == 302
    second = Client()
    add(second, store_a, tent)
    assert buy(second, store_a, flat).status_code == 302
    third = Client()
    add(third, store_a, tent)
    refused = buy(third, store_a, flat)
    assert refused.status_code == 429
    assert "Too many orders were started from your connection" in refused.content.decode()
    assert _orders(store_a) == 2
    with in_store(store_a):
        tent.refresh_from_db()
        assert tent.stock == 8  # nothing held for the refused order


def test_the_api_refuses_new_orders_past_the_limit_but_replays_a_key(client, store_a, store_b, settings):
    settings.CHECKOUT_NEW_ORDERS_PER_HOUR = 1
    _, rate_id = stock_a_tent(store_a, stock=10)
    assert post(client, store_a, "/checkout", order_request("TENT-1", rate_id), key="k1").status_code == 201
    assert post(client, store_a, "/checkout", order_request("TENT-1", rate_id), key="k1").status_code == 200
    refused = post(client, store_a, "/checkout", order_request("TENT-1", rate_id), key="k2")
    assert refused.status_code == 429
    assert refused.json() == {
        "detail": "Too many orders were started from your connection in the last hour; please try again later, "
        "or contact the store.",
        "errors": {},
    }
    assert _orders(store_a) == 1
    # The count is per store: the same client may still buy from store B.
    _, rate_b = stock_a_tent(store_b, stock=10)
    assert post(client, store_b, "/checkout", order_request("TENT-1", rate_b), key="k3").status_code == 201
    assert host_of(store_a) != host_of(store_b)
