"""A customer's order history: orders placed while signed in, and guest orders claimed through their link."""

import re

from django.test import Client

from storefront.customers.models import CustomerOrder
from storefront.orders.models import Order
from tests.conftest import host_of
from tests.storefront.checkout.support import add, buy, checkout_page, in_store, make_shipping, make_variant
from tests.storefront.customers.support import account_page, make_customer, sign_in


def checkout(client, store, rate, variant, **fields) -> Order:
    """Fill the cart and press Pay: the order is placed (awaiting payment on Stripe's page)."""
    add(client, store, variant)
    response = buy(client, store, rate, **fields)
    assert response.status_code == 302, response.content.decode()
    with in_store(store):
        return Order.objects.order_by("-id").first()


def order_numbers(page: str) -> list[str]:
    return re.findall(r'<a href="/orders/[^"]+/">Order #(\d+)</a>', page)


def test_checkout_prefills_the_email_and_links_the_order_to_the_signed_in_customer(client, store_a):
    make_customer(store_a, email="sam@example.com")
    with in_store(store_a):
        tent = make_variant("Tent", "99.00")
        _, flat = make_shipping()
    sign_in(client, store_a)
    add(client, store_a, tent)
    page, _ = checkout_page(client, store_a)
    assert 'name="email" value="sam@example.com"' in page.content.decode()

    order = checkout(client, store_a, flat, tent, email="sam@example.com")
    with in_store(store_a):
        link = CustomerOrder.objects.get()
    assert (link.order_id, link.customer.email, link.how) == (order.pk, "sam@example.com", "placed")
    page = account_page(client, store_a).content.decode()
    assert order_numbers(page) == [str(order.pk)]
    assert f'href="/orders/{order.token}/"' in page
    assert "Awaiting payment" in page


def test_the_history_lists_only_this_customers_orders(client, store_a):
    make_customer(store_a, email="sam@example.com")
    make_customer(store_a, email="robin@example.com")
    with in_store(store_a):
        tent = make_variant("Tent", "99.00")
        _, flat = make_shipping()
    sam, robin, guest = Client(), Client(), Client()
    sign_in(sam, store_a, email="sam@example.com")
    sign_in(robin, store_a, email="robin@example.com")
    first = checkout(sam, store_a, flat, tent, email="sam@example.com")
    second = checkout(sam, store_a, flat, tent, email="gift@example.com")  # signed in, sent elsewhere: still Sam's
    robins = checkout(robin, store_a, flat, tent, email="robin@example.com")
    # A guest order with Sam's email is not Sam's until Sam claims it through its link.
    checkout(guest, store_a, flat, tent, email="sam@example.com")

    assert order_numbers(account_page(sam, store_a).content.decode()) == [str(second.pk), str(first.pk)]
    assert order_numbers(account_page(robin, store_a).content.decode()) == [str(robins.pk)]


def test_a_guest_order_is_claimed_through_its_link_with_the_same_email(client, store_a):
    with in_store(store_a):
        tent = make_variant("Tent", "99.00")
        _, flat = make_shipping()
    order = checkout(Client(), store_a, flat, tent, email="Sam@Example.com")
    make_customer(store_a, email="sam@example.com")
    sign_in(client, store_a)
    assert order_numbers(account_page(client, store_a).content.decode()) == []

    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Add this order to my account" in page
    # Opening the link changes nothing by itself: the buyer presses the button (a POST with the CSRF token).
    with in_store(store_a):
        assert not CustomerOrder.objects.exists()
    response = client.post("/account/orders/claim/", {"token": order.token}, HTTP_HOST=host_of(store_a))
    assert (response.status_code, response["Location"]) == (302, "/account/")
    page = account_page(client, store_a).content.decode()
    assert f"Order #{order.pk} is now in your account." in page
    assert order_numbers(page) == [str(order.pk)]
    assert (
        "Add this order to my account"
        not in client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    )


def test_a_link_alone_does_not_let_another_customer_claim_an_order(client, store_a):
    with in_store(store_a):
        tent = make_variant("Tent", "99.00")
        _, flat = make_shipping()
    order = checkout(Client(), store_a, flat, tent, email="sam@example.com")
    make_customer(store_a, email="robin@example.com")
    sign_in(client, store_a, email="robin@example.com")
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Add this order to my account" not in page
    response = client.post("/account/orders/claim/", {"token": order.token}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 302
    page = account_page(client, store_a).content.decode()
    assert f"Order #{order.pk} cannot be added to this account." in page
    assert order_numbers(page) == []
    with in_store(store_a):
        assert not CustomerOrder.objects.exists()


def test_claiming_needs_a_signed_in_customer_and_a_real_token(client, store_a):
    with in_store(store_a):
        tent = make_variant("Tent", "99.00")
        _, flat = make_shipping()
    order = checkout(Client(), store_a, flat, tent, email="sam@example.com")
    response = client.post("/account/orders/claim/", {"token": order.token}, HTTP_HOST=host_of(store_a))
    assert response["Location"] == "/account/signin/?next=%2Faccount%2F"
    assert (
        "Add this order to my account"
        not in client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    )
    make_customer(store_a)
    sign_in(client, store_a)
    for token in ("", "not-a-token"):
        assert client.post("/account/orders/claim/", {"token": token}, HTTP_HOST=host_of(store_a)).status_code == 404
    assert client.get("/account/orders/claim/", HTTP_HOST=host_of(store_a)).status_code == 405
    with in_store(store_a):
        assert not CustomerOrder.objects.exists()
