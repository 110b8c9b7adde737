"""The buying paths that cross from the platform into stores, with the stores on different pods and the real
worker doing the work: a sponsored click and the order it brings, a marketplace buyer's history fed by stores on
two pods, the reputation refresh feeding the directory, and one marketplace payment split over two pods' stores."""

import re
import secrets
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.html import escape

from billing.gateway import stripe_client
from billing.models import ConnectedAccount, StripeEvent
from platform.accounts.models import User
from platform.buyers.models import Buyer, BuyerOrder
from platform.directory.models import DirectoryStore, Listing, SponsoredCampaign, SponsoredClick, SponsoredOrder
from platform.directory.selectors import SearchParams, search
from platform.directory.sponsored import ORDER_REFERENCE_COOKIE, publish_campaign
from platform.marketplace.models import CartStore, MarketplaceCart, MarketplaceCheckout
from storefront import demo
from storefront.api.models import ApiToken
from storefront.catalog.models import Product
from storefront.catalog.services import create_product
from storefront.checkout.models import ShippingRate, ShippingZone
from storefront.customers.models import Customer, CustomerOrder
from storefront.demo_catalog import DEMO_SELLER_EMAIL, DEMO_STORES
from storefront.orders.events import record_event
from storefront.orders.models import Order, OrderEvent
from storefront.payouts.models import OrderPayout
from storefront.reviews.models import ReputationFigures
from storefront.reviews.tasks import dispatch_reputation_refreshes
from storefront.sponsored.models import Campaign
from tenants.models import Store
from tenants.pods.routing import platform_connection, store_context
from tenants.services import purge_store
from tenants.validators import schema_name_for_slug
from tests.conftest import host_of
from tests.directory.test_sponsored import _click
from tests.marketplace.conftest import PLATFORM_HOST, add_from_directory, cart_form, connect_store, forward_webhooks
from tests.platform.buyers.support import PLATFORM, Browser, make_buyer, sign_in_buyer
from tests.pods import pod_schemas
from tests.storefront.checkout.support import add, buy, make_shipping, pay_on_stripe
from tests.storefront.reviews.support import make_order
from tests.stripe_sandbox import WEBHOOK_PATH
from tests.support import WAIT_TIMEOUT, wait_until

# Three pod servers and stores made on them: seconds each (tests/pods.py).
pytestmark = [pytest.mark.pods, pytest.mark.slow]


def forget_stripe_events(webhook_receiver) -> None:
    """Delete the Stripe events this test's deliveries stored (the run's other tests see none of them)."""
    with webhook_receiver.lock:
        ids = [item.event["id"] for item in webhook_receiver.received if item.path == WEBHOOK_PATH]
    StripeEvent.objects.filter(event_id__in=ids).delete()


def on_platform_database() -> bool:
    """Whether this thread is back on the platform's connection (no pod scope left open by a helper)."""
    return connections[DEFAULT_DB_ALIAS] is platform_connection()


