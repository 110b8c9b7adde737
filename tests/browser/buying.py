"""A buyer's steps shared by the browser tests: a store's checkout with an address and the Standard rate (or a
Chinese address, paid with a wallet), the marketplace cart across stores, paying on the sandbox's hosted Checkout
page, and the sandbox's webhooks forwarded to the live server as Stripe would send them."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

import requests

from tests.marketplace.conftest import make_selling_stores, purge_selling_stores
from tests.stripe_sandbox import WEBHOOK_PATH
from tests.support import WAIT_TIMEOUT, wait_until


@dataclass(frozen=True)
class Buyer:
    name: str
    line1: str
    city: str
    postal_code: str
    region: str
    country: str = "US"


PORTLAND = Buyer(name="Robin Buyer", line1="12 Harbour Road", city="Portland", postal_code="97201", region="OR")
BOSTON = Buyer(name="Casey Customer", line1="3 Quay Street", city="Boston", postal_code="02110", region="MA")


def check_out_with_standard_shipping(page, buyer: Buyer, *, email: str | None, shipping: str = "$6.00") -> None:
    """On the checkout page: the address (and ``email``, unless the signed-in account gave it), then the store's
    "Standard" rate, updating the totals until the summary shows ``shipping``."""
    if email is not None:
        page.fill("input[name=email]", email)
    page.fill("input[name=name]", buyer.name)
    page.fill("input[name=line1]", buyer.line1)
    page.fill("input[name=city]", buyer.city)
    page.fill("input[name=postal_code]", buyer.postal_code)
    page.select_option("select[name=country]", buyer.country)
    page.select_option("select[name=region]", buyer.region)
    page.click("button[name=action][value=update]")
    page.wait_for_selector("input[name=shipping_rate]")
    page.check("label:has-text('Standard') input[name=shipping_rate]")
    page.click("button[name=action][value=update]")
    page.wait_for_selector(f"#summary-shipping:text-is('{shipping}')")


def check_out_from_the_cart(page, *, store_url: str, buyer: Buyer, email: str | None, total: str) -> None:
    """From the store's cart page: to the checkout, filled as ``check_out_with_standard_shipping`` does, whose
    summary must then show ``total``."""
    page.click("text=Check out")
    page.wait_for_url(f"{store_url}/checkout/")
    check_out_with_standard_shipping(page, buyer, email=email)
    assert page.inner_text("#summary-total") == total


def pay_for_the_order(
    page, *, store_url: str, sandbox_url: str, name: str, total: str | None = None, email: str | None = None,
    screenshot=None,
) -> None:  # fmt: skip
    """From the filled checkout: pay on the hosted page (which must show ``total`` and the buyer's ``email``, when
    given), and come back to the store's order page."""
    page.click("button[name=action][value=pay]")
    page.wait_for_url(f"{sandbox_url}/c/pay/cs_test_**")
    if email is not None:
        assert page.input_value("input[name=email]") == email
    if total is not None:
        assert total in page.inner_text("section.summary")
    pay_on_hosted_page(page, sandbox_url=sandbox_url, name=name, screenshot=screenshot)
    page.wait_for_url(f"{store_url}/orders/**")


def pay_on_hosted_page(page, *, sandbox_url: str, name: str, screenshot=None) -> None:
    """On the sandbox's hosted Checkout page (waited for here): pay with the test card; ``screenshot``, a path,
    saves the filled page before paying."""
    page.wait_for_url(f"{sandbox_url}/c/pay/cs_test_**")
    page.fill("input[name=card_number]", "4242 4242 4242 4242")
    page.fill("input[name=card_expiry]", "12 / 34")
    page.fill("input[name=card_cvc]", "123")
    page.fill("input[name=name]", name)
    if screenshot is not None:
        page.screenshot(path=screenshot, full_page=True)
    page.click("section.pay form button[type=submit]")


def forward_new_deliveries(sandbox_server, webhook_receiver, port: str, already: int, *, once: bool = True) -> int:
    """Post what the sandbox delivered since ``already`` to the live server, as Stripe would; returns the count.
    With ``once``, each delivery must be an event the server had not stored yet."""
    sandbox_server.drain()
    with webhook_receiver.lock:
        items = [item for item in webhook_receiver.received if item.path == WEBHOOK_PATH]
    for item in items[already:]:
        response = requests.post(
            f"http://127.0.0.1:{port}/billing/stripe/webhook/",
            data=item.body,
            headers={"Host": "localhost", "Content-Type": "application/json",
                     "Stripe-Signature": item.headers["Stripe-Signature"]},
            timeout=WAIT_TIMEOUT,
        )  # fmt: skip
        if once:
            assert (response.status_code, response.json()["duplicate"]) == (200, False), response.text
        else:
            assert response.status_code == 200, response.text
    return len(items)


@contextmanager
def selling_stores(django_db_blocker, webhook_receiver, specs) -> Iterator[dict[str, str]]:
    """The marketplace's stores of ``specs`` (``make_selling_stores``), committed before the browser starts (the
    ORM can't run under its event loop); yields each one's product page path by slug, and purges them after."""
    from django_tenants.utils import schema_context

    from storefront.catalog.models import Product

    webhook_receiver.clear()
    with django_db_blocker.unblock():
        made = make_selling_stores(specs)
        paths = {}
        for slug, item in made.items():
            with schema_context(item.store.schema_name):
                paths[slug] = f"/products/{Product.objects.get(pk=item.product_id).slug}/"
    try:
        yield paths
    finally:
        with django_db_blocker.unblock():
            purge_selling_stores(specs)


