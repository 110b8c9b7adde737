"""Signed references to one store's product, minted on a store host and redeemed by the platform site's cart."""

from dataclasses import dataclass

from django.core import signing

SALT = "mercato.marketplace.listing-reference"


@dataclass(frozen=True)
class ListingReference:
    store_id: int
    product_id: int
    variant_id: int


def sign_listing_reference(*, store_id: int, product_id: int, variant_id: int) -> str:
    """What a store page puts in its "add to marketplace cart" form: only Mercato's key can make one.

    It names ids only, never a price: the cart asks the store's own services for the price when it shows it.
    """
    return signing.dumps({"s": store_id, "p": product_id, "v": variant_id}, salt=SALT, compress=False)


def read_listing_reference(value: str) -> ListingReference | None:
    """The reference ``value`` carries, or None when it was not signed by Mercato (or was altered)."""
    try:
        data = signing.loads(value, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(key), int) for key in ("s", "p", "v")):
        return None
    return ListingReference(store_id=data["s"], product_id=data["p"], variant_id=data["v"])
