"""Orders from sponsored clicks: the click's signed reference rides to the store, is kept in a cookie without
touching the page cache, goes onto the order at checkout and, once Stripe says the order is paid, counts for the
campaign in the seller's dashboard; a reference signed for store A does nothing in store B."""

from decimal import Decimal
from urllib.parse import urlsplit

from django_tenants.utils import schema_context

from platform.directory.models import SponsoredOrder
from platform.directory.selectors import SearchParams, search
from platform.directory.sponsored import ORDER_REFERENCE_COOKIE, order_reference, publish_campaign
from storefront.catalog.models import Product
from storefront.orders.models import Order
from storefront.orders.payments import confirm_order_payment
from storefront.sponsored.models import Campaign
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.directory.conftest import drain
from tests.directory.test_sponsored import _click, _corpus
from tests.storefront.checkout.support import add, buy, make_shipping, pay_on_stripe


def _land(client, location: str):
    """The buyer's browser following the click's redirect to the store."""
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}", HTTP_HOST=parts.netloc)


def _buy_and_pay(client, store, title: str) -> Order:
    with schema_context(store.schema_name):
        variant = Product.objects.get(title=title).variants.get()
        _, flat = make_shipping(tax="0")
    add(client, store, variant, 1)
    stripe_url = buy(client, store, flat)["Location"]
    assert pay_on_stripe(stripe_url).status_code == 303
    with schema_context(store.schema_name):
        order = Order.objects.get()
        return confirm_order_payment(order=order)  # what the return page and the webhook do, asking Stripe


def _dashboard_row(client, store, email: str) -> str:
    seller = make_user(email)
    add_member(store, seller, "owner")
    sign_in_on(client, seller, store)
    page = client.get("/dashboard/sponsored/", HTTP_HOST=host_of(store)).content.decode()
    return page.split('class="campaign"')[1].split("</tr>")[0]


def test_an_order_paid_after_a_sponsored_click_counts_for_its_campaign(client, store_a, store_b, sandbox_server):
    campaign = _corpus(store_a, store_b, budget="5.00")
    item = next(item for item in search(SearchParams(q="walnut")).sponsored if item.hit.title == "Walnut Salad Bowl")
    clicked = _click(client, item.click_url, visitor="buyer-cookie-000000001")
    landed = _land(client, clicked["Location"])
    # The reference is taken off the address into a cookie; the page itself is the plain (cacheable) one.
    assert (landed.status_code, landed["Location"]) == (302, urlsplit(item.hit.url).path)
    assert landed.cookies[ORDER_REFERENCE_COOKIE]["httponly"]
    assert client.get(landed["Location"], HTTP_HOST=host_of(store_a)).status_code == 200

    order = _buy_and_pay(client, store_a, "Walnut Salad Bowl")
    assert (order.status, order.sponsored_campaign_id, order.total) == ("paid", campaign.campaign_id, Decimal("35.00"))
    recorded = SponsoredOrder.objects.get()
    assert (recorded.campaign_id, recorded.order_id, recorded.total, recorded.currency) == (
        campaign.pk, order.pk, Decimal("35.00"), "USD"
    )  # fmt: skip
    with schema_context(store_a.schema_name):
        confirm_order_payment(order=order)  # a replayed confirmation counts nothing twice
    assert SponsoredOrder.objects.count() == 1

    row = _dashboard_row(client, store_a, "seller@alpha.test")
    assert '<td class="clicks">1</td>' in row and '<td class="orders">1 (35.00 USD)</td>' in row


def test_an_order_without_a_sponsored_click_counts_for_no_campaign(client, store_a, store_b, sandbox_server):
    _corpus(store_a, store_b)
    order = _buy_and_pay(client, store_a, "Walnut Salad Bowl")
    assert (order.status, order.sponsored_campaign_id) == ("paid", None)
    assert not SponsoredOrder.objects.exists()
    assert '<td class="orders">0</td>' in _dashboard_row(client, store_a, "seller@alpha.test")


def test_a_reference_signed_for_store_a_does_nothing_in_store_b(client, store_a, store_b, sandbox_server):
    a_campaign = _corpus(store_a, store_b)
    with schema_context(store_b.schema_name):
        board = Product.objects.get(title="Walnut Cutting Board")
        # Store B's own campaign has the very same id in its schema as A's: only the store in the signature differs.
        b_local = Campaign.objects.create(pk=a_campaign.campaign_id, name="Boards", daily_budget="5.00",
                                          cost_per_click="0.50", currency="USD")  # fmt: skip
        b_local.products.set([board])
    drain(store_b)
    publish_campaign(
        store=store_b, campaign_id=b_local.pk, name="Boards", product_ids=[board.pk], daily_budget=Decimal("5.00"),
        cost_per_click=Decimal("0.50"), currency="USD", active=True,
    )  # fmt: skip
    a_reference = order_reference(store_id=store_a.pk, campaign_id=a_campaign.campaign_id)
    landed = client.get(f"/products/{board.slug}/", {"sp": a_reference}, HTTP_HOST=host_of(store_b))
    assert (landed.status_code, landed["Location"]) == (302, f"/products/{board.slug}/")
    assert ORDER_REFERENCE_COOKIE not in landed.cookies  # refused: not kept

    # Even carried in the cookie by hand (the test client shares one jar across hosts), B's checkout ignores it.
    client.cookies[ORDER_REFERENCE_COOKIE] = a_reference
    order = _buy_and_pay(client, store_b, "Walnut Cutting Board")
    assert (order.status, order.sponsored_campaign_id) == ("paid", None)
    assert not SponsoredOrder.objects.exists()


def test_a_forged_reference_is_dropped_and_the_rest_of_the_address_kept(client, store_a, store_b):
    _corpus(store_a, store_b)
    with schema_context(store_a.schema_name):
        bowl = Product.objects.get(title="Walnut Salad Bowl")
    forged = client.get(f"/products/{bowl.slug}/", {"sp": "1:forged", "lang": "en"}, HTTP_HOST=host_of(store_a))
    assert (forged.status_code, forged["Location"]) == (302, f"/products/{bowl.slug}/?lang=en")
    assert ORDER_REFERENCE_COOKIE not in forged.cookies