def test_a_sponsored_click_and_the_order_it_brings_are_counted_for_a_store_on_a_pod(
    client, pod_stores, sandbox_server, webhook_receiver, celery_worker, committed
):
    one, two, _ = pod_stores
    with store_context(one):
        bowl = create_product(title="Pod Walnut Salad Bowl", price=Decimal("30.00"))
        knife = create_product(title="Pod Walnut Butter Knife", price=Decimal("12.00"))
        local = Campaign.objects.create(name="Pod walnut", daily_budget="5.00", cost_per_click="0.40", currency="USD")
        local.products.set([bowl, knife])
        _, flat = make_shipping(tax="0")
    with store_context(two):
        create_product(title="Pod Walnut Cutting Board", price=Decimal("35.00"))
    campaign = publish_campaign(
        store=one, campaign_id=local.pk, name=local.name, product_ids=[bowl.pk, knife.pk],
        daily_budget=Decimal("5.00"), cost_per_click=Decimal("0.40"), currency="USD", active=True,
    )  # fmt: skip
    webhook_receiver.clear()
    try:
        # The worker drains each pod store's outbox into the directory; only then is the bowl found, sponsored.
        wait_until(
            lambda: (
                Listing.objects.filter(store_id=one.pk, product_id=bowl.pk).exists()
                and Listing.objects.filter(store_id=two.pk, title="Pod Walnut Cutting Board").exists()
            ),
            what="the worker to list both pod stores' walnut products",
        )
        found = search(SearchParams(q="walnut"))
        sponsored = [item for item in found.sponsored if item.hit.title == "Pod Walnut Salad Bowl"]
        assert sponsored and all(item.hit.store_slug == "pod-one" for item in found.sponsored)

        clicked = _click(client, sponsored[0].click_url, visitor="pod-buyer-000000001")
        assert clicked.status_code == 302
        assert SponsoredClick.objects.filter(campaign=campaign, product_id=bowl.pk).count() == 1
        target = urlsplit(clicked["Location"])
        assert target.netloc.split(":")[0] == host_of(one)
        landed = client.get(f"{target.path}?{target.query}", HTTP_HOST=target.netloc)
        assert landed.status_code == 302 and ORDER_REFERENCE_COOKIE in landed.cookies
        assert client.get(landed["Location"], HTTP_HOST=host_of(one)).status_code == 200

        with store_context(one):
            variant = bowl.variants.get()
        add(client, one, variant, 1)
        bought = buy(client, one, flat)
        assert bought.status_code == 302
        assert pay_on_stripe(bought["Location"]).status_code == 303
        forward_webhooks(client, sandbox_server, webhook_receiver, 0)

        # The worker processes the platform's webhook in pod1's store; the paid order counts for the campaign.
        recorded = wait_until(
            lambda: SponsoredOrder.objects.filter(campaign=campaign).first(),
            what="the worker to mark the sponsored order paid and count it for the campaign",
        )
        with store_context(one):
            order = Order.objects.get(pk=recorded.order_id)
            # $30.00 and $5.00 shipping, no tax.
            assert (order.status, order.sponsored_campaign_id, order.total) == ("paid", local.pk, Decimal("35.00"))
        assert (recorded.total, recorded.currency) == (Decimal("35.00"), "USD")
        # Store two, on another pod, got nothing of it: no order, no campaign.
        with store_context(two):
            assert not Order.objects.exists() and not Campaign.objects.exists()
        assert not SponsoredCampaign.objects.filter(store_id=two.pk).exists()
        assert on_platform_database()
    finally:
        SponsoredCampaign.objects.filter(store_id=one.pk).delete()  # its clicks, days and orders with it
        with store_context(one):
            ShippingZone.objects.all().delete()
        forget_stripe_events(webhook_receiver)


def linked_order(store, buyer: Buyer, *, total: str) -> Order:
    """A paid order of a customer of ``store`` linked to the marketplace ``buyer`` (as a Mercato sign-in links it)."""
    with store_context(store):
        order = Order.objects.create(
            token=secrets.token_urlsafe(32), checkout_key=secrets.token_urlsafe(16), email=buyer.email,
            site_url=f"http://{host_of(store)}", status="paid", stock_state="committed", currency="USD",
            ship_name="Pat", ship_line1="1 Main St", ship_city="Springfield", ship_postal_code="62701",
            ship_country="US", shipping_method="Standard", subtotal=Decimal(total), discount_total=Decimal("0"),
            shipping_total=Decimal("0"), tax_total=Decimal("0"), total=Decimal(total), reserved_until=timezone.now(),
        )  # fmt: skip
        customer = Customer.objects.create(email=buyer.email, password="!", marketplace_buyer_id=buyer.pk)
        CustomerOrder.objects.create(customer=customer, order=order, how="placed")
    return order


