"""Helpers of the marketplace buyer tests: accounts made directly, sign-in on the platform, hand-offs, listings."""

import itertools
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from django.test import Client
from django.utils import timezone

from platform.accounts.tasks import send_email
from tests.conftest import host_of

PASSWORD = "a long marketplace passphrase"
PLATFORM = "localhost"
# Each request comes from its own address, so the real rate limits (kept in Redis) never trip by accident.
_addresses = (f"10.7.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def next_address() -> str:
    return next(_addresses)


def make_buyer(email: str = "pat@example.com", password: str = PASSWORD, name: str = "Pat Buyer"):
    from platform.buyers.models import Buyer

    buyer = Buyer(email=email, name=name)
    buyer.set_password(password)
    buyer.save()
    return buyer


def sign_in_buyer(client, email: str = "pat@example.com", password: str = PASSWORD):
    return client.post(
        "/buyer/signin/", {"email": email, "password": password}, HTTP_HOST=PLATFORM, REMOTE_ADDR=next_address()
    )


def emails_in(callbacks) -> list[dict]:
    """The emails a committed request would have sent (to, subject, body), in order."""
    return [cb.keywords["kwargs"] for cb in callbacks if getattr(cb, "func", None) == send_email.apply_async]


def tasks_named(callbacks, name: str) -> list[dict]:
    """The store tasks sent by name a committed request would have sent: their schema and arguments."""
    sent = []
    for cb in callbacks:
        if getattr(cb, "args", None) and cb.args[0] == name:
            sent.append({"schema": cb.keywords["headers"]["_schema_name"], "args": cb.keywords["args"]})
    return sent


class Browser:
    """One browser: a cookie jar per host, as a real one keeps (Django's test client has one jar for every host)."""

    def __init__(self) -> None:
        self._clients: dict[str, Client] = {}

    def at(self, host: str) -> Client:
        return self._clients.setdefault(host, Client())

    @property
    def platform(self) -> Client:
        return self.at(PLATFORM)

    def store(self, store) -> Client:
        return self.at(host_of(store))


def begin_on_store(browser: Browser, store, next_path: str = "/account/", link: bool = False) -> str:
    """Press "Sign in with Mercato" (or "Link") on the store: the platform address it sends the browser to."""
    path = "/account/mercato/link/" if link else "/account/mercato/"
    response = browser.store(store).post(path, {"next": next_path}, HTTP_HOST=host_of(store))
    assert response.status_code == 302, response.content
    return response["Location"]


def platform_hand_off(browser: Browser, platform_address: str) -> str:
    """Follow the store's redirect on the platform site (the buyer is signed in there): the token it hands back."""
    parts = urlsplit(platform_address)
    response = browser.platform.get(f"{parts.path}?{parts.query}", HTTP_HOST=PLATFORM)
    assert response.status_code == 302, response.content
    back = urlsplit(response["Location"])
    assert back.path == "/account/mercato/return/", response["Location"]
    return parse_qs(back.query)["token"][0]


def return_to_store(browser: Browser, store, token: str):
    return browser.store(store).get("/account/mercato/return/", {"token": token}, HTTP_HOST=host_of(store))


def sign_in_on_store_with_mercato(browser: Browser, store, next_path: str = "/account/"):
    token = platform_hand_off(browser, begin_on_store(browser, store, next_path))
    return return_to_store(browser, store, token)


def make_listing(store, product_id: int, title: str, *, product_slug: str = "", minutes_ago: int = 0):
    """The public directory row a store's feed writes for one product (the directory's own table)."""
    from platform.directory.models import Listing

    # A committed row an earlier test's worker fed for the same product would collide; this test's own replaces it
    # (and the test's transaction puts it back afterwards).
    Listing.objects.filter(store_id=store.pk, product_id=product_id).delete()
    return Listing.objects.create(
        store_id=store.pk,
        product_id=product_id,
        store_slug=store.slug,
        store_name=store.name,
        product_slug=product_slug or f"product-{product_id}",
        title=title,
        price=Decimal("12.50"),
        currency="USD",
        visible=True,
        created_at=timezone.now() - timezone.timedelta(minutes=minutes_ago),
    )
