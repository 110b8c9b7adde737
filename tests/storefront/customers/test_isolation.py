"""Buyer accounts belong to one store: other stores know neither the account, its session nor its orders."""

from django.test import Client

from storefront.customers.models import Customer, CustomerOrder
from storefront.orders.models import Order
from tests.conftest import host_of
from tests.storefront.checkout.support import add, buy, in_store, make_shipping, make_variant
from tests.storefront.customers.support import PASSWORD, account_page, make_customer, sign_in, sign_up


def test_an_account_in_store_a_does_not_exist_in_store_b(client, store_a, store_b):
    assert sign_up(client, store_a).status_code == 302
    other = Client()
    response = sign_in(other, store_b)
    assert response.status_code == 400
    assert "Email or password is incorrect." in response.content.decode()
    with in_store(store_b):
        assert not Customer.objects.exists()


def test_the_same_email_makes_two_separate_accounts_with_their_own_passwords(store_a, store_b):
    make_customer(store_a, password=PASSWORD)
    make_customer(store_b, password="store b's own password 8")
    a, b = Client(), Client()
    assert sign_in(a, store_a, password="store b's own password 8").status_code == 400
    assert sign_in(b, store_b, password=PASSWORD).status_code == 400
    assert sign_in(a, store_a).status_code == 302
    assert sign_in(b, store_b, password="store b's own password 8").status_code == 302


def test_store_as_session_cookie_gets_nothing_on_store_bs_host(client, store_a, store_b):
    make_customer(store_a)
    make_customer(store_b)  # same email, and (both stores' first account) very likely the same id
    sign_in(client, store_a)
    assert account_page(client, store_a).status_code == 200
    # The test client sends the same cookie to every host, as a stolen cookie would be.
    response = account_page(client, store_b)
    assert (response.status_code, response["Location"]) == (302, "/account/signin/?next=%2Faccount%2F")
    response = client.post(
        "/account/password/",
        {"current_password": PASSWORD, "new_password": "taken over 12345"},
        HTTP_HOST=host_of(store_b),
    )
    assert response.status_code == 302
    assert sign_in(Client(), store_b).status_code == 302  # B's password is unchanged


def test_store_bs_customer_never_sees_or_claims_store_as_orders(client, store_a, store_b):
    with in_store(store_a):
        tent = make_variant("Tent", "99.00")
        _, flat = make_shipping()
    make_customer(store_a)
    make_customer(store_b)
    buyer_a = Client()
    sign_in(buyer_a, store_a)
    add(buyer_a, store_a, tent)
    assert buy(buyer_a, store_a, flat).status_code == 302
    with in_store(store_a):
        order = Order.objects.get()
        assert CustomerOrder.objects.filter(order=order).exists()

    sign_in(client, store_b)
    page = account_page(client, store_b).content.decode()
    assert "No orders yet." in page
    assert order.token not in page
    # A's order token means nothing on B's host, whoever holds it.
    assert client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_b)).status_code == 404
    response = client.post("/account/orders/claim/", {"token": order.token}, HTTP_HOST=host_of(store_b))
    assert response.status_code == 404
    with in_store(store_b):
        assert not CustomerOrder.objects.exists()


def test_a_reset_link_made_in_store_a_does_not_work_in_store_b(client, store_a, store_b):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from storefront.customers.services import reset_tokens

    customer_a = make_customer(store_a)
    make_customer(store_b)
    with in_store(store_a):
        link = (
            f"/account/reset/{urlsafe_base64_encode(force_bytes(customer_a.pk))}/{reset_tokens.make_token(customer_a)}/"
        )
    assert client.get(link, HTTP_HOST=host_of(store_a)).status_code == 200
    response = client.post(link, {"new_password": "hijacked password 77"}, HTTP_HOST=host_of(store_b))
    assert response.status_code == 400
    assert "This reset link is not valid any more." in response.content.decode()
    assert sign_in(Client(), store_b, password="hijacked password 77").status_code == 400
