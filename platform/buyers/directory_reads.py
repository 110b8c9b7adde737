"""What buyer pages read from the directory's public listings, through a reader the directory registers.

The directory sits above this app (its ranking reads who follows what), so this app never imports it: the directory
registers its reader here at start-up (``platform.directory.apps``), in plain sight, like the storefront's listeners.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class ListedProduct:
    """A product as the directory lists it: enough for a card that links to the store's product page."""

    store_id: int
    product_id: int
    store_slug: str
    store_name: str
    product_slug: str
    title: str
    price: Decimal
    currency: str
    image_url: str
    visible: bool


class ListingReader(Protocol):
    def products(self, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], ListedProduct]:
        """The listings of these (store id, product id) pairs that exist, shown or not."""
        ...

    def newest_of_stores(self, store_ids: list[int], *, limit: int) -> list[ListedProduct]:
        """The newest visible listings of these stores, newest first."""
        ...


_readers: list[ListingReader] = []


def read_listings_with(reader: ListingReader) -> None:
    _readers[:] = [reader]


def listing_reader() -> ListingReader:
    if not _readers:
        raise RuntimeError("The directory app registers its listing reader at start-up; it is not installed.")
    return _readers[0]
