"""Only listable things appear: active products of listed, active stores; everything else leaves at once."""

from django.conf import settings
from django.core.management import call_command
from django_tenants.utils import schema_context

from platform.directory.models import DirectoryStore, Listing
from platform.directory.selectors import SearchParams, directory_stores, search
from platform.directory.services import set_directory_preferences
from storefront.catalog.models import InventoryAdjustment, Product
from storefront.catalog.services import adjust_stock, create_product, delete_product, update_product
from tenants.services import restore_store, suspend_store
from tests.directory.conftest import drain

PLATFORM = {"HTTP_HOST": settings.BASE_DOMAIN}


def _found(query: str) -> list[str]:
    return [hit.title for hit in search(SearchParams(q=query)).hits]


def test_a_draft_product_never_appears_and_an_unpublished_one_leaves(store_a):
    with schema_context(store_a.schema_name):
        create_product(title="Mossgrove Draft Lamp", price="10.00", status=Product.Status.DRAFT)
        published = create_product(title="Mossgrove Desk Lamp", price="10.00")
    drain(store_a)
    assert _found("mossgrove") == ["Mossgrove Desk Lamp"]
    with schema_context(store_a.schema_name):
        update_product(product=published, status=Product.Status.DRAFT)
    drain(store_a)
    assert _found("mossgrove") == []
    assert not Listing.objects.filter(store_id=store_a.pk, product_id=published.pk).exists()


def test_a_deleted_product_leaves_the_directory(store_a):
    with schema_context(store_a.schema_name):
        product = create_product(title="Thistledown Pillow", price="25.00")
    drain(store_a)
    assert _found("thistledown") == ["Thistledown Pillow"]
    with schema_context(store_a.schema_name):
        delete_product(product=Product.objects.get(pk=product.pk))
    drain(store_a)
    assert _found("thistledown") == []


def test_out_of_stock_products_are_shown_unless_the_seller_hides_them(store_a):
    with schema_context(store_a.schema_name):
        product = create_product(title="Ravensoft Scarf", price="30.00", stock=1, track_inventory=True)
    drain(store_a)
    with schema_context(store_a.schema_name):
        adjust_stock(variant=product.variants.get(), delta=-1, reason=InventoryAdjustment.Reason.SOLD)
    drain(store_a)
    hits = search(SearchParams(q="ravensoft")).hits
    assert [(hit.title, hit.in_stock) for hit in hits] == [("Ravensoft Scarf", False)]

    set_directory_preferences(store=store_a, opted_out=False, hide_out_of_stock=True)
    assert _found("ravensoft") == []
    with schema_context(store_a.schema_name):
        adjust_stock(variant=product.variants.get(), delta=5, reason=InventoryAdjustment.Reason.RECEIVED)
    drain(store_a)
    assert _found("ravensoft") == ["Ravensoft Scarf"]


def test_a_suspended_stores_products_leave_together_and_come_back_on_reactivation(store_a, store_b):
    with schema_context(store_a.schema_name):
        create_product(title="Cindervale Kettle", price="50.00")
        create_product(title="Cindervale Teapot", price="40.00")
    with schema_context(store_b.schema_name):
        create_product(title="Cindervale Cookbook", price="20.00")
    drain(store_a)
    drain(store_b)
    assert search(SearchParams(q="cindervale")).total == 3

    suspend_store(store=store_a)  # no drain needed: the store's card and listings change with its status
    assert _found("cindervale") == ["Cindervale Cookbook"]
    assert "alpha" not in [card.slug for card in directory_stores().object_list]
    # Changes made while suspended are kept up to date, still hidden.
    with schema_context(store_a.schema_name):
        create_product(title="Cindervale Trivet", price="15.00")
    drain(store_a)
    assert _found("cindervale") == ["Cindervale Cookbook"]

    restore_store(store=store_a)
    assert sorted(_found("cindervale")) == [
        "Cindervale Cookbook", "Cindervale Kettle", "Cindervale Teapot", "Cindervale Trivet",
    ]  # fmt: skip


def test_a_store_that_opts_out_leaves_the_directory_and_its_store_list(client, store_a):
    with schema_context(store_a.schema_name):
        create_product(title="Wrenfield Basket", price="35.00")
    drain(store_a)
    set_directory_preferences(store=store_a, opted_out=True, hide_out_of_stock=False)
    assert _found("wrenfield") == []
    assert search(SearchParams(store="alpha")).total == 0
    page = client.get("/directory/stores/", **PLATFORM).content.decode()
    assert 'data-store="alpha"' not in page
    set_directory_preferences(store=store_a, opted_out=False, hide_out_of_stock=False)
    assert _found("wrenfield") == ["Wrenfield Basket"]


def test_the_store_directory_shows_each_listed_store_with_its_product_count(client, store_a, store_b):
    with schema_context(store_a.schema_name):
        create_product(title="Count One", price="1.00")
        create_product(title="Count Two", price="1.00", status=Product.Status.DRAFT)
    drain(store_a)
    with schema_context(store_a.schema_name):
        active = Product.objects.filter(status=Product.Status.ACTIVE).count()
    assert DirectoryStore.objects.get(pk=store_a.pk).product_count == active
    response = client.get("/directory/stores/", {"q": "alpha outfiters"}, **PLATFORM)
    page = response.content.decode()
    assert 'data-store="alpha"' in page and 'data-store="beta"' not in page
    assert f"{active} products" in page


def test_rebuild_directory_restores_a_stores_listings_from_its_schema(store_a):
    with schema_context(store_a.schema_name):
        create_product(title="Emberline Skillet", price="70.00")
        create_product(title="Emberline Draft", price="70.00", status=Product.Status.DRAFT)
    drain(store_a)
    Listing.objects.filter(store_id=store_a.pk).delete()
    Listing.objects.create(
        store_id=store_a.pk, product_id=999_999, store_slug="alpha", store_name="Alpha Outfitters",
        product_slug="ghost", title="Emberline Ghost", price=1, visible=True, created_at="2026-01-01T00:00Z",
    )  # fmt: skip
    assert _found("emberline") == ["Emberline Ghost"]
    call_command("rebuild_directory", "--store", "alpha", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _found("emberline") == ["Emberline Skillet"]
