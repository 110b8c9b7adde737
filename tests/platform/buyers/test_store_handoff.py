"""Sign in on a store's host with the marketplace account: a one-time hand-off bound to the store and the browser."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django_tenants.utils import schema_context

from platform.buyers.models import BuyerStore
from platform.buyers.services import make_store_signin_token
from storefront.customers.models import Customer, CustomerOrder
from tenants.models import StoreDomain
from tests.conftest import host_of
from tests.storefront.customers.support import PASSWORD as STORE_PASSWORD
from tests.storefront.customers.support import make_customer
from tests.storefront.customers.support import sign_in as store_sign_in
from tests.storefront.customers.support import sign_up as store_sign_up
from tests.storefront.reviews.support import make_order, make_products

from .support import (
    PLATFORM,
    Browser,
    begin_on_store,
    make_buyer,
    platform_hand_off,
    return_to_store,
    sign_in_buyer,
    sign_in_on_store_with_mercato,
    tasks_named,
)


@pytest.fixture
def shopper(db) -> Browser:
    make_buyer()
    shopper = Browser()
    sign_in_buyer(shopper.platform)
    return shopper


def _customers(store) -> list[tuple]:
    with schema_context(store.schema_name):
        return list(Customer.objects.values_list("email", "name", "marketplace_buyer_id"))


def _account_page(shopper: Browser, store):
    return shopper.store(store).get("/account/", HTTP_HOST=host_of(store))


def test_sign_in_with_mercato_makes_a_store_customer_linked_to_the_account(shopper, store_a):
    from platform.buyers.models import Buyer

    buyer = Buyer.objects.get()
    address = begin_on_store(shopper, store_a, next_path="/cart/")
    parts = urlsplit(address)
    assert (parts.netloc, parts.path) == ("localhost:8000", "/buyer/stores/alpha/signin/")
    assert parse_qs(parts.query)["next"] == ["/cart/"] and parse_qs(parts.query)["host"] == ["alpha.localhost"]

    response = return_to_store(shopper, store_a, platform_hand_off(shopper, address))
    assert response.status_code == 302 and response["Location"] == "/cart/"
    # The store keeps its own record: the email, the name and the account's id; no password of its own.
    assert _customers(store_a) == [("pat@example.com", "Pat Buyer", buyer.pk)]
    with schema_context(store_a.schema_name):
        assert not Customer.objects.get().check_password("")
    assert "Signed in as Pat Buyer (pat@example.com)" in _account_page(shopper, store_a).content.decode()
    assert BuyerStore.objects.filter(buyer=buyer, store=store_a).exists()

    # The next time the same record is used, not a second one.
    shopper.store(store_a).post("/account/signout/", HTTP_HOST=host_of(store_a))
    assert sign_in_on_store_with_mercato(shopper, store_a).status_code == 302
    assert len(_customers(store_a)) == 1


def test_a_buyer_not_signed_in_on_the_platform_signs_in_there_first(db, store_a):
    make_buyer()
    shopper = Browser()
    address = urlsplit(begin_on_store(shopper, store_a))
    response = shopper.platform.get(f"{address.path}?{address.query}", HTTP_HOST=PLATFORM)
    assert response.status_code == 302 and response["Location"].startswith("/buyer/signin/?next=")
    back = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    assert back == f"{address.path}?{address.query}"


def test_a_token_for_store_a_is_refused_on_store_b(shopper, store_a, store_b):
    token = platform_hand_off(shopper, begin_on_store(shopper, store_a))
    begin_on_store(shopper, store_b)  # B's session has a flow of its own: only the token is wrong
    response = return_to_store(shopper, store_b, token)
    assert response.status_code == 403 and "for another store" in response.content.decode()
    assert _customers(store_b) == []
    assert _account_page(shopper, store_b)["Location"].startswith("/account/signin/")


def test_a_replayed_token_is_refused(shopper, store_a):
    token = platform_hand_off(shopper, begin_on_store(shopper, store_a))
    assert return_to_store(shopper, store_a, token).status_code == 302
    shopper.store(store_a).post("/account/signout/", HTTP_HOST=host_of(store_a))
    begin_on_store(shopper, store_a)
    replay = return_to_store(shopper, store_a, token)
    assert replay.status_code == 403 and "already used" in replay.content.decode()
    assert _account_page(shopper, store_a)["Location"].startswith("/account/signin/")


def test_an_expired_token_is_refused(db, store_a, monkeypatch):
    buyer = make_buyer()
    shopper = Browser()
    begin_on_store(shopper, store_a)
    with schema_context(store_a.schema_name):
        state = shopper.store(store_a).session["mercato_signin"]["state"]
    issued = time.time() - 61
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    token = make_store_signin_token(buyer=buyer, store=store_a, state=state, next_path="/")
    monkeypatch.undo()
    response = return_to_store(shopper, store_a, token)
    assert response.status_code == 403 and "expired" in response.content.decode()
    assert _customers(store_a) == []


def test_a_forged_or_malformed_token_is_refused(shopper, store_a):
    token = platform_hand_off(shopper, begin_on_store(shopper, store_a))
    assert return_to_store(shopper, store_a, token[:-2] + "xx").status_code == 403
    assert return_to_store(shopper, store_a, "").status_code == 403
    assert return_to_store(shopper, store_a, "x" * 5000).status_code == 403
    assert _customers(store_a) == []


def test_a_token_someone_else_got_signs_nobody_in_in_another_browser(shopper, store_a):
    """Login CSRF: the attacker's own token, sent to a victim, is refused: the victim's browser began no such flow."""
    attackers_token = platform_hand_off(shopper, begin_on_store(shopper, store_a))
    victim = Browser()
    begin_on_store(victim, store_a)  # even with a flow of its own, the state differs
    response = return_to_store(victim, store_a, attackers_token)
    assert response.status_code == 403 and "not started from this browser" in response.content.decode()
    # And with no flow at all.
    another_token = platform_hand_off(shopper, begin_on_store(shopper, store_a))
    assert return_to_store(Browser(), store_a, another_token).status_code == 403
    assert _customers(store_a) == []


def test_the_platform_refuses_a_hand_off_without_a_store_state_or_to_no_store(shopper, store_a):
    platform = shopper.platform
    assert platform.get("/buyer/stores/alpha/signin/", HTTP_HOST=PLATFORM).status_code == 400
    assert platform.get("/buyer/stores/alpha/signin/?state=bad%20state", HTTP_HOST=PLATFORM).status_code == 400
    state = "s" * 32
    assert platform.get(f"/buyer/stores/no-such-store/signin/?state={state}", HTTP_HOST=PLATFORM).status_code == 404
    # The path back is on the store's host only: another host becomes the store's home page.
    response = platform.get(f"/buyer/stores/alpha/signin/?state={state}&next=//evil.example/", HTTP_HOST=PLATFORM)
    assert urlsplit(response["Location"]).netloc == "alpha.localhost:8000"
    # The host back is one of the store's own (a custom domain the flow began on), never another one.
    StoreDomain.objects.create(tenant=store_a, domain="shop.alpha.test", is_primary=False)
    for host, expected in (
        ("shop.alpha.test", "shop.alpha.test:8000"),
        ("beta.localhost", "alpha.localhost:8000"),
        ("evil.example", "alpha.localhost:8000"),
    ):
        response = platform.get(f"/buyer/stores/alpha/signin/?state={state}&host={host}", HTTP_HOST=PLATFORM)
        assert urlsplit(response["Location"]).netloc == expected


def test_an_email_with_a_store_account_of_its_own_is_linked_only_from_inside_it(
    shopper, store_a, django_capture_on_commit_callbacks
):
    from platform.buyers.models import Buyer

    buyer = Buyer.objects.get()
    customer = make_customer(store_a, email="pat@example.com")
    refused = sign_in_on_store_with_mercato(shopper, store_a)
    assert refused.status_code == 409 and "already has an account of its own" in refused.content.decode()
    assert _customers(store_a) == [("pat@example.com", "", None)]

    [product] = make_products(store_a, "Linked Mug")
    order = make_order(store_a, [product])
    with schema_context(store_a.schema_name):
        CustomerOrder.objects.create(customer=customer, order=order, how="placed")

    assert (
        store_sign_in(shopper.store(store_a), store_a, email="pat@example.com", password=STORE_PASSWORD).status_code
        == 302
    )
    token = platform_hand_off(shopper, begin_on_store(shopper, store_a, link=True))
    with django_capture_on_commit_callbacks() as callbacks:
        linked = return_to_store(shopper, store_a, token)
    assert linked.status_code == 302 and linked["Location"] == "/account/"
    assert _customers(store_a) == [("pat@example.com", "", buyer.pk)]
    # The account's past orders here go to the marketplace history.
    assert tasks_named(callbacks, "customers.share_orders_with_marketplace") == [
        {"schema": store_a.schema_name, "args": ([order.pk],)}
    ]
    assert "linked to your Mercato account" in _account_page(shopper, store_a).content.decode()


def test_linking_needs_the_store_account_signed_in(shopper, store_a):
    make_customer(store_a, email="pat@example.com")
    response = shopper.store(store_a).post("/account/mercato/link/", HTTP_HOST=host_of(store_a))
    assert response.status_code == 302 and response["Location"].startswith("/account/signin/")
    assert _customers(store_a) == [("pat@example.com", "", None)]


def test_store_b_never_sees_store_as_linked_customer(shopper, store_a, store_b):
    sign_in_on_store_with_mercato(shopper, store_a)
    assert [email for email, _, _ in _customers(store_a)] == ["pat@example.com"]
    assert _customers(store_b) == []
    # A's session cookie means nothing on B's host.
    session_cookie = shopper.store(store_a).cookies["sessionid"].value
    shopper.store(store_b).cookies["sessionid"] = session_cookie
    assert _account_page(shopper, store_b)["Location"].startswith("/account/signin/")


def test_per_store_accounts_keep_working_beside_mercato(db, store_a):
    shopper = Browser()
    assert store_sign_up(shopper.store(store_a), store_a, email="local@example.com").status_code == 302
    assert _customers(store_a) == [("local@example.com", "", None)]
    page = shopper.store(store_a).get("/account/signin/", HTTP_HOST=host_of(store_a))
    assert "Sign in with Mercato" in page.content.decode()