def test_a_buyers_history_gets_the_orders_of_stores_on_two_pods_through_the_worker(
    pod_stores, celery_worker, committed
):
    one, two, three = pod_stores
    buyer = make_buyer("pod-pat@example.com")
    other = make_buyer("pod-other@example.com")
    try:
        first = linked_order(one, buyer, total="24.00")
        second = linked_order(two, buyer, total="61.50")
        # The store's own event sends the order to the history once it commits: the worker writes the row.
        for store, order in ((one, first), (two, second)):
            with store_context(store):
                record_event(order=order, kind=OrderEvent.Kind.FULFILLED)

        def both_listed() -> list[BuyerOrder] | None:
            rows = list(BuyerOrder.objects.filter(buyer=buyer).order_by("total"))
            return rows if len(rows) == 2 else None

        rows = wait_until(both_listed, what="the worker to send both pod stores' orders to the buyer's history")
        assert [(row.store_id, row.number, row.total) for row in rows] == [
            (one.pk, first.pk, Decimal("24.00")), (two.pk, second.pk, Decimal("61.50"))
        ]  # fmt: skip
        assert rows[0].link == f"http://{host_of(one)}/account/" and rows[1].link == f"http://{host_of(two)}/account/"

        browser = Browser()
        sign_in_buyer(browser.platform, email=buyer.email)
        page = browser.platform.get("/buyer/", HTTP_HOST=PLATFORM).content.decode()
        assert "Pod One" in page and "Pod Two" in page
        assert f"#{first.pk}" in page and f"#{second.pk}" in page
        # Another buyer, and the third pod's store, have nothing of it.
        assert not BuyerOrder.objects.filter(buyer=other).exists()
        assert not BuyerOrder.objects.filter(store_id=three.pk).exists()
        with store_context(three):
            assert not Customer.objects.exists()
    finally:
        for store in (one, two):
            with store_context(store):
                CustomerOrder.objects.all().delete()
                Customer.objects.all().delete()
                Order.objects.filter(email=buyer.email).delete()
        Buyer.objects.filter(pk__in=[buyer.pk, other.pk]).delete()


def test_the_reputation_refresh_runs_in_a_pod_stores_schema_and_feeds_the_directory(
    pod_stores, celery_worker, committed
):
    _, two, three = pod_stores
    with store_context(three):
        lamp = create_product(title="Pod reputation lamp", price=Decimal("20.00"))
        order = make_order(three, [lamp], status="paid")
        # Paid four days ago and never sent: past its three days of handling, so a late shipment.
        Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(days=4))
        assert not ReputationFigures.objects.exists()
    before_two = DirectoryStore.objects.get(pk=two.pk).reputation_at
    try:
        assert dispatch_reputation_refreshes.delay().get(timeout=WAIT_TIMEOUT) >= 3  # what the beat sends hourly

        def three_refreshed() -> bool:
            card = DirectoryStore.objects.get(pk=three.pk)
            return card.reputation_at is not None and card.on_time_percent == 0

        wait_until(three_refreshed, what="the worker's refresh of pod3's store to reach its directory card")
        card = DirectoryStore.objects.get(pk=three.pk)
        assert (card.recent_orders, card.on_time_percent) == (1, Decimal("0"))
        # Computed and kept in the store's own schema, on pod3.
        with store_context(three):
            kept = ReputationFigures.objects.get(pk=1)
            assert (kept.shipped_counted, kept.on_time_percent) == (1, Decimal("0"))
        with connections[three.pod.database_alias].cursor() as cursor:
            cursor.execute(f'SELECT shipped_counted FROM "{three.schema_name}".reviews_reputationfigures')
            assert cursor.fetchall() == [(1,)]
        # Store two (pod2) got its own refresh, with none of three's late order in it.
        wait_until(
            lambda: DirectoryStore.objects.get(pk=two.pk).reputation_at != before_two,
            what="the worker's refresh of pod2's store",
        )
        assert DirectoryStore.objects.get(pk=two.pk).recent_orders == 0
    finally:
        with store_context(three):
            Order.objects.filter(pk=order.pk).delete()
            ReputationFigures.objects.all().delete()


