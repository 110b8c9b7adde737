"""The listings a marketplace buyer's pages show (favourites, new from followed stores), read from the directory."""

from platform.buyers.directory_reads import ListedProduct

from .models import Listing

_FIELDS = (
    "store_id",
    "product_id",
    "store_slug",
    "store_name",
    "product_slug",
    "title",
    "price",
    "currency",
    "image_url",
    "visible",
)


class DirectoryListingReader:
    def products(self, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], ListedProduct]:
        if not pairs:
            return {}
        store_ids = {store_id for store_id, _ in pairs}
        product_ids = {product_id for _, product_id in pairs}
        rows = Listing.objects.filter(store_id__in=store_ids, product_id__in=product_ids).values(*_FIELDS)
        found = {(row["store_id"], row["product_id"]): ListedProduct(**row) for row in rows}
        return {pair: found[pair] for pair in pairs if pair in found}

    def newest_of_stores(self, store_ids: list[int], *, limit: int) -> list[ListedProduct]:
        if not store_ids:
            return []
        rows = (
            Listing.objects.filter(store_id__in=store_ids, visible=True)
            .order_by("-created_at", "-id")
            .values(*_FIELDS)[:limit]
        )
        return [ListedProduct(**row) for row in rows]
