"""Sponsored campaigns run between their dates and while not paused (the seller's pause button), drop products
that left the store, show nothing from a closed store, and stop counting an address's clicks past the hourly limit;
store B can't pause or resume store A's campaign."""

from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from platform.directory.models import SponsoredCampaign, SponsoredClick
from platform.directory.selectors import SearchParams, search
from platform.directory.sponsored import publish_campaign
from platform.directory.views import CLICKS_PER_IP_PER_HOUR
from storefront.catalog.models import Product
from storefront.catalog.services import delete_product, update_product
from storefront.sponsored.models import Campaign
from tenants.services import close_store
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.directory.conftest import drain
from tests.directory.test_sponsored import _click, _corpus


def _titles(query: str) -> list[str]:
    return sorted(item.hit.title for item in search(SearchParams(q=query)).sponsored)


def _republish(store, campaign: SponsoredCampaign, **changes) -> SponsoredCampaign:
    fields = {"name": campaign.name, "product_ids": campaign.product_ids, "daily_budget": campaign.daily_budget,
              "cost_per_click": campaign.cost_per_click, "currency": campaign.currency, "active": True, **changes}  # fmt: skip
    return publish_campaign(store=store, campaign_id=campaign.campaign_id, **fields)


def _owner(client, store, email: str):
    user = make_user(email)
    add_member(store, user, "owner")
    sign_in_on(client, user, store)
    return user


def test_a_campaign_shows_and_counts_only_between_its_dates(client, store_a, store_b):
    campaign = _corpus(store_a, store_b, budget="5.00")
    url = search(SearchParams(q="towel")).sponsored[0].click_url
    now = timezone.now()

    _republish(store_a, campaign, starts_at=now + timedelta(hours=1), ends_at=now + timedelta(days=1))
    assert _titles("walnut") == [] and _titles("towel") == []
    assert _click(client, url, visitor="early-buyer-cookie-01").status_code == 302  # the buyer still gets there
    assert not SponsoredClick.objects.exists()

    _republish(store_a, campaign, starts_at=now - timedelta(days=1), ends_at=now - timedelta(minutes=1))
    assert _titles("towel") == []
    _click(client, url, visitor="late-buyer-cookie-0002", ip="192.0.2.2")
    assert not SponsoredClick.objects.exists()

    # The window holds now (start included): shown and counted again.
    _republish(store_a, campaign, starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=1))
    assert _titles("towel") == ["Linen Tea Towel"]
    _click(client, url, visitor="timely-buyer-cookie-3", ip="192.0.2.3")
    assert SponsoredClick.objects.filter(campaign=campaign).count() == 1


def test_the_seller_pauses_and_resumes_a_campaign_and_store_b_cannot(client, store_a, store_b):
    campaign = _corpus(store_a, store_b, budget="5.00")
    url = search(SearchParams(q="towel")).sponsored[0].click_url
    host = {"HTTP_HOST": host_of(store_a)}
    local_id = campaign.campaign_id

    # Store B's owner, on B's host, finds no such campaign to pause.
    _owner(client, store_b, "owner@beta.test")
    assert client.post(f"/dashboard/sponsored/{local_id}/pause/", HTTP_HOST=host_of(store_b)).status_code == 404
    assert SponsoredCampaign.objects.get(pk=campaign.pk).active is True

    _owner(client, store_a, "owner@alpha.test")
    assert client.get(f"/dashboard/sponsored/{local_id}/pause/", **host).status_code == 405
    paused = client.post(f"/dashboard/sponsored/{local_id}/pause/", **host)
    assert (paused.status_code, paused["Location"]) == (302, "/dashboard/sponsored/")
    with schema_context(store_a.schema_name):
        assert Campaign.objects.get(pk=local_id).active is False
    assert SponsoredCampaign.objects.get(pk=campaign.pk).active is False
    assert _titles("walnut") == [] and _titles("towel") == []
    buyer = Client()  # a browser of its own: the platform host would drop the seller's session cookie
    _click(buyer, url, visitor="paused-buyer-cookie-1")
    assert not SponsoredClick.objects.exists()
    page = client.get("/dashboard/sponsored/", **host).content.decode()
    row = page.split('class="campaign"')[1].split("</tr>")[0]
    assert 'data-state="paused">Paused' in row and f'action="/dashboard/sponsored/{local_id}/resume/"' in row
    assert "“Spring walnut” paused." in page

    assert client.post(f"/dashboard/sponsored/{local_id}/resume/", **host).status_code == 302
    assert SponsoredCampaign.objects.get(pk=campaign.pk).active is True
    assert _titles("towel") == ["Linen Tea Towel"]
    _click(buyer, url, visitor="resumed-buyer-cookie2", ip="192.0.2.20")
    assert SponsoredClick.objects.filter(campaign=campaign).count() == 1
    # Pausing kept everything else as it was.
    kept = SponsoredCampaign.objects.get(pk=campaign.pk)
    assert (kept.name, len(kept.product_ids), kept.daily_budget) == ("Spring walnut", 4, Decimal("5.00"))