def add_to_the_marketplace_cart(page, *, platform: str, product_urls: Iterable[str]) -> None:
    """Each product into the marketplace cart from its store's page, confirmed on the platform site."""
    for url in product_urls:
        page.goto(url)
        page.click("#add-to-marketplace-cart button[type=submit]")
        page.wait_for_url(f"{platform}/cart/add/?**")  # the platform site shows what will be added
        page.click("#confirm-add button[type=submit]")
        page.wait_for_url(f"{platform}/cart/")


def fill_the_marketplace_cart(page, *, email: str, total: str) -> None:
    """On the marketplace cart: the buyer's email and a Springfield address, updated until it costs ``total``."""
    page.fill("input[name=email]", email)
    page.fill("input[name=name]", "Robin Buyer")
    page.fill("input[name=line1]", "12 Harbour Road")
    page.fill("input[name=city]", "Springfield")
    page.fill("input[name=region]", "IL")
    page.fill("input[name=postal_code]", "62701")
    page.fill("input[name=country]", "US")
    page.click("button[name=action][value=update]")
    page.wait_for_selector(f"#cart-total:text-is('{total}')")


def pay_the_marketplace_cart(
    page, *, platform: str, port: str, sandbox_server, webhook_receiver, total: str | None = None
) -> str:
    """From the filled marketplace cart: pay once with the test card on the hosted page (which must show ``total``,
    when given), forward Stripe's webhooks and wait until the platform's checkout page shows the payment; returns
    that page's address."""
    page.click("button[name=action][value=pay]")
    page.wait_for_url(f"{sandbox_server.url}/c/pay/cs_test_**")
    if total is not None:
        assert total in page.inner_text("section.summary")
    pay_on_hosted_page(page, sandbox_url=sandbox_server.url, name="Robin Buyer")
    page.wait_for_url(f"{platform}/cart/checkout/**")
    checkout_url = page.url.split("?")[0]
    forward_new_deliveries(sandbox_server, webhook_receiver, port, 0, once=False)

    def paid() -> bool:
        page.goto(checkout_url)
        return page.get_attribute("#checkout", "data-status") == "paid"

    wait_until(paid, interval=0.5, timeout=2 * WAIT_TIMEOUT, what="the checkout page to show the payment")
    return checkout_url


@dataclass(frozen=True)
class ChineseAddress:
    name: str
    line1: str
    city: str
    district: str
    region: str
    postal_code: str
    phone: str


@contextmanager
def store_selling_in_china(
    django_db_blocker, sandbox_server, webhook_receiver, *, name: str, slug: str, product: tuple[str, str, int],
    zone: str, rate: tuple[str, str], **profile: str,
) -> Iterator:  # fmt: skip
    """A store selling ``product`` (title, price, stock) in CNY and shipping to China at one flat ``rate`` (name,
    price), its profile's other ``profile`` fields set too; committed before the browser starts (the ORM can't run
    under its event loop), purged after the block."""
    from django_tenants.utils import schema_context

    from storefront.catalog.services import create_product
    from storefront.checkout.models import ShippingRate, ShippingZone
    from storefront.themes.models import StoreProfile
    from tenants.services import provision_store, purge_store

    sandbox_server.control("POST", "/reset")
    webhook_receiver.clear()
    with django_db_blocker.unblock():
        store = provision_store(name=name, slug=slug)
        with schema_context(store.schema_name):
            StoreProfile.objects.filter(pk=1).update(currency="CNY", **profile)
            title, price, stock = product
            create_product(title=title, price=Decimal(price), stock=stock, track_inventory=True)
            shipping = ShippingZone.objects.create(name=zone, countries=["CN"], tax_rate=Decimal("0"))
            ShippingRate.objects.create(zone=shipping, name=rate[0], kind="flat", price=Decimal(rate[1]))
    try:
        yield store
    finally:
        with django_db_blocker.unblock():
            purge_store(store=store)


def check_out_to_china(page, address: ChineseAddress, *, email: str, shipping: str) -> None:
    """On the checkout page of a store shipping only to China: ``email`` and ``address``, updated until the summary
    shows ``shipping``."""
    page.fill("input[name=email]", email)
    page.fill("input[name=name]", address.name)
    page.fill("input[name=line1]", address.line1)
    page.fill("input[name=city]", address.city)
    page.fill("input[name=district]", address.district)
    page.select_option("select[name=region]", address.region)
    page.fill("input[name=postal_code]", address.postal_code)
    page.fill("input[name=phone]", address.phone)
    page.click("button[name=action][value=update]")
    page.wait_for_selector(f"#summary-shipping:text-is('{shipping}')")


def wait_for_the_wallet_payment(
    page, *, store_url: str, port: str, sandbox_server, webhook_receiver, paid_status: str
) -> None:
    """Back on the store's order page once the wallet approved: Stripe's webhooks, forwarded, are the session's
    completion (unpaid) and then its asynchronous success; the order page shows ``paid_status`` once the worker
    has handled them."""
    page.wait_for_url(f"{store_url}/orders/**")
    order_path = urlsplit(page.url).path
    session_id = urlsplit(page.url).query.removeprefix("session_id=")
    forward_new_deliveries(sandbox_server, webhook_receiver, port, 0)
    assert webhook_receiver.types_for(session_id) == [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
    ]

    def paid() -> bool:
        page.goto(f"{store_url}{order_path}")
        return page.inner_text("#order-status") == paid_status

    wait_until(paid, interval=0.5, timeout=2 * WAIT_TIMEOUT, what="the order page to show the order paid")
