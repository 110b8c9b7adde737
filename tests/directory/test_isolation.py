"""Nothing from an unpublished product, a closed store or another store's draft ever reaches the directory."""

from django.conf import settings
from django_tenants.utils import schema_context

from platform.directory.models import Listing
from storefront.catalog.models import Product
from storefront.catalog.services import create_product
from tenants.models import Store
from tenants.services import suspend_store
from tests.conftest import add_member, make_user
from tests.directory.conftest import drain

PLATFORM = {"HTTP_HOST": settings.BASE_DOMAIN}


def test_another_stores_draft_with_the_same_title_and_id_never_appears(client, store_a, store_b):
    with schema_context(store_a.schema_name):
        public = create_product(title="Quillborne Notebook", price="12.00", slug="quillborne")
    with schema_context(store_b.schema_name):
        draft = create_product(
            title="Quillborne Notebook", price="99.00", slug="quillborne", status=Product.Status.DRAFT,
            description="secret launch notes",
        )  # fmt: skip
    drain(store_a)
    drain(store_b)
    body = client.get("/search.json", {"q": "quillborne"}, **PLATFORM).json()
    assert [(r["store"]["slug"], r["product_id"], r["price"]) for r in body["results"]] == [
        ("alpha", public.pk, "12.00")
    ]
    assert client.get("/search.json", {"q": "secret launch notes"}, **PLATFORM).json()["total"] == 0
    assert not Listing.objects.filter(store_id=store_b.pk, product_id=draft.pk).exists()


def test_a_closed_stores_products_are_not_searchable_or_browsable(client, store_a):
    owner = make_user("closer@alpha.test")
    add_member(store_a, owner, "owner")
    with schema_context(store_a.schema_name):
        create_product(title="Larkspur Vase", price="33.00")
    drain(store_a)
    from tenants.services import close_store

    close_store(store=store_a, actor=owner, confirmation=store_a.name)
    assert client.get("/search.json", {"q": "larkspur"}, **PLATFORM).json()["total"] == 0
    assert client.get("/search.json", {"store": "alpha"}, **PLATFORM).json()["total"] == 0
    assert client.get("/search.json", {"q": "larkspur", "store": "alpha"}, **PLATFORM).json()["results"] == []
    # The rows are kept, hidden, so a restore brings the store back without a rebuild.
    assert Listing.objects.filter(store_id=store_a.pk, visible=True).count() == 0
    assert Store.objects.get(pk=store_a.pk).status == Store.Status.CLOSED


def test_a_listing_carries_only_what_the_storefront_shows(client, store_a):
    with schema_context(store_a.schema_name):
        create_product(
            title="Saltmarsh Soap", price="6.00", sku="SECRET-SKU-1", seo_title="internal seo", stock=7,
            track_inventory=True,
        )  # fmt: skip
    drain(store_a)
    body = client.get("/search.json", {"q": "saltmarsh"}, **PLATFORM).json()
    text = str(body)
    assert body["total"] == 1
    assert "SECRET-SKU-1" not in text and "internal seo" not in text and "'stock'" not in text


def test_a_suspended_store_is_hidden_even_from_a_drain_that_runs_after(store_a):
    with schema_context(store_a.schema_name):
        create_product(title="Nettlebrook Twine", price="4.00")
    suspend_store(store=store_a)
    drain(store_a)  # the change was queued before the suspension and applied after it
    assert Listing.objects.get(store_id=store_a.pk, title="Nettlebrook Twine").visible is False