# slug -> (product, price, quantity); the worked figures: items + $5.00 shipping + 10 % tax on the items.
# Pod one: 2 x $20.00 + 5.00 + 4.00 = $49.00, fee 5 % = 245, transfer 4655.
# Pod two: 1 x $12.50 + 5.00 + 1.25 = $18.75, fee 93.75 -> 94, transfer 1781. One payment: 6775.
MARKET = {"pod-one": ("Pod Stoneware Mug", "20.00", 2), "pod-two": ("Pod Paperback Atlas", "12.50", 1)}
EXPECTED = {"pod-one": (4900, 245, 4655), "pod-two": (1875, 94, 1781)}


class Seller:
    def __init__(self, store, account_id: str, product: Product, rate: ShippingRate) -> None:
        self.store, self.account_id, self.product_id, self.rate_id = store, account_id, product.pk, rate.pk
        self.title = product.title


def test_one_marketplace_payment_places_an_order_in_stores_on_two_pods(
    client, pod_stores, sandbox_server, webhook_receiver, celery_worker, committed
):
    one, two, three = pod_stores
    sellers: dict[str, Seller] = {}
    try:
        for store in (one, two):
            title, price, _ = MARKET[store.slug]
            with store_context(store):
                product = create_product(title=title, price=Decimal(price), stock=10, track_inventory=True)
                ShippingZone.objects.all().delete()  # only this zone, with its tax, decides the worked figures
                zone = ShippingZone.objects.create(name="USA", countries=["US"], tax_rate=Decimal("10"))
                rate = ShippingRate.objects.create(zone=zone, name="Standard", kind="flat", price=Decimal("5.00"))
            sellers[store.slug] = Seller(store, connect_store(store), product, rate)
        wait_until(
            lambda: all(
                Listing.objects.filter(store_id=item.store.pk, product_id=item.product_id).exists()
                for item in sellers.values()
            ),
            what="the worker to list both pod stores' products",
        )
        webhook_receiver.clear()
        for slug, item in sellers.items():
            assert add_from_directory(client, item, quantity=MARKET[slug][2]).status_code == 302
        rates = {f"rate_{item.store.pk}": item.rate_id for item in sellers.values()}
        page = cart_form(client, list(sellers.values()), **rates).content.decode()
        assert "$49.00" in page and "$18.75" in page and '<strong id="cart-total">$67.75</strong>' in page
        key = re.search(r'name="checkout_key" value="([^"]+)"', page).group(1)
        paying = cart_form(client, list(sellers.values()), action="pay", checkout_key=key, **rates)
        assert paying.status_code == 302, paying.content.decode()
        checkout = MarketplaceCheckout.objects.get(checkout_key=key)
        assert checkout.amount == 6775
        assert pay_on_stripe(paying.url).status_code == 303
        forward_webhooks(client, sandbox_server, webhook_receiver, 0)

        wait_until(
            lambda: MarketplaceCheckout.objects.filter(pk=checkout.pk, status="paid").exists()
            and checkout.orders.count() == 2 and not checkout.orders.filter(stripe_transfer_id="").exists(),
            what="the worker to mark both pod stores' orders paid and transfer each store's share",
        )  # fmt: skip
        checkout.refresh_from_db()
        stripe = stripe_client()
        group = {t.destination: t for t in stripe.v1.transfers.list({"transfer_group": checkout.transfer_group}).data}
        assert sorted(group) == sorted(item.account_id for item in sellers.values())
        for slug, item in sellers.items():
            placed = checkout.orders.get(store=item.store)
            # The order is in the store's own schema on its own pod, paid, with only its own line.
            with store_context(item.store):
                order = Order.objects.prefetch_related("lines").get(pk=placed.order_id)
                assert order.status == Order.Status.PAID and int(order.total * 100) == EXPECTED[slug][0]
                assert [line.title for line in order.lines.all()] == [item.title]
                payout = OrderPayout.objects.get(order=order)
                assert (int(payout.platform_fee * 100), int(payout.transferred * 100)) == EXPECTED[slug][1:]
                assert Product.objects.get(pk=item.product_id).variants.get().stock == 10 - MARKET[slug][2]
            assert group[item.account_id].amount == EXPECTED[slug][2]
            with connections[item.store.pod.database_alias].cursor() as cursor:
                cursor.execute(f'SELECT count(*) FROM "{item.store.schema_name}".orders_order WHERE id = %s',
                               [placed.order_id])  # fmt: skip
                assert cursor.fetchone() == (1,)
        # The third pod's store took no part.
        with store_context(three):
            assert not Order.objects.exists()
        result = client.get(f"/cart/checkout/{checkout.token}/", HTTP_HOST=PLATFORM_HOST).content.decode()
        assert '<strong id="paid-total">$67.75</strong>' in result
        assert all(f"http://{host_of(item.store)}" in result for item in sellers.values())
        assert on_platform_database()
    finally:
        MarketplaceCheckout.objects.all().delete()
        CartStore.objects.all().delete()
        MarketplaceCart.objects.all().delete()
        forget_stripe_events(webhook_receiver)
        # The stores are purged after the module: their connected accounts first (as the marketplace tests do).
        ConnectedAccount.objects.filter(store__in=[one, two]).delete()