def test_products_that_left_the_store_are_shown_as_gone_or_dropped(client, store_a, store_b):
    campaign = _corpus(store_a, store_b)
    with schema_context(store_a.schema_name):
        products = {product.title: product for product in Product.objects.all()}
        update_product(product=products["Walnut Salad Bowl"], status=Product.Status.ARCHIVED)
        delete_product(product=products["Walnut Butter Knife"])
    drain(store_a)
    knife_id = products["Walnut Butter Knife"].pk
    # B holds a campaign naming the same product id in its own schema: A's deletion leaves it alone.
    other = publish_campaign(store=store_b, campaign_id=campaign.campaign_id, name="B's", product_ids=[knife_id],
                             daily_budget=Decimal("1.00"), cost_per_click=Decimal("0.50"), currency="USD",
                             active=True)  # fmt: skip

    assert _titles("walnut") == ["Walnut Serving Board"]  # the archived bowl's listing is gone
    copy = SponsoredCampaign.objects.get(pk=campaign.pk)
    assert knife_id not in copy.product_ids and len(copy.product_ids) == 3
    assert SponsoredCampaign.objects.get(pk=other.pk).product_ids == [knife_id]
    with schema_context(store_a.schema_name):
        assert sorted(p.title for p in Campaign.objects.get().products.all()) == [
            "Linen Tea Towel", "Walnut Salad Bowl", "Walnut Serving Board",
        ]  # fmt: skip

    _owner(client, store_a, "owner@alpha.test")
    row = client.get("/dashboard/sponsored/", HTTP_HOST=host_of(store_a)).content.decode().split('class="campaign"')[1]
    assert '<span class="campaign-product-gone">Walnut Salad Bowl (not on sale: not shown)</span>' in row
    assert "Butter Knife" not in row.split("</tr>")[0]


def test_a_closed_store_has_no_sponsored_results(client, store_a, store_b):
    _corpus(store_a, store_b)
    owner = make_user("owner@alpha.test")
    add_member(store_a, owner, "owner")
    url = search(SearchParams(q="walnut")).sponsored[0].click_url
    close_store(store=store_a, actor=owner, confirmation=store_a.name)
    assert _titles("walnut") == [] and _titles("towel") == []
    assert _click(client, url, visitor="closed-buyer-cookie-1").status_code == 404
    assert not SponsoredClick.objects.exists()


def test_an_address_past_its_hourly_click_limit_counts_nothing_more(client, store_a, store_b):
    campaign = _corpus(store_a, store_b, budget="50.00")
    walnut = [item.click_url for item in search(SearchParams(q="walnut")).sponsored]
    towel = search(SearchParams(q="towel")).sponsored[0].click_url
    ip = "198.51.100.200"
    for attempt in range(CLICKS_PER_IP_PER_HOUR):
        _click(client, walnut[attempt % 2], visitor=f"many-cookies-{attempt:08d}", ip=ip)
    assert SponsoredClick.objects.filter(campaign=campaign).count() == 2  # once per product for that address
    # The towel would be this address's first click on it, but the address is past its hourly limit.
    _click(client, towel, visitor="one-more-cookie-000001", ip=ip)
    assert SponsoredClick.objects.filter(campaign=campaign).count() == 2
    _click(client, towel, visitor="elsewhere-cookie-00001", ip="192.0.2.77")
    assert SponsoredClick.objects.filter(campaign=campaign).count() == 3
