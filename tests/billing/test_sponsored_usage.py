"""Sponsored placement's spend billed on the store's subscription: a metered item, one meter event per counted
click (never two), and the usage as its own line on the next invoice of the sandbox."""

from decimal import Decimal

import requests
from django.conf import settings
from django_tenants.utils import schema_context

from platform.directory.models import SponsoredCampaign, SponsoredClick
from platform.directory.sponsored import bill_click, bill_pending_clicks
from storefront.catalog.services import create_product
from storefront.sponsored.models import Campaign
from tests.billing.conftest import subscribe
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.directory.conftest import drain
from tests.stripe_sandbox import API_KEY
from tests.support import WAIT_TIMEOUT

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def _meter_events(sandbox, customer: str) -> list[dict]:
    response = requests.get(
        f"{sandbox.url}/v1/billing/meter_events", params={"customer": customer},
        headers={"Authorization": f"Bearer {API_KEY}"}, timeout=WAIT_TIMEOUT,
    )  # fmt: skip
    response.raise_for_status()
    return response.json()["data"]


def test_counted_clicks_are_billed_once_each_as_usage_on_the_next_invoice(
    store_a, owner_a, plans, deliverer, client_django, client, sandbox
):
    record = subscribe(store_a, plans["starter"], deliverer)
    with schema_context(store_a.schema_name):
        product = create_product(title="Walnut Serving Board", price="40.00")
    drain(store_a)
    sign_in_on(client_django, owner_a, store_a)
    created = client_django.post(
        "/dashboard/sponsored/",
        {"name": "Boards", "products": [product.pk], "daily_budget": "2.00", "cost_per_click": "0.40", "active": "on"},
        HTTP_HOST=host_of(store_a),
    )
    assert created.status_code == 302, created.content.decode()
    # The subscription now carries the metered sponsored item beside the plan.
    items = client.v1.subscriptions.retrieve(record.stripe_subscription_id)["items"].data
    assert [item.price.recurring.usage_type for item in items] == ["licensed", "metered"]
    assert SponsoredCampaign.objects.get(store_id=store_a.pk).currency == "USD"

    # The buyer's search (one impression), then the sponsored result's link.
    found = client_django.get("/search.json", {"q": "walnut"}, HTTP_HOST=settings.BASE_DOMAIN).json()
    url = found["sponsored"][0]["url"]
    for visitor, ip in (("first-buyer-cookie-01", "192.0.2.1"), ("first-buyer-cookie-01", "192.0.2.1"),
                        ("second-buyer-cookie-2", "192.0.2.2")):  # fmt: skip
        client_django.cookies["mercato_visitor"] = visitor
        client_django.get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=ip, HTTP_HOST=settings.BASE_DOMAIN)
    clicks = list(SponsoredClick.objects.order_by("pk"))
    assert len(clicks) == 2  # the repeated click counted once

    assert bill_pending_clicks() == 2
    assert bill_click(click_pk=clicks[0].pk) is True  # billed already: nothing sent again
    assert bill_pending_clicks() == 0
    events = _meter_events(sandbox, record.stripe_customer_id)
    assert sorted(event["payload"]["value"] for event in events) == ["40", "40"]  # cents

    # The trial ends: the first invoice bills the plan and the usage, 2 clicks at 0.40 = 80 cents.
    sandbox.advance(days=15)
    invoices = client.v1.invoices.list(params={"customer": record.stripe_customer_id}).data
    usage = [line for invoice in invoices for line in invoice.lines.data if line.description.startswith("Sponsored")]
    assert [(line.amount, line.quantity) for line in usage] == [(80, 80)]
    # A later invoice does not bill the same usage again.
    sandbox.advance(days=31)
    invoices = client.v1.invoices.list(params={"customer": record.stripe_customer_id}).data
    usage = [line for invoice in invoices for line in invoice.lines.data if line.description.startswith("Sponsored")]
    assert sorted(line.amount for line in usage) == [0, 80]

    # The dashboard shows the campaign's figures (signed in again: the test client keeps one cookie jar for every
    # host, and the platform site's session cookie replaced the store's).
    sign_in_on(client_django, owner_a, store_a)
    response = client_django.get("/dashboard/sponsored/", HTTP_HOST=host_of(store_a))
    page = response.content.decode()
    assert response.status_code == 200, page[:3000]
    row = page.split('class="campaign"')[1].split("</tr>")[0]
    assert '<td class="clicks">2</td>' in row and '<td class="spend">0.80 USD</td>' in row
    assert '<td class="impressions">1</td>' in row


def test_a_store_without_a_paid_plan_is_told_to_choose_one_and_nothing_is_written(
    store_b, plans, client_django, sandbox
):
    with schema_context(store_b.schema_name):
        product = create_product(title="Walnut Cutting Board", price="35.00")
    owner = make_user("owner@beta.test")
    add_member(store_b, owner, "owner")
    sign_in_on(client_django, owner, store_b)
    refused = client_django.post(
        "/dashboard/sponsored/",
        {"name": "Boards", "products": [product.pk], "daily_budget": "2.00", "cost_per_click": "0.40", "active": "on"},
        HTTP_HOST=host_of(store_b),
    )
    assert refused.status_code == 400
    assert "choose a paid plan on the Billing page first" in refused.content.decode()
    with schema_context(store_b.schema_name):
        assert not Campaign.objects.exists()
    assert not SponsoredCampaign.objects.exists()


def test_wrong_amounts_are_refused_with_clear_messages(store_a, owner_a, plans, deliverer, client_django, sandbox):
    subscribe(store_a, plans["starter"], deliverer)
    with schema_context(store_a.schema_name):
        product = create_product(title="Walnut Serving Board", price="40.00")
    sign_in_on(client_django, owner_a, store_a)
    refused = client_django.post(
        "/dashboard/sponsored/",
        {"name": "Boards", "products": [product.pk], "daily_budget": "0.30", "cost_per_click": "0.405"},
        HTTP_HOST=host_of(store_a),
    )
    assert refused.status_code == 400
    assert "Price per click" in refused.content.decode()
    with schema_context(store_a.schema_name):
        assert not Campaign.objects.exists()
    assert Decimal("0") == sum((c.daily_budget for c in SponsoredCampaign.objects.all()), Decimal("0"))
