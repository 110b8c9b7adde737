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


def preferred_store_ids(buyer: Buyer | None) -> set[int]:
    """The stores the directory lifts for ``buyer``: those they follow and those they saved a product from (a saved
    product says as much about its store as a follow does). None for no buyer."""
    if buyer is None:
        return set()
    return followed_store_ids(buyer) | set(
        FavouriteProduct.objects.filter(buyer=buyer).values_list("store_id", flat=True).distinct()
    )


def favourite_product_keys(buyer: Buyer | None) -> set[tuple[int, int]]:
    """(store id, product id) of every product ``buyer`` saved, for the ranking as for the pages."""
    if buyer is None:
        return set()
    return set(FavouriteProduct.objects.filter(buyer=buyer).values_list("store_id", "product_id"))


def orders_of(buyer: Buyer) -> QuerySet[BuyerOrder]:
    return BuyerOrder.objects.filter(buyer=buyer).select_related("store").order_by("-placed_at", "-id")


def addresses_of(buyer: Buyer) -> QuerySet[BuyerAddress]:
    return BuyerAddress.objects.filter(buyer=buyer)


def address_of(buyer: Buyer, address_id: int | None) -> BuyerAddress | None:
    """One of the buyer's own addresses by id; None for another buyer's, or none."""
    return BuyerAddress.objects.filter(buyer=buyer, pk=address_id).first() if address_id is not None else None


def default_address(buyer: Buyer) -> BuyerAddress | None:
    """The address the buyer's cart form is filled with: the one marked default, else the oldest kept."""
    return BuyerAddress.objects.filter(buyer=buyer).order_by("-is_default", "created_at", "id").first()


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


@dataclass(frozen=True)
class StoreKeeps:
    """What one store keeps of a buyer whose account is deleted: its customer record, and the orders placed there."""

    store: Store
    orders: int


def what_stores_keep(buyer: Buyer) -> list[StoreKeeps]:
    """Each store that keeps a customer record of the buyer, with how many of the buyer's orders it holds (those
    its order feed listed in the history); by store name."""
    counts: dict[int, int] = {}
    for store_id in BuyerOrder.objects.filter(buyer=buyer).values_list("store_id", flat=True):
        counts[store_id] = counts.get(store_id, 0) + 1
    return [StoreKeeps(store=store, orders=counts.get(store.pk, 0)) for store in stores_signed_in_on(buyer)]


def stores_signed_in_on(buyer: Buyer) -> list[Store]:
    """The stores that keep a customer record of this buyer (each signed in there with the account)."""
    links = BuyerStore.objects.filter(buyer=buyer).select_related("store").order_by("store__name")
    return [link.store for link in links]
