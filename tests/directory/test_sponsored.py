"""Sponsored placement in the directory: labelled, capped, relevant, never from a hidden store, within budget; the
click redirect counts once per buyer and day; store B can't see or change store A's campaigns."""

from decimal import Decimal
from urllib.parse import unquote

from django.conf import settings
from django_tenants.utils import schema_context

from platform.directory.models import SponsoredCampaign, SponsoredClick, SponsoredDay
from platform.directory.selectors import SearchParams, search
from platform.directory.sponsored import publish_campaign, read_order_reference
from storefront.catalog.services import create_product
from storefront.sponsored.models import Campaign
from tenants.services import suspend_store
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.directory.conftest import drain

PLATFORM = {"HTTP_HOST": settings.BASE_DOMAIN}
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def _corpus(store_a, store_b, *, budget="1.00", cpc="0.40") -> SponsoredCampaign:
    """A promotes three walnut products and a towel; B sells a walnut board and promotes nothing."""
    with schema_context(store_a.schema_name):
        products = [
            create_product(title="Walnut Serving Board", price="40.00"),
            create_product(title="Walnut Salad Bowl", price="30.00"),
            create_product(title="Walnut Butter Knife", price="12.00"),
            create_product(title="Linen Tea Towel", price="9.00"),
        ]
        campaign = Campaign.objects.create(name="Spring walnut", daily_budget=budget, cost_per_click=cpc,
                                           currency="USD")  # fmt: skip
        campaign.products.set(products)
    with schema_context(store_b.schema_name):
        create_product(title="Walnut Cutting Board", price="35.00")
        create_product(title="Ceramic Mug", price="15.00")
    drain(store_a)
    drain(store_b)
    return publish_campaign(
        store=store_a, campaign_id=campaign.pk, name=campaign.name, product_ids=[p.pk for p in products],
        daily_budget=Decimal(budget), cost_per_click=Decimal(cpc), currency="USD", active=True,
    )  # fmt: skip


def _click(client, url, *, visitor=None, ip="203.0.113.7", agent=BROWSER):
    if visitor is not None:
        client.cookies["mercato_visitor"] = visitor
    return client.get(url, HTTP_USER_AGENT=agent, REMOTE_ADDR=ip, **PLATFORM)


def test_sponsored_results_are_labelled_capped_at_two_and_only_for_matching_queries(client, store_a, store_b):
    _corpus(store_a, store_b)
    result = search(SearchParams(q="walnut"))
    assert len(result.sponsored) == 2  # three of A's promoted products match: capped at two
    assert all("Walnut" in item.hit.title and item.hit.store_slug == "alpha" for item in result.sponsored)
    # The towel is promoted too, but doesn't match "walnut"; it appears only for a query it matches.
    assert [item.hit.title for item in search(SearchParams(q="towel")).sponsored] == ["Linen Tea Towel"]
    # Unrelated searches (B's mug, B's board alone) show nothing sponsored.
    assert search(SearchParams(q="mug")).sponsored == []
    assert search(SearchParams(q="cutting")).sponsored == []
    # Filters apply too: within store B's results, none of A's.
    assert search(SearchParams(q="walnut", store="beta")).sponsored == []

    page = client.get("/search", {"q": "walnut"}, **PLATFORM).content.decode()
    sponsored = page.split('id="sponsored"')[1].split("</ul>")[0]
    assert sponsored.count('<p class="label">Sponsored</p>') == 2
    assert sponsored.count('href="/sponsored/click/') == 4  # picture and title of each
    data = client.get("/search.json", {"q": "walnut"}, **PLATFORM).json()
    assert [(item["label"], item["url"].startswith("/sponsored/click/")) for item in data["sponsored"]] == [
        ("Sponsored", True), ("Sponsored", True)
    ]  # fmt: skip
    assert client.get("/search.json", {"q": "mug"}, **PLATFORM).json()["sponsored"] == []


def test_showing_counts_impressions_of_the_campaign(client, store_a, store_b):
    campaign = _corpus(store_a, store_b)
    client.get("/search", {"q": "walnut"}, **PLATFORM)
    client.get("/search.json", {"q": "towel"}, **PLATFORM)
    client.get("/search.json", {"q": "mug"}, **PLATFORM)
    # Two pages showed the campaign's products (two, then one): one impression per sponsored result shown.
    assert SponsoredDay.objects.get(campaign=campaign).impressions == 3


def test_a_suspended_store_has_no_sponsored_results_and_its_clicks_count_nothing(client, store_a, store_b):
    campaign = _corpus(store_a, store_b)
    url = search(SearchParams(q="walnut")).sponsored[0].click_url
    suspend_store(store=store_a, reason="unpaid")
    assert search(SearchParams(q="walnut")).sponsored == []
    assert search(SearchParams(q="towel")).sponsored == []
    assert _click(client, url, visitor="v" * 20).status_code == 404
    assert not SponsoredClick.objects.filter(campaign=campaign).exists()


