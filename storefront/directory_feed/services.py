"""Feeding the directory from one store: record changes in the outbox, drain it into the public listings.

``record_product_changes`` hears catalog.changes (products edited, or repriced by a promotion) inside the change's
own transaction, so the outbox
row commits or rolls back with the change; a drain task is then sent once that commits. If the broker or the
worker is down the row simply waits: the beat's dispatcher sends a drain to every store every 30 seconds.
"""

import html
import logging
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.html import strip_tags

from platform.directory.services import ListingData, write_listings, write_shipping_from
from platform.kit.queueing import nudge_store
from storefront.catalog.models import Product, ProductImage, ProductVariant
from storefront.checkout.selectors import lowest_shipping_price
from storefront.promotions.selectors import promoted_prices
from tenants.connection import connection
from tenants.models import Store

from .models import ProductChange

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def record_product_change(product_id: int) -> None:
    """Note that a product changed (created, edited, deleted, restocked...); its listing follows shortly."""
    record_product_changes([product_id])


def record_product_changes(product_ids: Iterable[int]) -> None:
    """Note that several products changed at once; one drain follows the commit."""
    ProductChange.objects.bulk_create(ProductChange(product_id=product_id) for product_id in product_ids)
    schema_name = connection.schema_name
    transaction.on_commit(lambda: send_drain(schema_name), robust=True)


DRAIN_TASK = "directory_feed.drain_outbox"


def send_drain(schema_name: str) -> None:
    """Ask a worker to drain ``schema_name``'s outbox now; when the broker is unreachable the beat will."""
    nudge_store(DRAIN_TASK, schema_name=schema_name, what="a directory drain")


def drain_outbox(*, batch_size: int = BATCH_SIZE) -> int:
    """Apply the current store's pending changes to the directory, in batches; returns how many were applied."""
    store = current_store()
    if store is None:
        return 0
    applied = 0
    while True:
        with transaction.atomic():
            _lock_store_feed()
            changes = list(ProductChange.objects.order_by("id").values_list("id", "product_id")[:batch_size])
            if not changes:
                break
            sync_products(store=store, product_ids={product_id for _, product_id in changes})
            ProductChange.objects.filter(id__in=[change_id for change_id, _ in changes]).delete()
        applied += len(changes)
    if applied:
        logger.info("directory: applied %d changes of %s", applied, store.slug)
    return applied


def current_store() -> Store | None:
    return Store.objects.filter(schema_name=connection.schema_name).first()


def _lock_store_feed() -> None:
    # One writer per store at a time: two drains reading a product at different moments must not write
    # its listing out of order. Held until the transaction ends.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('directory-feed:' || %s))", [connection.schema_name])


def sync_products(*, store: Store, product_ids: Iterable[int]) -> None:
    """Write the current state of ``product_ids`` to the directory: active ones listed, the others removed."""
    from storefront.reviews.selectors import store_rating
    from storefront.themes.models import StoreProfile

    ids = set(product_ids)
    # Read directly, not through the themes cache: a long-lived worker must see the profile as it is now.
    profile = StoreProfile.objects.filter(pk=1).first() or StoreProfile()
    listings = product_listings(ids, currency=profile.currency)
    write_listings(
        store=store,
        listings=listings,
        removed_product_ids=ids - {item.product_id for item in listings},
        tagline=profile.tagline,
        logo_url=_file_url(profile.logo),
        currency=profile.currency,
        rating=(store_rating().average,),
    )
    write_shipping_from(store=store, shipping_from=lowest_shipping_price())


def sync_shipping_from() -> None:
    """Copy the current store's lowest shipping price to its directory card (checkout's shipping listener, in the
    change's transaction: a rolled-back change leaves the card as it was)."""
    store = current_store()
    if store is not None:
        write_shipping_from(store=store, shipping_from=lowest_shipping_price())


def product_listings(product_ids: Iterable[int], *, currency: str) -> list[ListingData]:
    """The listings of the active products among ``product_ids``, read in three queries and those of the running
    promotions (their price is the promoted one while a promotion runs, as on the store's own listings)."""
    available = ProductVariant.objects.filter(product=OuterRef("pk")).filter(
        Q(track_inventory=False) | Q(stock__gt=0) | Q(continue_selling_when_out_of_stock=True)
    )
    products = list(
        Product.objects.filter(pk__in=list(product_ids), status=Product.Status.ACTIVE)
        .annotate(in_stock=Exists(available))
        .only("id", "slug", "title", "description", "price", "created_at", "gtin")
    )
    if not products:
        return []
    ids = [product.pk for product in products]
    tags: dict[int, list[str]] = {}
    for product_id, name in Product.tags.through.objects.filter(product_id__in=ids).values_list(
        "product_id", "tag__name"
    ):
        tags.setdefault(product_id, []).append(name)
    covers: dict[int, ProductImage] = {}
    for image in ProductImage.objects.filter(product_id__in=ids).order_by("product_id", "position", "id"):
        covers.setdefault(image.product_id, image)
    # Read at this moment, not from the pages' cache: a worker's drain must see a promotion that just started.
    promoted = promoted_prices(
        ((product.pk, product.price) for product in products), now=timezone.now(), currency=currency
    )
    return [
        ListingData(
            product_id=product.pk,
            product_slug=product.slug,
            title=product.title,
            description=" ".join(html.unescape(strip_tags(product.description)).split()),
            tags=sorted(tags.get(product.pk, [])),
            price=promoted[product.pk].unit_price,
            image_url=_cover_url(covers.get(product.pk)),
            in_stock=product.in_stock,
            created_at=product.created_at,
            list_price=promoted[product.pk].list_price if promoted[product.pk].applied else None,
            promotion_name=promoted[product.pk].label,
            gtin=product.gtin,
        )
        for product in products
    ]


def _cover_url(image: ProductImage | None) -> str:
    if image is None:
        return ""
    return _file_url(image.thumbnail) or _file_url(image.image)


def _file_url(file: FieldFile) -> str:
    # Media URLs are relative to the store's host (/media/<schema>/...); the directory makes them absolute.
    return file.url if file else ""


def resync_store(*, batch_size: int = BATCH_SIZE, progress: Callable[[int], object] | None = None) -> int:
    """Rewrite every listing of the current store from its schema, in batches; the site keeps serving.

    Listings whose product is gone are removed at the end. Returns the number of products read.
    """
    from platform.directory.models import Listing

    store = current_store()
    if store is None:
        return 0
    from platform.directory.services import sync_store

    sync_store(store=store)
    ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        with transaction.atomic():
            _lock_store_feed()
            sync_products(store=store, product_ids=batch)
        if progress is not None:
            progress(len(batch))
    with transaction.atomic():
        _lock_store_feed()
        existing = set(Product.objects.values_list("pk", flat=True))
        gone = set(Listing.objects.filter(store_id=store.pk).values_list("product_id", flat=True)) - existing
        write_listings(store=store, listings=[], removed_product_ids=gone)
    return len(ids)
