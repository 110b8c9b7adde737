"""Reads of marketplace buyer accounts: order history, favourites, follows, and what the directory may rank by."""

from dataclasses import dataclass

from django.db.models import QuerySet

from platform.kit.hosts import site_url
from tenants.models import Store
from tenants.selectors import store_subdomain_host

from .directory_reads import ListedProduct, listing_reader
from .models import Buyer, BuyerAddress, BuyerOrder, BuyerStore, FavouriteProduct, FollowedStore

NEW_FROM_FOLLOWED = 12


def buyer_by_id(buyer_id: int | None) -> Buyer | None:
    return Buyer.objects.filter(pk=buyer_id).first() if buyer_id is not None else None


def followed_store_ids(buyer: Buyer | None) -> set[int]:
    """The ids of the stores ``buyer`` follows (none for no buyer): the directory's ranking may lift these."""
    if buyer is None:
        return set()
    return set(FollowedStore.objects.filter(buyer=buyer).values_list("store_id", flat=True))


def favourite_product_keys(buyer: Buyer | None) -> set[tuple[int, int]]:
    """(store id, product id) of every product ``buyer`` saved, for the ranking as for the pages."""
    if buyer is None:
        return set()
    return set(FavouriteProduct.objects.filter(buyer=buyer).values_list("store_id", "product_id"))


def orders_of(buyer: Buyer) -> QuerySet[BuyerOrder]:
    return BuyerOrder.objects.filter(buyer=buyer).select_related("store").order_by("-placed_at", "-id")


def addresses_of(buyer: Buyer) -> QuerySet[BuyerAddress]:
    return BuyerAddress.objects.filter(buyer=buyer)


def followed_stores_of(buyer: Buyer) -> list[Store]:
    follows = FollowedStore.objects.filter(buyer=buyer).select_related("store").order_by("store__name")
    return [follow.store for follow in follows]


def is_following(buyer: Buyer, store: Store) -> bool:
    return FollowedStore.objects.filter(buyer=buyer, store=store).exists()


@dataclass(frozen=True)
class Favourite:
    id: int
    store: Store
    product_id: int
    listing: ListedProduct | None  # None once the product left the directory

    @property
    def url(self) -> str:
        return product_url(self.listing) if self.listing else site_url(store_subdomain_host(self.store.slug), "/")


def product_url(listed: ListedProduct) -> str:
    """The product's page on its store's host."""
    return site_url(store_subdomain_host(listed.store_slug), f"/products/{listed.product_slug}/")


def favourites_of(buyer: Buyer) -> list[Favourite]:
    """The buyer's saved products with their directory listing, newest first; two queries whatever their number."""
    rows = list(FavouriteProduct.objects.filter(buyer=buyer).select_related("store"))
    listings = listing_reader().products([(row.store_id, row.product_id) for row in rows])
    return [
        Favourite(
            id=row.pk, store=row.store, product_id=row.product_id, listing=listings.get((row.store_id, row.product_id))
        )
        for row in rows
    ]


def new_from_followed(buyer: Buyer, *, limit: int = NEW_FROM_FOLLOWED) -> list[tuple[ListedProduct, str]]:
    """The newest products of the stores ``buyer`` follows with their page's address, from the directory's rows."""
    listed = listing_reader().newest_of_stores(sorted(followed_store_ids(buyer)), limit=limit)
    return [(item, product_url(item)) for item in listed]


def stores_signed_in_on(buyer: Buyer) -> list[Store]:
    """The stores that keep a customer record of this buyer (each signed in there with the account)."""
    links = BuyerStore.objects.filter(buyer=buyer).select_related("store").order_by("store__name")
    return [link.store for link in links]