def test_a_click_redirects_to_the_product_and_counts_once_per_buyer_and_day(client, store_a, store_b):
    campaign = _corpus(store_a, store_b, budget="5.00")
    item = search(SearchParams(q="walnut")).sponsored[0]
    response = _click(client, item.click_url, visitor="buyer-one-cookie-0001")
    assert response.status_code == 302 and response["Location"].startswith(f"{item.hit.url}?sp=")
    # The address carries the order reference: store A's own campaign id, signed for store A only.
    reference = response["Location"].split("?sp=", 1)[1]
    assert read_order_reference(unquote(reference), store_id=store_a.pk) == campaign.campaign_id
    assert read_order_reference(unquote(reference), store_id=store_b.pk) is None
    _click(client, item.click_url, visitor="buyer-one-cookie-0001")  # the same buyer again
    _click(client, item.click_url, visitor="a-fresh-cookie-000002")  # a cleared cookie, same IP address
    _click(client, item.click_url, visitor="a-bot-cookie-00000003", ip="198.51.100.9", agent="Googlebot/2.1")
    _click(client, item.click_url, visitor="a-curl-cookie-0000004", ip="198.51.100.10", agent="curl/8.5")
    _click(client, item.click_url, visitor="buyer-two-cookie-0005", ip="198.51.100.11")  # another buyer
    assert SponsoredClick.objects.filter(campaign=campaign).count() == 2
    campaign.refresh_from_db()
    assert campaign.spent_today == Decimal("0.80")
    day = SponsoredDay.objects.get(campaign=campaign)
    assert (day.clicks, day.spend) == (2, Decimal("0.80"))


def test_the_store_s_own_staff_signed_in_on_the_platform_never_count(client, store_a, store_b):
    campaign = _corpus(store_a, store_b)
    seller = make_user("seller@alpha.test")
    add_member(store_a, seller, "owner")
    client.force_login(seller)
    _click(client, search(SearchParams(q="walnut")).sponsored[0].click_url, visitor="seller-cookie-0000001")
    assert not SponsoredClick.objects.filter(campaign=campaign).exists()


def test_a_forged_link_is_refused_with_a_clear_message(client, store_a, store_b):
    _corpus(store_a, store_b)
    response = _click(client, "/sponsored/click/not-a-real-token/", visitor="someone-cookie-000001")
    assert response.status_code == 400 and b"not valid" in response.content
    assert not SponsoredClick.objects.exists()


def test_an_exhausted_daily_budget_stops_the_clicks_counting_and_the_results_showing(client, store_a, store_b):
    campaign = _corpus(store_a, store_b, budget="1.00", cpc="0.40")
    url = search(SearchParams(q="walnut")).sponsored[0].click_url
    for n in range(3):
        _click(client, url, visitor=f"buyer-cookie-{n:010d}", ip=f"192.0.2.{n + 1}")
    # 0.40 + 0.40 fit in 1.00; the third would go over it and is not counted.
    assert SponsoredClick.objects.filter(campaign=campaign).count() == 2
    campaign.refresh_from_db()
    assert campaign.spent_today == Decimal("0.80")
    # 0.20 left can't pay a click: the campaign shows nowhere for the rest of the day.
    assert search(SearchParams(q="walnut")).sponsored == []
    assert search(SearchParams(q="towel")).sponsored == []


def test_store_b_can_neither_see_nor_change_store_a_s_campaign(client, store_a, store_b):
    _corpus(store_a, store_b)
    with schema_context(store_a.schema_name):
        campaign = Campaign.objects.get()
    other = make_user("seller@beta.test")
    add_member(store_b, other, "owner")
    sign_in_on(client, other, store_b)
    host = {"HTTP_HOST": host_of(store_b)}
    listing = client.get("/dashboard/sponsored/", **host)
    assert listing.status_code == 200 and "Spring walnut" not in listing.content.decode()
    assert client.get(f"/dashboard/sponsored/{campaign.pk}/", **host).status_code == 404
    changed = client.post(
        f"/dashboard/sponsored/{campaign.pk}/",
        {"name": "Hijacked", "daily_budget": "100.00", "cost_per_click": "0.01", "active": ""},
        **host,
    )
    assert changed.status_code == 404
    with schema_context(store_a.schema_name):
        assert Campaign.objects.get().name == "Spring walnut"
    assert SponsoredCampaign.objects.get(store_id=store_a.pk).name == "Spring walnut"
    assert not SponsoredCampaign.objects.filter(store_id=store_b.pk).exists()

    owner = make_user("seller@alpha.test")
    add_member(store_a, owner, "owner")
    sign_in_on(client, owner, store_a)
    own = client.get("/dashboard/sponsored/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Spring walnut" in own


def test_figures_never_cross_stores_even_with_the_same_campaign_id(client, store_a, store_b):
    a_campaign = _corpus(store_a, store_b, budget="5.00")
    with schema_context(store_b.schema_name):
        mug = create_product(title="Ceramic Mug Deluxe", price="18.00")
        b_local = Campaign.objects.create(pk=a_campaign.campaign_id, name="Mugs", daily_budget="5.00",
                                          cost_per_click="0.50", currency="USD")  # fmt: skip
        b_local.products.set([mug])
    drain(store_b)
    b_campaign = publish_campaign(
        store=store_b, campaign_id=b_local.pk, name="Mugs", product_ids=[mug.pk], daily_budget=Decimal("5.00"),
        cost_per_click=Decimal("0.50"), currency="USD", active=True,
    )  # fmt: skip
    assert a_campaign.campaign_id == b_campaign.campaign_id  # the same id in each store's own schema
    _click(client, search(SearchParams(q="walnut")).sponsored[0].click_url, visitor="buyer-cookie-000000001")
    assert SponsoredDay.objects.get(campaign=a_campaign).clicks == 1
    assert not SponsoredDay.objects.filter(campaign=b_campaign, clicks__gt=0).exists()
    other = make_user("seller@beta.test")
    add_member(store_b, other, "owner")
    sign_in_on(client, other, store_b)
    page = client.get("/dashboard/sponsored/", HTTP_HOST=host_of(store_b)).content.decode()
    row = page.split('class="campaign"')[1].split("</tr>")[0]
    assert "Mugs" in row and '<td class="clicks">0</td>' in row and '<td class="spend">0 USD</td>' in row
