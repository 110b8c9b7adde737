"""Writes to the directory: listings from a store's drained outbox, and store cards from store changes.

Listings are written only by the directory feed's drain task (never inside a seller's request); store cards
follow the store's status in the same transaction that changes it, so a suspended store's products leave
the directory together, at once, and come back together on reactivation.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from platform.kit.cjk import without_cjk
from tenants.models import Store
from tenants.pods.routing import on_platform

from .models import DirectoryStore, Listing
from .ranking import group_key, store_score

TAG_SEPARATOR = "\x1f"
_WORD = re.compile(r"[^\W\d_]{3,64}")


@dataclass(frozen=True)
class ListingData:
    """What the directory keeps of one active product; built in the store's schema by the feed."""

    product_id: int
    product_slug: str
    title: str
    description: str
    tags: Sequence[str]
    price: Decimal
    image_url: str
    in_stock: bool
    created_at: datetime
    # Set while a promotion runs: ``price`` is then the promoted price and this the usual one.
    list_price: Decimal | None = None
    promotion_name: str = ""
    # 14 digits (catalog keeps it normalized) or "".
    gtin: str = ""


def _listed(status: str, opted_out: bool) -> bool:
    return status == Store.Status.ACTIVE and not opted_out


@on_platform
@transaction.atomic
def sync_store(*, store: Store) -> DirectoryStore:
    """Copy the store's name and status to its card and to all its listings (call it where they change)."""
    card = DirectoryStore.objects.select_for_update().filter(pk=store.pk).first()
    if card is None:
        card = DirectoryStore(store_id=store.pk)
    card.slug, card.name, card.status = store.slug, store.name, store.status
    card.listed = _listed(store.status, card.opted_out)
    card.save()
    _apply_card_to_listings(card)
    return card


@on_platform
@transaction.atomic
def set_directory_preferences(*, store: Store, opted_out: bool, hide_out_of_stock: bool) -> DirectoryStore:
    """The seller's choices: take the whole store out of the directory, or only its out-of-stock products."""
    card = sync_store(store=store)
    card.opted_out, card.hide_out_of_stock = opted_out, hide_out_of_stock
    card.listed = _listed(card.status, opted_out)
    card.save(update_fields=["opted_out", "hide_out_of_stock", "listed", "updated_at"])
    _apply_card_to_listings(card)
    return card


@on_platform
@transaction.atomic
def remove_store(*, store_id: int) -> None:
    """Forget a purged store: its card and every listing."""
    Listing.objects.filter(store_id=store_id).delete()
    DirectoryStore.objects.filter(pk=store_id).delete()


def _apply_card_to_listings(card: DirectoryStore) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE directory_listing
               SET visible = %(listed)s AND (in_stock OR NOT %(hide)s), store_name = %(name)s, store_slug = %(slug)s
             WHERE store_id = %(store)s
               AND (visible IS DISTINCT FROM (%(listed)s AND (in_stock OR NOT %(hide)s))
                    OR store_name <> %(name)s OR store_slug <> %(slug)s)
            """,
            {"listed": card.listed, "hide": card.hide_out_of_stock, "name": card.name, "slug": card.slug,
             "store": card.store_id},
        )  # fmt: skip
    _count_products(card.store_id)


def _count_products(store_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE directory_directorystore card
               SET product_count = (SELECT count(*) FROM directory_listing l
                                     WHERE l.store_id = card.store_id AND (l.in_stock OR NOT card.hide_out_of_stock))
             WHERE card.store_id = %s
            """,
            [store_id],
        )


@on_platform
@transaction.atomic
def write_listings(
    *,
    store: Store,
    listings: Sequence[ListingData],
    removed_product_ids: Iterable[int] = (),
    tagline: str | None = None,
    logo_url: str | None = None,
    currency: str | None = None,
    rating: tuple[Decimal | None] | None = None,
) -> None:
    """Upsert ``listings`` of ``store``, delete the listings of ``removed_product_ids``, refresh its card.

    The store's card row is locked first: a suspension committing meanwhile waits for this transaction, then
    hides what it wrote, and a drain after a suspension reads the new state; listings never outlive a hide.
    """
    card = DirectoryStore.objects.select_for_update().filter(pk=store.pk).first()
    if card is None:
        card = sync_store(store=store)
    updates: dict[str, Any] = {}
    for field, value in (("tagline", tagline), ("logo_url", logo_url), ("currency", currency)):
        if value is not None and getattr(card, field) != value:
            updates[field] = value
    # ``rating`` is a one-tuple so that "no reviews yet" (None inside) differs from "not given" (None).
    if rating is not None and card.rating != rating[0]:
        updates["rating"] = rating[0]
    if updates:
        DirectoryStore.objects.filter(pk=card.pk).update(**updates)
        card.currency = updates.get("currency", card.currency)
    removed = list(removed_product_ids)
    if removed:
        Listing.objects.filter(store_id=store.pk, product_id__in=removed).delete()
    if listings:
        _upsert(card, listings)
        _remember_words([card.name, *(item.title for item in listings), *(t for item in listings for t in item.tags)])
    if listings or removed:
        _count_products(card.store_id)