def test_the_store_commands_reach_a_store_on_its_pod(client, pod_stores, capsys, committed):
    one, two, _ = pod_stores
    # The directory rebuilt from pod2's store: its listing comes back from its schema there.
    with store_context(two):
        titles = set(Product.objects.values_list("title", flat=True))
    assert "Pod two lantern" in titles
    Listing.objects.filter(store_id=two.pk).delete()
    call_command("rebuild_directory", "--store", "pod-two")
    assert f"rebuilt the directory from 1 store(s), {len(titles)} product(s)" in capsys.readouterr().out
    assert set(Listing.objects.filter(store_id=two.pk).values_list("title", flat=True)) == titles

    # A seller API token issued for pod1's store is kept there and opens its API.
    call_command("create_api_token", "pod-one", "pod sync")
    secret = capsys.readouterr().out.strip()
    try:
        answer = client.get("/api/seller/products", HTTP_HOST=host_of(one), HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert answer.status_code == 200 and "Pod one lantern" in answer.content.decode()
        assert client.get(
            "/api/seller/products", HTTP_HOST=host_of(two), HTTP_AUTHORIZATION=f"Bearer {secret}"
        ).status_code == 401  # fmt: skip
        with connections[one.pod.database_alias].cursor() as cursor:
            cursor.execute(f'SELECT name FROM "{one.schema_name}".store_api_apitoken')
            assert cursor.fetchall() == [("pod sync",)]
    finally:
        with store_context(one):
            ApiToken.objects.all().delete()


def test_the_demo_seed_places_a_demo_store_on_a_pod_and_it_serves_its_products(
    client, pod_stores, open_pods, monkeypatch, committed
):
    # One demo store is enough to show the seed works on its pod (each costs a migrated schema).
    monkeypatch.setattr(demo, "DEMO_STORES", DEMO_STORES[:1])
    seller = None
    try:
        [store] = demo.seed_demo_stores(log=lambda *args: None)
        seller = User.objects.get(email=DEMO_SELLER_EMAIL)
        assert store.pod in open_pods and store.schema_name in pod_schemas(store.pod.database_alias)
        with store_context(store):
            titles = set(Product.objects.values_list("title", flat=True))
        assert titles == {title for title, *_ in DEMO_STORES[0].products}
        page = client.get("/products/", HTTP_HOST=host_of(store))
        assert page.status_code == 200 and all(escape(title) in page.content.decode() for title in titles)
        # Seeding again adds nothing, reading the store on its pod.
        demo.seed_demo_stores(log=lambda *args: None)
        with store_context(store):
            assert Product.objects.count() == len(titles)
    finally:
        shutil.rmtree(Path(settings.MEDIA_ROOT) / schema_name_for_slug(DEMO_STORES[0].slug), ignore_errors=True)
        leftover = Store.objects.filter(slug=DEMO_STORES[0].slug).first()
        if leftover is not None:
            purge_store(store=leftover)
        if seller is not None:
            seller.delete()
