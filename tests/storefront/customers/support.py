"""Helpers of the buyer account tests: accounts made directly, and signing up and in through the store's pages."""

from django_tenants.utils import schema_context

from tests.conftest import host_of

PASSWORD = "a long buyer password 42"


def make_customer(store, email: str = "sam@example.com", password: str = PASSWORD, name: str = ""):
    from storefront.customers.services import register_customer

    with schema_context(store.schema_name):
        return register_customer(email=email, password=password, name=name)


def sign_up(client, store, email: str = "sam@example.com", password: str = PASSWORD, **fields):
    data = {"email": email, "password": password, **fields}
    return client.post("/account/signup/", data, HTTP_HOST=host_of(store))


def sign_in(client, store, email: str = "sam@example.com", password: str = PASSWORD, **fields):
    data = {"email": email, "password": password, **fields}
    return client.post("/account/signin/", data, HTTP_HOST=host_of(store))


def account_page(client, store):
    return client.get("/account/", HTTP_HOST=host_of(store))