def _upsert(card: DirectoryStore, listings: Sequence[ListingData]) -> None:
    columns: dict[str, list[Any]] = {
        "product_id": [item.product_id for item in listings],
        "product_slug": [item.product_slug for item in listings],
        "title": [item.title for item in listings],
        "description": [item.description[: Listing.DESCRIPTION_CHARS] for item in listings],
        "tags": [TAG_SEPARATOR.join(tag.lower() for tag in item.tags) for item in listings],
        "price": [item.price for item in listings],
        "list_price": [item.list_price for item in listings],
        "promotion_name": [item.promotion_name[:300] for item in listings],
        "image_url": [item.image_url for item in listings],
        "in_stock": [item.in_stock for item in listings],
        "created_at": [item.created_at for item in listings],
        "gtin": [item.gtin for item in listings],
        "group_key": [group_key(gtin=item.gtin, title=item.title, currency=card.currency) for item in listings],
    }
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO directory_listing
                   (store_id, product_id, store_slug, store_name, product_slug, title, description, tags, tags_text,
                    price, list_price, promotion_name, currency, image_url, in_stock, visible, created_at,
                    updated_at, gtin, group_key, store_score)
            SELECT %(store)s, v.product_id, %(slug)s, %(name)s, v.product_slug, v.title, v.description,
                   CASE WHEN v.tags = '' THEN '{}'::varchar[] ELSE string_to_array(v.tags, %(sep)s)::varchar[] END,
                   replace(v.tags, %(sep)s, ' '), v.price, v.list_price, v.promotion_name, %(currency)s, v.image_url,
                   v.in_stock, %(listed)s AND (v.in_stock OR NOT %(hide)s), v.created_at, now(), v.gtin, v.group_key,
                   %(store_score)s
              FROM unnest(%(product_id)s::bigint[], %(product_slug)s::text[], %(title)s::text[],
                          %(description)s::text[], %(tags)s::text[], %(price)s::numeric[], %(list_price)s::numeric[],
                          %(promotion_name)s::text[], %(image_url)s::text[], %(in_stock)s::boolean[],
                          %(created_at)s::timestamptz[], %(gtin)s::text[], %(group_key)s::text[])
                   AS v(product_id, product_slug, title, description, tags, price, list_price, promotion_name,
                        image_url, in_stock, created_at, gtin, group_key)
            ON CONFLICT (store_id, product_id) DO UPDATE SET
                   store_slug = EXCLUDED.store_slug, store_name = EXCLUDED.store_name,
                   product_slug = EXCLUDED.product_slug, title = EXCLUDED.title,
                   description = EXCLUDED.description, tags = EXCLUDED.tags, tags_text = EXCLUDED.tags_text,
                   price = EXCLUDED.price, list_price = EXCLUDED.list_price,
                   promotion_name = EXCLUDED.promotion_name, currency = EXCLUDED.currency, image_url = EXCLUDED.image_url,
                   in_stock = EXCLUDED.in_stock, visible = EXCLUDED.visible, created_at = EXCLUDED.created_at,
                   updated_at = EXCLUDED.updated_at, gtin = EXCLUDED.gtin, group_key = EXCLUDED.group_key,
                   store_score = EXCLUDED.store_score
            """,
            {"store": card.store_id, "slug": card.slug, "name": card.name, "currency": card.currency,
             "store_score": card.store_score,
             "listed": card.listed, "hide": card.hide_out_of_stock, "sep": TAG_SEPARATOR, **columns},
        )  # fmt: skip


def _remember_words(texts: Iterable[str]) -> None:
    # CJK runs stay out: a whole title written without spaces is no word, and a query "corrected" to it would
    # swap a correct CJK query for some product's title (the index finds CJK by its characters instead).
    words = sorted({word.lower() for text in texts for word in _WORD.findall(without_cjk(text))})
    if not words:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO directory_searchterm (word) SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING", [words]
        )


@on_platform
@transaction.atomic
def write_shipping_from(*, store: Store, shipping_from: Decimal | None) -> None:
    """Copy the store's lowest shipping price (computed in its own schema) to its card; written by its feed."""
    card = DirectoryStore.objects.select_for_update().filter(pk=store.pk).first()
    if card is None:
        card = sync_store(store=store)
    if card.shipping_from != shipping_from:
        DirectoryStore.objects.filter(pk=card.pk).update(shipping_from=shipping_from)


@on_platform
@transaction.atomic
def write_reputation(
    *,
    store: Store,
    rating: Decimal | None,
    review_count: int,
    on_time_percent: Decimal | None,
    median_response_minutes: int | None,
    cancellation_percent: Decimal | None,
    recent_orders: int = 0,
) -> None:
    """Copy the reputation and recent sales the store computed in its own schema to its card, and its ranking score
    to its listings; called by the store's refresh task."""
    card = DirectoryStore.objects.select_for_update().filter(pk=store.pk).first()
    if card is None:
        card = sync_store(store=store)
    score = store_score(
        rating=rating,
        review_count=review_count,
        on_time_percent=on_time_percent,
        cancellation_percent=cancellation_percent,
        recent_orders=recent_orders,
    )
    DirectoryStore.objects.filter(pk=card.pk).update(
        rating=rating,
        review_count=review_count,
        on_time_percent=on_time_percent,
        median_response_minutes=median_response_minutes,
        cancellation_percent=cancellation_percent,
        recent_orders=recent_orders,
        store_score=score,
        reputation_at=timezone.now(),
    )
    if score != card.store_score:
        Listing.objects.filter(store_id=card.store_id).exclude(store_score=score).update(store_score=score)
