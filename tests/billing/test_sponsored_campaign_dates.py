"""A seller schedules a sponsored campaign on the dashboard in the store's time zone; an end before the start is
refused with a clear message and nothing is written."""

from datetime import UTC, datetime

from django_tenants.utils import schema_context

from platform.directory.models import SponsoredCampaign
from storefront.catalog.services import create_product
from storefront.sponsored.models import Campaign
from storefront.themes.models import StoreProfile
from storefront.themes.services import update_profile
from tests.billing.conftest import subscribe
from tests.conftest import host_of, sign_in_on
from tests.directory.conftest import drain


def test_a_campaign_is_scheduled_in_the_stores_time_zone(store_a, owner_a, plans, deliverer, client_django, sandbox):
    subscribe(store_a, plans["starter"], deliverer)
    with schema_context(store_a.schema_name):
        update_profile(profile=StoreProfile.objects.get(), timezone="Asia/Tokyo")
        product = create_product(title="Walnut Serving Board", price="40.00")
    drain(store_a)
    sign_in_on(client_django, owner_a, store_a)
    host = {"HTTP_HOST": host_of(store_a)}
    fields = {"name": "New year boards", "products": [product.pk], "daily_budget": "2.00", "cost_per_click": "0.40",
              "active": "on", "starts_at": "2027-01-01T00:00", "ends_at": "2027-01-08T00:00"}  # fmt: skip

    refused = client_django.post("/dashboard/sponsored/", {**fields, "ends_at": "2026-12-31T23:00"}, **host)
    assert refused.status_code == 400 and "The end must be after the start." in refused.content.decode()
    with schema_context(store_a.schema_name):
        assert not Campaign.objects.exists()
    assert not SponsoredCampaign.objects.exists()

    assert client_django.post("/dashboard/sponsored/", fields, **host).status_code == 302
    # Midnight in Tokyo (UTC+9) is 15:00 UTC the day before, in the store and in the directory's copy.
    window = (datetime(2026, 12, 31, 15, 0, tzinfo=UTC), datetime(2027, 1, 7, 15, 0, tzinfo=UTC))
    with schema_context(store_a.schema_name):
        campaign = Campaign.objects.get()
        assert (campaign.starts_at, campaign.ends_at) == window
    copy = SponsoredCampaign.objects.get(store_id=store_a.pk)
    assert (copy.starts_at, copy.ends_at) == window
    page = client_django.get("/dashboard/sponsored/", **host).content.decode()
    row = page.split('class="campaign"')[1].split("</tr>")[0]
    assert 'data-state="scheduled">Scheduled' in row and "2027-01-01 00:00 to 2027-01-08 00:00" in row
    # The edit form shows the dates as the seller typed them, in the store's time.
    edit = client_django.get(f"/dashboard/sponsored/{campaign.pk}/", **host).content.decode()
    assert 'value="2027-01-01T00:00"' in edit and 'value="2027-01-08T00:00"' in edit
